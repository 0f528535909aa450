package app

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/carriers/sandbox"
	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/media"
	"github.com/switchboard-gw/switchboard/jingle/softphone"
	"github.com/switchboard-gw/switchboard/jingle/trunk"
)

// errNotRegistered is reported by /healthz while the trunk refuses us.
var errNotRegistered = errors.New("app: not registered with the SIP trunk")

// voiceParts are the voice bridge's pieces, present when [sip] is set.
type voiceParts struct {
	trunk  *trunk.Trunk
	bridge *bridge.Bridge
	soft   *softphone.Phone // the sandbox page's phone; nil without the sandbox
}

// newVoice builds the SIP trunk, the media settings and the bridge, and
// hooks the bridge into the component.
func (g *Gateway) newVoice(domain jid.JID) (*voiceParts, error) {
	cfg := g.cfg
	if cfg.SIP == nil {
		return nil, nil
	}
	// The sections were checked when the file was read: sip.listen is a
	// concrete ip:port, udp_ports and public_ip parse.
	listen, err := netip.ParseAddrPort(cfg.SIP.Listen)
	if err != nil {
		return nil, fmt.Errorf("app: sip.listen: %w", err)
	}
	rtpAddr := listen.Addr()
	public := cfg.Media.Public()
	// Clients' ICE and the trunk's plain RTP take ports from separate
	// ranges when trunk_ports is set, so that a firewall can open the
	// trunk's to the carrier only.
	ice, plain := cfg.Media.Ports(), cfg.Media.TrunkRange()
	legs := media.WebRTCSettings{
		Ports:    ice,
		PublicIP: cfg.Media.PublicIP,
		// A gateway bound to loopback (tests, the demo) has only loopback
		// candidates to offer.
		Loopback:       rtpAddr.IsLoopback(),
		ConnectTimeout: cfg.Media.ConnectTimeout,
		Logger:         g.log,
	}
	rtc, err := media.NewWebRTC(legs)
	if err != nil {
		return nil, err
	}
	// Clients without DTLS (Gajim) get plain RTP over ICE on the same
	// ports, unless [media] plain_rtp = false.
	var plainLegs *media.Plain
	if cfg.Media.AllowPlain() {
		if plainLegs, err = media.NewPlain(legs); err != nil {
			return nil, err
		}
	}
	v := &voiceParts{}
	var meter bridge.Meter // a nil *billing.Ledger must not become a Meter
	if g.ledger != nil {
		meter = g.ledger
	}
	v.bridge = bridge.New(bridge.Settings{
		Domain:        domain,
		DefaultRegion: cfg.Numbers.DefaultRegion,
		Resource:      component.Resource, // calls come from the full JID the number is online at
		RTPAddr:       rtpAddr,
		PublicIP:      public,
		Ports:         plain,
		WebRTC:        rtc,
		Plain:         plainLegs,
		RingTimeout:   cfg.Calls.RingTimeout,
		Voicemail:     cfg.Calls.Voicemail,
		VoicemailMax:  cfg.Calls.VoicemailMax,
		CDRRetention:  cfg.Calls.Retention(),
		Greeting:      cfg.Calls.Greeting(),

		MaxCalls:                cfg.Calls.MaxCalls,
		MaxCallsPerNumber:       cfg.Calls.MaxCallsPerNumber,
		MaxCallsPerSource:       cfg.Calls.MaxCallsPerSource,
		CallsPerMinutePerSource: cfg.Calls.CallsPerMinutePerSource,
		MaxCallsPerUser:         cfg.Calls.MaxCallsPerUser,
		VoicemailPerHour:        cfg.Calls.VoicemailPerHour,
		VoicemailBudget:         cfg.Calls.Budget(),

		Media:        g.store,
		MediaURL:     cfg.HTTP.PublicURL,
		FullNumbers:  cfg.Log.FullNumbers,
		Destinations: cfg.Policy.Calls(),
		Meter:        meter,
		BillingStep:  cfg.Billing.CallStep,
		Logger:       g.log,
		// The trunk's signalling addresses may also send its media (a
		// carrier's media servers behind the same block): the trunk is
		// built below, before any call.
		TrustedMedia: func(a netip.Addr) bool { return v.trunk.Trusts(a) },
	}, g.comp, nil, g.store)
	sip := *cfg.SIP
	sip.Logger, sip.FullNumbers = g.log, cfg.Log.FullNumbers
	v.trunk, err = trunk.New(sip, v.bridge)
	if err != nil {
		return nil, err
	}
	var dialer bridge.Dialer = bridge.SIP(v.trunk)
	if sb := cfg.Carriers.Sandbox; sb != nil && sb.Active() {
		nums := sandboxNumbers{g.store}
		v.soft = softphone.New(softphone.Settings{WebRTC: rtc, RTPAddr: rtpAddr, Ports: plain, Numbers: nums, Logger: g.log})
		v.soft.SetRinger(v.bridge)
		dialer = sandboxFirst{soft: v.soft, numbers: nums, trunk: dialer}
	}
	v.bridge.SetDialer(dialer)
	g.comp.SetCalls(v.bridge)
	return v, nil
}

// sandboxFirst sends calls from the sandbox's users to numbers a sandbox
// page holds to that page, and the rest to the trunk: a user of a real
// carrier calling a real number never reaches a page that took it.
type sandboxFirst struct {
	soft    *softphone.Phone
	numbers sandboxNumbers
	trunk   bridge.Dialer
}

func (d sandboxFirst) Dial(ctx context.Context, from, to string, offer []byte, progress func(int)) (bridge.PhoneCall, error) {
	if d.soft.Has(to) && d.numbers.sandboxUser(ctx, from) && d.numbers.MayHold(ctx, to) == nil {
		return d.soft.Dial(ctx, from, to, offer, progress)
	}
	return d.trunk.Dial(ctx, from, to, offer, progress)
}

// sandboxNumbers keeps the sandbox page's phone to the sandbox's own
// numbers (softphone.Numbers): a page may hold a number no user of
// another carrier has, and call a sandbox user's number that is not
// forwarded (forwarding dials out through the trunk).
type sandboxNumbers struct{ store *store.Store }

var _ softphone.Numbers = sandboxNumbers{}

func (n sandboxNumbers) MayHold(ctx context.Context, number string) error {
	_, err := n.own(ctx, number, "take")
	return err
}

func (n sandboxNumbers) MayCall(ctx context.Context, number string) error {
	b, err := n.own(ctx, number, "call")
	if err == nil && b.Forward != "" {
		return fmt.Errorf("%w: calls to %s are forwarded out of the sandbox: the sandbox cannot call it", softphone.ErrNotSandbox, number)
	}
	return err
}

// own looks number up and refuses it when it belongs to a user of another
// carrier; a free number is the sandbox's to use (the zero Binding).
func (n sandboxNumbers) own(ctx context.Context, number, verb string) (store.Binding, error) {
	b, err := n.store.Lookup(ctx, number)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Binding{}, nil // the bridge says "not found" in its own words
	case err != nil:
		return store.Binding{}, err
	case b.Carrier != sandbox.Name:
		return b, fmt.Errorf("%w: %s is a number of this gateway's users on another carrier: the sandbox cannot %s it", softphone.ErrNotSandbox, number, verb)
	}
	return b, nil
}

// sandboxUser reports whether number is a sandbox user's; when that
// cannot be told, it is not.
func (n sandboxNumbers) sandboxUser(ctx context.Context, number string) bool {
	b, err := n.store.Lookup(ctx, number)
	return err == nil && b.Carrier == sandbox.Name
}

// run serves SIP and the bridge until ctx ends.
func (v *voiceParts) run(ctx context.Context) error {
	// SIP stops after the bridge has hung up and recorded every call.
	tctx, stopTrunk := context.WithCancel(context.WithoutCancel(ctx))
	defer stopTrunk()
	errc := make(chan error, 1)
	go func() { errc <- v.trunk.Run(tctx) }()
	_ = v.bridge.Run(ctx)
	if v.soft != nil {
		v.soft.Close()
	}
	stopTrunk()
	return <-errc
}

func (v *voiceParts) health(context.Context) error {
	if !v.trunk.Registered() {
		return errNotRegistered
	}
	return nil
}
