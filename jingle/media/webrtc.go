package media

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

const mimeTelephoneEvent = "audio/telephone-event"

// Payload types the WebRTC leg offers; answers use the offerer's.
const (
	ptPCMU           = 0
	ptPCMA           = 8
	ptTelephoneEvent = 101
)

// WebRTCSettings configures the Jingle legs.
type WebRTCSettings struct {
	Ports          PortRange     // [media] udp_ports: ICE UDP ports; zero: OS-chosen
	PublicIP       string        // [media] public_ip: advertised instead of local host addresses
	Loopback       bool          // also gather loopback candidates (tests on 127.0.0.1)
	ConnectTimeout time.Duration // ICE+DTLS must complete within this after the offer/answer exchange; default 20s
	Logger         *slog.Logger  // default: discard

	// ListenIPs, when set, restricts host candidates to these local
	// addresses (multi-homed hosts; tests use 127.0.0.1 only).
	ListenIPs []netip.Addr
}

const defaultConnectTimeout = 20 * time.Second

// defaults fills in ConnectTimeout and Logger and checks Ports.
func (set *WebRTCSettings) defaults() error {
	if set.ConnectTimeout <= 0 {
		set.ConnectTimeout = defaultConnectTimeout
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	return set.Ports.validate()
}

// WebRTC creates Jingle legs sharing one pion API.
type WebRTC struct {
	api     *webrtc.API
	timeout time.Duration
	log     *slog.Logger
}

// legCodecs are the only codecs a leg negotiates: G.711 passes through.
var legCodecs = []webrtc.RTPCodecParameters{
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, PayloadType: ptPCMU},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000, Channels: 1}, PayloadType: ptPCMA},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTelephoneEvent, ClockRate: 8000, Channels: 1, SDPFmtpLine: "0-16"}, PayloadType: ptTelephoneEvent},
}

// NewWebRTC builds the pion API: a MediaEngine with only PCMU/8000 (PT 0),
// PCMA/8000 (PT 8) and telephone-event/8000 (PT 101), RTCP sender and
// receiver reports but no NACK/TWCC, UDP only, full ICE (not lite, which
// XEP-0176 cannot signal), and mDNS in query-only mode so remote .local
// candidates resolve while ours stay plain IPs.
func NewWebRTC(set WebRTCSettings) (*WebRTC, error) {
	if err := set.defaults(); err != nil {
		return nil, err
	}

	me := &webrtc.MediaEngine{}
	for _, c := range legCodecs {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("media: register %s: %w", c.MimeType, err)
		}
	}

	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("media: rtcp reports: %w", err)
	}

	se := webrtc.SettingEngine{}
	networks := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeQueryOnly)
	se.SetIncludeLoopbackCandidate(set.Loopback)
	// When the leg offers (a phone calls the user), pion drops RTP whose
	// SSRC the answer does not declare, and Dino's session-accept declares
	// none (no <source/>): the phone would hear nothing. With this, pion
	// takes an undeclared SSRC on the one audio m-line, as it does when
	// the leg answers.
	se.SetHandleUndeclaredSSRCWithoutAnswer(true)
	if !set.Ports.IsZero() {
		if err := se.SetEphemeralUDPPortRange(uint16(set.Ports.Min), uint16(set.Ports.Max)); err != nil {
			return nil, fmt.Errorf("media: ice ports %s: %w", set.Ports, err)
		}
	}
	if set.PublicIP != "" {
		ip, err := netip.ParseAddr(set.PublicIP)
		if err != nil {
			return nil, fmt.Errorf("media: public ip %q: %w", set.PublicIP, err)
		}
		// Only addresses of the public IP's family are rewritten to it: the
		// others (an IPv6 ULA beside a public IPv4) would be offered as
		// they are, private and unreachable, so they are not gathered.
		networks = []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
		if ip.Unmap().Is6() {
			networks = []webrtc.NetworkType{webrtc.NetworkTypeUDP6}
		}
		err = se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        []string{ip.String()},
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		})
		if err != nil {
			return nil, fmt.Errorf("media: public ip %s: %w", ip, err)
		}
	}
	se.SetNetworkTypes(networks)
	if len(set.ListenIPs) > 0 {
		se.SetIPFilter(onlyIPs(set.ListenIPs))
	}

	api := webrtc.NewAPI(
		webrtc.WithMediaEngine(me),
		webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(se),
	)
	return &WebRTC{api: api, timeout: set.ConnectTimeout, log: set.Logger}, nil
}

// onlyIPs is an ICE IP filter that keeps the addresses given (ListenIPs).
func onlyIPs(ips []netip.Addr) func(net.IP) bool {
	allowed := append([]netip.Addr(nil), ips...)
	return func(ip net.IP) bool {
		a, ok := netip.AddrFromSlice(ip)
		if !ok {
			return false
		}
		for _, w := range allowed {
			if w.Unmap() == a.Unmap() {
				return true
			}
		}
		return false
	}
}
