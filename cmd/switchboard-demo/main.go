// Command switchboard-demo runs the gateway with everything it needs, for
// trying it out: a private Prosody and Redis in a temporary directory, the
// sandbox carrier, and an XMPP account with a phone number. It prints how to
// log in and where the sandbox page is; Ctrl-C stops it all and removes the
// directory. `make demo` runs it.
//
//	switchboard-demo [-port-http 8080] [-port-c2s 5222] [-keep]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchboard-gw/switchboard/carriers/sandbox"
	"github.com/switchboard-gw/switchboard/component"
	"github.com/switchboard-gw/switchboard/component/signup"
	"github.com/switchboard-gw/switchboard/internal/app"
	"github.com/switchboard-gw/switchboard/internal/launch"
	"github.com/switchboard-gw/switchboard/internal/mms"
	"github.com/switchboard-gw/switchboard/internal/phone"
	"github.com/switchboard-gw/switchboard/internal/store"
	"github.com/switchboard-gw/switchboard/jingle/trunk"
)

const (
	user        = "demo"
	newcomer    = "newcomer"      // an account with no number yet, for sign-up
	demoNumber  = "+12015550100"  // the demo user's number, through the sandbox
	phoneNumber = "+12015550123"  // a phone to text, played on the sandbox page
	gatewayJID  = "sms.localhost" // the component's domain
)

// options are the command-line flags.
type options struct {
	httpPort, c2sPort int // preferred ports; 0 or taken: any free port
	keep              bool
}

func main() {
	var o options
	flag.IntVar(&o.httpPort, "port-http", 8080, "port of the sandbox page and webhooks; if taken, any free port")
	flag.IntVar(&o.c2sPort, "port-c2s", 5222, "XMPP client port; if taken, any free port")
	flag.BoolVar(&o.keep, "keep", false, "keep the data directory (config, logs, Redis and Prosody data)")
	flag.Parse()
	// `make demo | tee log` and Ctrl-C: the SIGINT ends tee too, and a
	// write to its pipe would then kill the demo before it cleans up.
	// Ignored, the write fails and the cleanup goes on.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, os.Stdout, os.Stderr)
	interrupted := ctx.Err() != nil // a start cut short by Ctrl-C is no error
	stop()
	if err != nil && !interrupted {
		fmt.Fprintln(os.Stderr, "switchboard-demo:", err)
		os.Exit(1)
	}
}

// run starts everything, prints the banner to out once the gateway is
// connected, and stops everything when ctx is done.
func run(ctx context.Context, o options, out, logs io.Writer) (err error) {
	if pkgs := launch.MissingPackages(); len(pkgs) > 0 {
		return missing(pkgs)
	}
	dir, err := os.MkdirTemp("", "switchboard-demo-")
	if err != nil {
		return err
	}
	defer func() {
		if o.keep {
			fmt.Fprintf(out, "Stopped. Data kept in %s\n", dir)
			return
		}
		if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
			err = rerr
		}
		fmt.Fprintf(out, "Stopped. Removed %s\n", dir)
	}()

	redis, err := launch.StartRedis(ctx, filepath.Join(dir, "redis"))
	if err != nil {
		return err
	}
	defer redis.Stop()
	var notes []string
	popts := launch.ProsodyOptions{
		ComponentDomain: gatewayJID,
		TLS:             true,
		// What desktop and mobile clients look for.
		Modules: []string{"pep", "private", "vcard_legacy", "bookmarks", "blocklist", "smacks", "csi_simple"},
		// XEP-0363, so clients can send pictures (MMS through the sandbox).
		FileShare: true,
	}
	popts.C2SPort, notes = preferPort(o.c2sPort, "XMPP client", notes)
	prosody, err := launch.StartProsody(ctx, filepath.Join(dir, "prosody"), popts)
	if err != nil && popts.C2SPort != 0 && launch.PortTaken(err) {
		notes = append(notes, portNote(popts.C2SPort, "XMPP client"))
		popts.C2SPort = 0
		prosody, err = launch.StartProsody(ctx, filepath.Join(dir, "prosody"), popts)
	}
	if err != nil {
		return err
	}
	defer prosody.Stop()
	password := readablePassword()
	if err := prosody.Register(ctx, user, password); err != nil {
		return err
	}
	// A second account without a number, to sign up with.
	newPassword := readablePassword()
	if err := prosody.Register(ctx, newcomer, newPassword); err != nil {
		return err
	}

	httpPort, notes := preferPort(o.httpPort, "web", notes)
	if httpPort == 0 {
		// Payment links carry the address, so it is fixed before the
		// gateway listens.
		ports, err := launch.FreePorts(1)
		if err != nil {
			return err
		}
		httpPort = ports[0]
	}
	sipAddr, err := freeUDP()
	if err != nil {
		return err
	}
	// Through a file's syntax, for the defaults and checks a file gets.
	file, err := (&app.Config{
		Component: component.Config{JID: gatewayJID, Server: prosody.ComponentAddr, Secret: prosody.ComponentSecret},
		Redis:     store.Config{URL: redis.URL},
		HTTP:      app.HTTP{Listen: launch.Loopback(httpPort)},
		Numbers:   phone.Config{DefaultRegion: "US"},
		Carriers:  app.Carriers{Sandbox: &sandbox.Config{Enabled: true}},
		// Self-service sign-up from the sandbox's numbers, paid from a
		// prepaid balance topped up with the sandbox's pretend payments.
		Signup:  signup.Config{Enabled: true},
		Billing: demoBilling(),
		// Everything in the demo is on this machine: the sandbox's pictures
		// and Prosody's uploads are on loopback.
		MMS: mms.Config{Dir: filepath.Join(dir, "media"), FetchAllow: []string{"127.0.0.1/32", "::1/128"}},
		// Voice with no phone network: calls go to numbers held on the
		// sandbox page. The "trunk" is the gateway itself, which refuses
		// numbers nobody holds, so such calls end at once; a trunk that
		// is the gateway carries no real traffic, so the sandbox needs no
		// unsafe_beside_real_traffic here.
		SIP: &trunk.Settings{Listen: sipAddr, Trunk: "sip:" + sipAddr},
	}).Marshal()
	if err != nil {
		return err
	}
	cfg, err := app.ParseConfig(file, nil)
	if err != nil {
		return err
	}
	st, err := store.Open(redis.URL)
	if err != nil {
		return err
	}
	err = st.Assign(ctx, store.Binding{Number: demoNumber, JID: user + "@" + prosody.Domain, Carrier: "sandbox"})
	if err == nil {
		err = welcomeCredit(ctx, cfg, st, user+"@"+prosody.Domain)
	}
	st.Close()
	if err != nil {
		return err
	}
	g, err := app.New(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		return err
	}
	gctx, stopGateway := context.WithCancel(ctx)
	ran := make(chan struct{})
	var runErr error
	go func() {
		runErr = g.Run(gctx)
		close(ran)
	}()
	defer func() {
		stopGateway()
		<-ran
		if err == nil && runErr != nil && !errors.Is(runErr, context.Canceled) {
			err = runErr
		}
	}()
	for !g.Component().Connected() {
		select {
		case <-ran:
			return errors.New("the gateway stopped before it connected to Prosody")
		case <-time.After(20 * time.Millisecond):
		}
	}
	err = banner.Execute(out, map[string]any{
		"JID": user + "@" + prosody.Domain, "Password": password, "C2S": prosody.C2SAddr,
		"Standard": strings.HasSuffix(prosody.C2SAddr, ":5222"), "Cert": prosody.Cert,
		"WebSocket": prosody.WebSocketURL(), "Number": demoNumber, "Phone": phoneNumber,
		"Gateway": gatewayJID, "Upload": prosody.UploadDomain, "Sandbox": "http://" + g.Addr() + "/sandbox/?token=" + g.SandboxToken(), "Dir": dir,
		"Keep": o.keep, "Notes": notes, "NewJID": newcomer + "@" + prosody.Domain, "NewPassword": newPassword,
	})
	if err != nil {
		return err
	}
	<-ran
	return nil
}

// preferPort returns port if it is free on 127.0.0.1 and on ::1 (where
// clients may look for "localhost" first), and otherwise 0 (any free port)
// with a note saying so.
func preferPort(port int, what string, notes []string) (int, []string) {
	if port == 0 || launch.PortFree(port) && !launch.Accepts(net.JoinHostPort("::1", strconv.Itoa(port))) {
		return port, notes
	}
	return 0, append(notes, portNote(port, what))
}

func portNote(port int, what string) string {
	return fmt.Sprintf("port %d is in use, so the %s port is another one (see below).", port, what)
}

// freeUDP returns a loopback UDP address nobody listens on.
func freeUDP() (string, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("demo: no free UDP port: %w", err)
	}
	defer c.Close()
	return c.LocalAddr().String(), nil
}
