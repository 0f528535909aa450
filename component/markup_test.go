package component

import (
	"slices"
	"testing"
)

func TestReadMarkup(t *testing.T) {
	const head = `<message from="a@example.org/r" to="sms.example.org" type="chat" id="1">`
	tests := []struct {
		name  string
		in    string
		check func(*inbound) bool
	}{
		{"addresses", head + `<addresses xmlns="http://jabber.org/protocol/address"><address type="to" uri="sms:+12015550123"/><address type="cc" uri="sms:+12015550124" delivered="true"/><address type="to" jid="+12015550125@sms.example.org"/></addresses><body>hi</body></message>`,
			func(st *inbound) bool {
				return len(st.Addresses) == 3 && st.Addresses[0] == address{Type: "to", URI: "sms:+12015550123"} &&
					st.Addresses[1].Delivered && st.Addresses[2].JID == "+12015550125@sms.example.org"
			}},
		{"reactions", head + `<reactions xmlns="urn:xmpp:reactions:0" id="x"><reaction>👍</reaction><reaction>❤️</reaction></reactions></message>`,
			func(st *inbound) bool {
				return st.Reactions != nil && st.Reactions.ID == "x" && slices.Equal(st.Reactions.Emojis, []string{"👍", "❤️"})
			}},
		{"reactions removed", head + `<reactions xmlns="urn:xmpp:reactions:0" id="x"/></message>`,
			func(st *inbound) bool { return st.Reactions != nil && len(st.Reactions.Emojis) == 0 }},
		{"reply", head + `<body>&gt; q
a</body><reply xmlns="urn:xmpp:reply:0" id="y"/><fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="4"/></fallback></message>`,
			func(st *inbound) bool {
				cov, rest := withoutFallback(*st.Body, st.Fallbacks, nsReply)
				return st.Reply && st.ReplyTo == "y" && quoteLines(cov) == "q" && rest == "a"
			}},
		{"bad fallback range", head + `<body>ab</body><fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="1" end="9"/></fallback></message>`,
			func(st *inbound) bool {
				cov, rest := withoutFallback(*st.Body, st.Fallbacks, nsReply)
				return cov == "" && rest == "ab"
			}},
		{"correction", head + `<body>b</body><replace xmlns="urn:xmpp:message-correct:0" id="z"/></message>`,
			func(st *inbound) bool { return st.Correction && st.Replace == "z" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, bad, err := decodeString(tt.in)
			if err != nil || bad != nil {
				t.Fatalf("decode: %v %+v", err, bad)
			}
			if !tt.check(st) {
				t.Errorf("decoded %+v", st)
			}
		})
	}
}

func TestGroupLocal(t *testing.T) {
	for _, tt := range []struct {
		self string
		all  []string
		want string
	}{
		{"+12015550100", []string{"+12015550123", "+12015550100", "+12015550111"}, "+12015550111,+12015550123"},
		{"", []string{"+2", "+1", "+2"}, "+1,+2"},
	} {
		if got := groupLocal(tt.self, tt.all); got != tt.want {
			t.Errorf("groupLocal(%q, %v) = %q, want %q", tt.self, tt.all, got, tt.want)
		}
	}
}

func TestTypeAllowed(t *testing.T) {
	list := []string{"image/jpeg", "video/*"}
	for typ, want := range map[string]bool{
		"image/jpeg": true, "IMAGE/JPEG; q=1": true, "video/mp4": true, "image/png": false, "videos/x": false, "": false,
	} {
		if got := typeAllowed(typ, list); got != want {
			t.Errorf("typeAllowed(%q) = %v", typ, got)
		}
	}
	if !typeAllowed("application/x-anything", nil) {
		t.Error("an empty list allows all")
	}
}

func TestOptInWord(t *testing.T) {
	for body, want := range map[string]bool{"START": true, " start\n": true, "Yes": true, "unstop": true, "START now": false, "STOP": false} {
		if optInWord(body) != want {
			t.Errorf("optInWord(%q) != %v", body, want)
		}
	}
}
