package jingle

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
)

func TestTrickle(t *testing.T) {
	in := `<jingle xmlns="urn:xmpp:jingle:1" action="transport-info" sid="m0v1m-8d2f6c">
  <content creator="initiator" name="0">
    <transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="c2d4e6f8" pwd="0a1b2c3d4e5f60718293a4b5c6d7e8f9">
      <candidate component="1" foundation="1" generation="0" id="mc1" ip="203.0.113.50" port="56123" priority="1686052607" protocol="udp" rel-addr="0.0.0.0" rel-port="0" type="srflx"/>
      <candidate component="1" foundation="2" generation="0" id="mc2" ip="203.0.113.50" port="9" priority="1518280447" protocol="tcp" type="host"/>
    </transport>
  </content>
</jingle>`
	var j Jingle
	if err := xml.Unmarshal([]byte(in), &j); err != nil {
		t.Fatal(err)
	}
	got, err := TrickleCandidates(&j)
	if err != nil {
		t.Fatal(err)
	}
	want := Trickle{Mid: "0", Ufrag: "c2d4e6f8", Candidate: "candidate:1 1 udp 1686052607 203.0.113.50 56123 typ srflx raddr 0.0.0.0 rport 0 generation 0"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	j.Contents[0].Transport.Candidates[0].Port = 0
	if _, err := TrickleCandidates(&j); !errors.Is(err, ErrBadCandidate) {
		t.Errorf("malformed candidate: %v", err)
	}

	ti, err := NewTransportInfo("s1", CreatorInitiator, "0", "uf", "pw", want.Candidate, "c9")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := xml.Marshal(ti)
	for _, s := range []string{`action="transport-info"`, `ufrag="uf"`, `id="c9"`, `rel-addr="0.0.0.0"`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("%s lacks %s", b, s)
		}
	}
	if _, err := NewTransportInfo("s1", CreatorInitiator, "0", "uf", "pw", "candidate:1 2 udp 1 192.0.2.1 5000 typ host", "c"); !errors.Is(err, ErrBadCandidate) {
		t.Errorf("component 2: %v", err)
	}
	if _, err := NewTransportInfo("s1", CreatorInitiator, "0", "uf", "pw", "garbage", "c"); !errors.Is(err, ErrBadCandidate) {
		t.Errorf("garbage: %v", err)
	}
}
