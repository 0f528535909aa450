package bridge

import (
	"testing"

	"github.com/switchboard-gw/switchboard/jingle"
)

func TestSIPReasons(t *testing.T) {
	for _, tt := range []struct {
		status int
		want   jingle.Condition
	}{
		{180, ""}, {183, ""}, {200, jingle.Success}, {486, jingle.Busy}, {600, jingle.Busy}, {603, jingle.Decline},
		{487, jingle.Cancel}, {408, jingle.Timeout}, {480, jingle.Timeout}, {404, jingle.GeneralError}, {503, jingle.GeneralError}, {606, jingle.GeneralError},
	} {
		if got := conditionForSIP(tt.status); got != tt.want {
			t.Errorf("conditionForSIP(%d) = %q, want %q", tt.status, got, tt.want)
		}
	}
	for _, tt := range []struct {
		c    jingle.Condition
		want int
	}{
		{jingle.Busy, 486}, {jingle.Decline, 603}, {jingle.Timeout, 480}, {jingle.Cancel, 487}, {jingle.GeneralError, 500}, {jingle.Success, 500}, {"", 500},
	} {
		if got := sipForCondition(tt.c); got != tt.want {
			t.Errorf("sipForCondition(%q) = %d, want %d", tt.c, got, tt.want)
		}
	}
	// Each condition the notes name survives the trip SIP -> Jingle -> SIP class.
	for _, c := range []jingle.Condition{jingle.Busy, jingle.Decline, jingle.Cancel, jingle.Timeout} {
		if conditionForSIP(sipForCondition(c)) != c {
			t.Errorf("%s does not round trip", c)
		}
	}
}
