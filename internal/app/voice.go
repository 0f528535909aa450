package app

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"mellium.im/xmpp/jid"

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
	ports := cfg.Media.Ports()
	rtc, err := media.NewWebRTC(media.WebRTCSettings{
		Ports:    ports,
		PublicIP: cfg.Media.PublicIP,
		// A gateway bound to loopback (tests, the demo) has only loopback
		// candidates to offer.
		Loopback:       rtpAddr.IsLoopback(),
		ConnectTimeout: cfg.Media.ConnectTimeout,
		Logger:         g.log,
	})
	if err != nil {
		return nil, err
	}
	v := &voiceParts{}
	v.bridge = bridge.New(bridge.Settings{
		Domain:        domain,
		DefaultRegion: cfg.Numbers.DefaultRegion,
		RTPAddr:       rtpAddr,
		PublicIP:      public,
		Ports:         ports,
		WebRTC:        rtc,
		RingTimeout:   cfg.Calls.RingTimeout,
		Voicemail:     cfg.Calls.Voicemail,
		VoicemailMax:  cfg.Calls.VoicemailMax,
		Greeting:      cfg.Calls.Greeting(),

		MaxCalls:                cfg.Calls.MaxCalls,
		MaxCallsPerNumber:       cfg.Calls.MaxCallsPerNumber,
		MaxCallsPerSource:       cfg.Calls.MaxCallsPerSource,
		CallsPerMinutePerSource: cfg.Calls.CallsPerMinutePerSource,
		MaxCallsPerUser:         cfg.Calls.MaxCallsPerUser,
		VoicemailPerHour:        cfg.Calls.VoicemailPerHour,
		VoicemailBudget:         cfg.Calls.Budget(),

		Media:       g.store,
		MediaURL:    cfg.HTTP.PublicURL,
		FullNumbers: cfg.Log.FullNumbers,
		Logger:      g.log,
	}, g.comp, nil, g.store)
	sip := *cfg.SIP
	sip.Logger, sip.FullNumbers = g.log, cfg.Log.FullNumbers
	v.trunk, err = trunk.New(sip, v.bridge)
	if err != nil {
		return nil, err
	}
	var dialer bridge.Dialer = bridge.SIP(v.trunk)
	if sb := cfg.Carriers.Sandbox; sb != nil && sb.Active() {
		v.soft = softphone.New(softphone.Settings{WebRTC: rtc, RTPAddr: rtpAddr, Ports: ports, Logger: g.log})
		v.soft.SetRinger(v.bridge)
		dialer = sandboxFirst{soft: v.soft, trunk: dialer}
	}
	v.bridge.SetDialer(dialer)
	g.comp.SetCalls(v.bridge)
	return v, nil
}

// sandboxFirst sends calls to numbers a sandbox page holds to that page,
// and the rest to the trunk.
type sandboxFirst struct {
	soft  *softphone.Phone
	trunk bridge.Dialer
}

func (d sandboxFirst) Dial(ctx context.Context, from, to string, offer []byte, progress func(int)) (bridge.PhoneCall, error) {
	if d.soft.Has(to) {
		return d.soft.Dial(ctx, from, to, offer, progress)
	}
	return d.trunk.Dial(ctx, from, to, offer, progress)
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
