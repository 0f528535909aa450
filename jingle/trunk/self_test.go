package trunk

import "testing"

func TestTrunkIsSelf(t *testing.T) {
	tests := []struct {
		listen, trunk string
		want          bool
	}{
		{"127.0.0.1:5060", "sip:127.0.0.1:5060", true},
		{"127.0.0.1:5060", "sip:127.0.0.1", true},
		{"127.0.0.1:5070", "sip:127.0.0.1:5070;transport=udp", true},
		{"127.0.0.1:5060", "sip:127.0.0.1:5070", false},
		{"127.0.0.1:5060", "sip:127.0.0.2:5060", false},
		{"127.0.0.1:5060", "sip:localhost:5060", false}, // names are not trusted to be us
		{"127.0.0.1:5060", "sips:127.0.0.1:5060", false},
		{"127.0.0.1:0", "sip:127.0.0.1:0", false},
		{"127.0.0.1:5060", "sip:trunk.example.net", false},
	}
	for _, tt := range tests {
		t.Run(tt.listen+" "+tt.trunk, func(t *testing.T) {
			if got := (Settings{Listen: tt.listen, Trunk: tt.trunk}).TrunkIsSelf(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
