package trunk

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  Settings
		want string // substring of the error; "" for success
	}{
		{"ok", Settings{Listen: "127.0.0.1:5060", Trunk: "sip:127.0.0.1:5070"}, ""},
		{"bad listen", Settings{Listen: "nonsense", Trunk: "sip:127.0.0.1:5070"}, "listen"},
		{"bad listen port", Settings{Listen: "127.0.0.1:99999", Trunk: "sip:127.0.0.1:5070"}, "listen"},
		{"unspecified listen", Settings{Listen: "0.0.0.0:5060", Trunk: "sip:127.0.0.1:5070"}, "listen"},
		{"bad trunk", Settings{Listen: "127.0.0.1:5060", Trunk: "http://x"}, "trunk"},
		{"empty trunk", Settings{Listen: "127.0.0.1:5060"}, "trunk"},
		{"register without user", Settings{Listen: "127.0.0.1:5060", Trunk: "sip:h", Register: true}, "register: needs username"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := New(tc.set, nil)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tr.set.RegisterExpiry != 600*time.Second || tr.set.UserAgent != "Switchboard" || tr.set.Domain != "127.0.0.1" {
					t.Errorf("defaults = %+v", tr.set)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrSettings) {
				t.Fatalf("New = %v; want ErrSettings naming %q", err, tc.want)
			}
		})
	}
}

func TestPasswordNotInErrors(t *testing.T) {
	_, err := New(Settings{Listen: "bad", Trunk: "sip:h", Password: "hunter2"}, nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("New = %v", err)
	}
}
