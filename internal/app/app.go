// Package app builds a running gateway from a configuration: the component,
// the carriers, the state store and the HTTP server.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-gw/switchboard/billing"
	"github.com/switchboard-gw/switchboard/billing/topup"

	"github.com/switchboard-gw/switchboard/carriers"
	"github.com/switchboard-gw/switchboard/carriers/sandbox"
	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/component/account"
	"github.com/switchboard-gw/switchboard/component/adhoc"
	"github.com/switchboard-gw/switchboard/component/signup"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/outbox"
	"github.com/switchboard-gw/switchboard/internal/store"
)

// Gateway is a configured, not yet running gateway.
type Gateway struct {
	cfg    *Config
	log    *slog.Logger
	store  *store.Store
	media  mms.Store     // MMS media the gateway hosts ([mms])
	mms    *mms.Rehoster // copies carriers' inbound media into media
	fetch  *mms.Fetcher  // for URLs users and webhooks supply
	comp   *component.Component
	cmds   *adhoc.Server // ad-hoc commands on the gateway's JID
	outbox *outbox.Outbox
	voice  *voiceParts      // nil without [sip]
	sb     *sandbox.Carrier // nil without the sandbox
	ledger *billing.Ledger  // nil unless [billing] enabled
	topups *topup.Stripe    // nil without [stripe]
	// sandboxPay: pretend top-ups beside the sandbox carrier without
	// [stripe]; nil otherwise.
	sandboxPay   *topup.Sandbox
	accounts     *account.Accounts               // the account commands
	numberStores map[string]carriers.NumberStore // carriers that sell numbers, by name
	signup       *signup.Signup                  // nil unless [signup] enabled
	// runners are the carriers holding a connection of their own (SMPP),
	// run beside the component with the receiver the webhooks get.
	runners []carriers.Runner
	srv     *http.Server
	ln      net.Listener
}

// New builds the gateway described by cfg (checked by LoadConfig or
// ParseConfig) and binds its HTTP listener.
func New(cfg *Config, log *slog.Logger) (*Gateway, error) { return newGateway(cfg, log, time.Now) }

// newGateway is New with the clock the ledger reads (tests move it to
// renew plans and end grace periods).
func newGateway(cfg *Config, log *slog.Logger, now func() time.Time) (*Gateway, error) {
	st, err := store.Open(cfg.Redis.URL)
	if err != nil {
		return nil, err
	}
	domain, err := cfg.Component.Domain()
	if err != nil {
		return nil, fmt.Errorf("app: component.jid: %w", err)
	}
	g := &Gateway{cfg: cfg, log: log, store: st}
	if err := g.newMMS(); err != nil {
		return nil, err
	}

	var cs []carriers.Carrier
	g.numberStores = map[string]carriers.NumberStore{}
	mux := http.NewServeMux()
	for _, s := range cfg.Carriers.enabled() {
		c, err := s.Open(carriers.Env{PublicURL: cfg.HTTP.PublicURL, Numbers: g.numbersOf(s.name), Logger: log})
		if err != nil {
			return nil, fmt.Errorf("app: carriers.%s: %w", s.name, err)
		}
		cs = append(cs, c)
		if ns, ok := c.(carriers.NumberStore); ok {
			g.numberStores[c.Name()] = ns
		}
		if sb, ok := c.(*sandbox.Carrier); ok {
			g.sb = sb
		}
	}
	g.comp = component.New(component.Settings{
		Domain:         domain,
		Server:         cfg.Component.Server,
		Secret:         cfg.Component.Secret,
		DefaultRegion:  cfg.Numbers.DefaultRegion,
		FullNumbers:    cfg.Log.FullNumbers,
		Destinations:   cfg.Policy.SMS(),
		GroupJIDs:      cfg.Component.GroupJIDs,
		WarnSegments:   cfg.Component.WarnSegments,
		ReactionQuotes: cfg.Component.ReactionQuotes,
		MaxBackoff:     cfg.Component.ReconnectMax,
		Rehost:         g.mms.RehostAll,
		ProbeMedia: func(ctx context.Context, url string) (string, int64, error) {
			h, err := g.fetch.Head(ctx, url)
			return h.Type, h.Length, err
		},
		Logger: log,
	}, st, cs)
	if cfg.Billing.Enabled {
		ledger, err := billing.New(st.Client(), st.Prefix(), &cfg.Billing, now)
		if err != nil {
			return nil, fmt.Errorf("app: billing: %w", err)
		}
		g.comp.SetMeter(ledger)
		g.ledger = ledger
	}
	if err := g.newTopUps(mux, st); err != nil {
		return nil, err
	}
	if err := g.newSandboxPay(mux, st); err != nil {
		return nil, err
	}
	g.outbox = outbox.New(cfg.Outbox, st, g.comp.OutboxHandler(), log)
	g.comp.SetOutbox(g.outbox)
	if g.voice, err = g.newVoice(domain); err != nil {
		return nil, err
	}
	if err := g.newCommands(domain); err != nil {
		return nil, err
	}
	if err := g.newSignup(domain, cs); err != nil {
		return nil, err
	}
	for _, c := range cs {
		if wh, ok := c.(carriers.Webhooks); ok {
			h := wh.Handler(g.comp)
			mux.Handle("/"+c.Name()+"/", h)
			mux.Handle("/"+c.Name(), h)
		}
		if r, ok := c.(carriers.Runner); ok {
			g.runners = append(g.runners, r)
		}
	}
	checks := []check{
		{"xmpp", func(context.Context) error {
			if !g.comp.Connected() {
				return component.ErrNotConnected
			}
			return nil
		}},
		{"redis", st.Ping},
	}
	if g.voice != nil {
		checks = append(checks, check{"sip", g.voice.health})
	}
	mux.Handle("GET /healthz", healthz(log, checks))
	mux.Handle("GET /media/{file}", mediaHandler(st)) // voicemail recordings
	mux.Handle(mms.Route, mms.Handler(g.media, log))  // MMS media: /media/{id}/{name}
	if g.voice != nil && g.voice.soft != nil {
		// The page's phone answers the page only, as its SMS side does.
		mux.Handle("/sandbox/phone/", g.sb.Guard(g.voice.soft.Handler()))
	}
	g.ln, err = net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("app: http.listen: %w", err)
	}
	// Requests derive from a context cancelled at shutdown, so that long
	// polls (the sandbox page) end instead of holding shutdown up.
	base, cancelBase := context.WithCancel(context.Background())
	g.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	g.srv.RegisterOnShutdown(cancelBase)
	return g, nil
}

// Addr is the HTTP listener's address.
func (g *Gateway) Addr() string { return g.ln.Addr().String() }

// SandboxToken is the sandbox page's per-run token; "" without the
// sandbox. The demo's banner shows it in the page's address.
func (g *Gateway) SandboxToken() string {
	if g.sb == nil {
		return ""
	}
	return g.sb.Token()
}

// SandboxURL is the sandbox page's address at public_url, token
// included; "" without the sandbox.
func (g *Gateway) SandboxURL() string {
	if g.sb == nil {
		return ""
	}
	return g.cfg.HTTP.PublicURL + "/sandbox/?token=" + g.sb.Token()
}

// Commands is the ad-hoc command server on the gateway's JID, for adding
// commands (sign-up, billing) before Run.
func (g *Gateway) Commands() *adhoc.Server { return g.cmds }

// Component is the gateway's XMPP side.
func (g *Gateway) Component() *component.Component { return g.comp }

// Run serves until ctx is done, then shuts down gracefully.
func (g *Gateway) Run(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	if err := g.store.Ping(ctx); err != nil {
		g.log.Warn("app: redis unreachable at start; will keep trying", "err", err)
	}
	errc := make(chan error, 2)
	go func() {
		if err := g.srv.Serve(g.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("app: http: %w", err)
			return
		}
		errc <- nil
	}()
	// The XMPP side stops after the calls: ending them tells the users.
	compCtx, stopComp := context.WithCancel(context.WithoutCancel(ctx))
	defer stopComp()
	compDone := make(chan error, 1)
	go func() { compDone <- g.comp.Run(compCtx) }()
	// The queue stops with the XMPP side, after the HTTP server: a send
	// under way finishes and its outcome reaches the user.
	outboxDone := make(chan struct{})
	go func() { defer close(outboxDone); g.outbox.Run(compCtx) }()
	// Connection carriers stop with the XMPP side too: what they receive
	// goes to it.
	runnersDone := g.startRunners(compCtx)
	// Renewals tell users through the XMPP side: they stop with it.
	renewDone := g.startRenewals(compCtx)
	mmsDone := make(chan error, 1)
	go func() { mmsDone <- g.media.Run(ctx) }()
	voiceDone := make(chan error, 1)
	if g.voice != nil {
		go func() { voiceDone <- g.voice.run(ctx) }()
	} else {
		voiceDone <- nil
	}
	g.log.Info("app: gateway running", "http", g.Addr(), "domain", g.cfg.Component.JID, "carriers", g.cfg.CarrierNames())

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	stop() // an HTTP failure ends the other parts too
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = g.srv.Shutdown(sctx)
	if verr := <-voiceDone; verr != nil && err == nil {
		err = verr
	}
	if g.sb != nil {
		// Delivery reports still due (the page can delay them) are dropped.
		_ = g.sb.Close()
	}
	stopComp()
	<-outboxDone
	runnersDone.Wait()
	<-renewDone
	<-compDone
	<-mmsDone
	g.store.Close()
	return err
}

// startRunners runs each connection carrier until ctx is done; the
// returned group is done when they have all returned.
func (g *Gateway) startRunners(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, r := range g.runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Run(ctx, g.comp); err != nil {
				g.log.Error("app: carrier connection ended", "err", err)
			}
		}()
	}
	return &wg
}

// numbersOf lists the numbers bound through one carrier.
func (g *Gateway) numbersOf(carrier string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		bs, err := g.store.List(ctx)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, b := range bs {
			if b.Carrier == carrier {
				out = append(out, b.Number)
			}
		}
		return out, nil
	}
}
