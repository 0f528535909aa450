package api

import (
	"strings"
	"testing"
)

const uuid1 = "7bd3a8d2-5f0e-4c1a-9a1e-0c6f3b2d4e5f"

func TestIsUUID(t *testing.T) {
	for s, want := range map[string]bool{
		uuid1: true, strings.ToUpper(uuid1): true,
		"": false, uuid1[:35]: false, uuid1 + "0": false,
		"7bd3a8d2x5f0e-4c1a-9a1e-0c6f3b2d4e5f"[:36]: false,
		"7bd3a8d25f0e04c1a09a1e00c6f3b2d4e5f0":      false,
		"gbd3a8d2-5f0e-4c1a-9a1e-0c6f3b2d4e5f":      false,
		"{7bd3a8d2-5f0e-4c1a-9a1e-0c6f3b2d4e5}":     false,
	} {
		if IsUUID(s) != want {
			t.Errorf("IsUUID(%q) = %v", s, !want)
		}
	}
}
