// Package rtctest holds pion/webrtc helpers for tests that run peers on
// 127.0.0.1: loopback-only candidate gathering, and a stand-in browser.
package rtctest

import (
	"net"
	"testing"

	"github.com/pion/webrtc/v4"
)

// Loopback is a SettingEngine that gathers only UDP4 loopback candidates:
// tests talk over 127.0.0.1 and must not wait on other interfaces.
func Loopback() webrtc.SettingEngine {
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	return se
}

// Browser is a PeerConnection with pion's default codecs (Opus, G.711…)
// on loopback, standing in for a browser; it is closed at cleanup.
func Browser(tb testing.TB) *webrtc.PeerConnection {
	tb.Helper()
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		tb.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(Loopback())).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = pc.GracefulClose() })
	return pc
}
