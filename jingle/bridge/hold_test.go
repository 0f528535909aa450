package bridge_test

import (
	"testing"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-gw/switchboard/jingle"
	"github.com/switchboard-gw/switchboard/jingle/bridge"
	"github.com/switchboard-gw/switchboard/jingle/bridge/bridgetest"
)

// established is a bridged call: the user's JID and session, and the
// phone's leg.
type established struct {
	user jid.JID
	sid  string
	call *bridgetest.Call
}

// directions set up an answered call each way.
func directions() []struct {
	name  string
	setup func(t *testing.T, e *env) established
} {
	return []struct {
		name  string
		setup func(t *testing.T, e *env) established
	}{
		{"to phone", func(t *testing.T, e *env) established {
			oc := e.callPhone(t, "hold-out", true)
			return established{alice, oc.sid, e.answer(t, oc)}
		}},
		{"from phone", func(t *testing.T, e *env) established {
			ic := e.callBob(t)
			return established{bobPhone, ic.sid, e.take(t, ic, bobPhone)}
		}},
	}
}

// TestUserHolds: the user's session-info <hold/> is a re-INVITE to the
// phone with a=sendonly on the call's own RTP port, <active/> (or
// <unhold/>) one with a=sendrecv.
func TestUserHolds(t *testing.T) {
	for _, d := range directions() {
		for _, resume := range []string{jingle.InfoActive, jingle.InfoUnhold} {
			t.Run(d.name+"/"+resume, func(t *testing.T) {
				e := newEnv(t, nil)
				c := d.setup(t, e)
				e.jingle(t, c.user, phoneJID, sessionInfo(c.sid, jingle.InfoHold))
				hold := c.call.WaitReinvite(t, "sendonly", func(o []byte) bool { return hasLine(o, "a=sendonly") })
				e.jingle(t, c.user, phoneJID, sessionInfo(c.sid, resume))
				res := c.call.WaitReinvite(t, "sendrecv", func(o []byte) bool { return hasLine(o, "a=sendrecv") })
				h, err := bridge.ParsePlainSDP(hold)
				if err != nil {
					t.Fatal(err)
				}
				r, err := bridge.ParsePlainSDP(res)
				if err != nil {
					t.Fatal(err)
				}
				if h.Addr != r.Addr || h.Addr.Port() == 9 {
					t.Errorf("hold on %v and resume on %v: the call's own RTP socket must stay", h.Addr, r.Addr)
				}
				if n := len(c.call.Reinvites()); n != 2 {
					t.Errorf("%d re-INVITEs, want 2", n)
				}
				if c.call.HungUp() {
					t.Error("hold ended the call")
				}
			})
		}
	}
}

// TestPhoneHolds: the phone's re-INVITE with a=sendonly (or inactive) is
// answered recvonly (inactive) and reaches the user as session-info
// <hold/>; a=sendrecv is answered sendrecv and reaches them as <active/>.
// A re-INVITE that changes nothing sends the user nothing.
func TestPhoneHolds(t *testing.T) {
	for _, d := range directions() {
		for _, held := range []struct{ offer, answer string }{{"sendonly", "recvonly"}, {"inactive", "inactive"}} {
			t.Run(d.name+"/"+held.offer, func(t *testing.T) {
				e := newEnv(t, nil)
				c := d.setup(t, e)
				reinvite := func(dir, want string) {
					t.Helper()
					ans, err := c.call.ReinviteFromPhone(bridgetest.PhoneSDP(dir))
					if err != nil {
						t.Fatalf("re-INVITE %s: %v", dir, err)
					}
					if !hasLine(ans, "a="+want) {
						t.Errorf("re-INVITE %s answered:\n%s\nwant a=%s", dir, ans, want)
					}
				}
				reinvite(held.offer, held.answer)
				if q := e.x.WaitInfo(t, jingle.InfoHold, c.user.String()); q.From != phoneJID.String() || q.Jingle.SID != c.sid {
					t.Errorf("hold: %s", q.Raw)
				}
				reinvite(held.offer, held.answer) // still held: nothing new
				reinvite("sendrecv", "sendrecv")
				e.x.WaitInfo(t, jingle.InfoActive, c.user.String())
				var holds int
				for _, q := range e.x.IQs() {
					if q.Action() == jingle.SessionInfoAction && q.Jingle.SessionInfo() == jingle.InfoHold {
						holds++
					}
				}
				if holds != 1 {
					t.Errorf("%d session-info <hold/>, want 1", holds)
				}
			})
		}
	}
}
