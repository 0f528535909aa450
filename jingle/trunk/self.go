package trunk

import (
	"net/netip"

	"github.com/emiago/sipgo/sip"
)

// TrunkIsSelf reports whether the trunk is the gateway's own SIP address
// (the demo's voice setup: a "trunk" with no phone network behind it, so
// calls to numbers no sandbox page holds end at once). Such a [sip]
// section carries no real traffic. Settings must have been checked.
func (s Settings) TrunkIsSelf() bool {
	listen, err := netip.ParseAddrPort(s.Listen)
	if err != nil || listen.Port() == 0 {
		return false
	}
	var u sip.Uri
	if err := sip.ParseUri(s.Trunk, &u); err != nil || u.Scheme != "sip" {
		return false
	}
	ip, err := netip.ParseAddr(u.Host)
	if err != nil {
		return false // a name may resolve anywhere
	}
	port := u.Port
	if port == 0 {
		port = 5060
	}
	return ip.Unmap() == listen.Addr().Unmap() && port == int(listen.Port())
}
