package mms

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newID()
		b, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(b) != idBytes || len(id) != idLen || !validID(id) || seen[id] {
			t.Fatalf("id %q: %d bytes, %v, seen %v", id, len(b), err, seen[id])
		}
		seen[id] = true
	}
	if idBytes*8 < 128 {
		t.Error("ids carry fewer than 128 random bits")
	}
	for _, s := range []string{"", strings.Repeat("a", idLen-1), strings.Repeat("a", idLen+1), strings.Repeat(".", idLen), strings.Repeat("a", idLen-1) + "/", strings.Repeat("a", idLen-1) + "="} {
		if validID(s) {
			t.Errorf("validID(%q)", s)
		}
	}
}

func TestNames(t *testing.T) {
	for s, ok := range map[string]bool{
		"image.jpg": true, "a": true, "file_1-2.tar.gz": true, strings.Repeat("a", 64): true,
		"": false, ".jpg": false, "-x": false, "a/b": false, "a\\b": false, "a b": false, "é.jpg": false,
		"a%2F": false, strings.Repeat("a", 65): false, "..": false,
	} {
		if validName(s) != ok {
			t.Errorf("validName(%q) = %v", s, !ok)
		}
	}
}

func TestTypes(t *testing.T) {
	for _, tt := range []struct{ in, norm, name string }{
		{"image/jpeg", "image/jpeg", "image.jpg"},
		{"Image/JPEG; name=x.jpg", "image/jpeg", "image.jpg"},
		{"audio/amr", "audio/amr", "audio.amr"},
		{"video/3gpp", "video/3gpp", "video.3gp"},
		{"text/vcard; charset=UTF-8", "text/vcard; charset=UTF-8", "file.vcf"},
		{"application/pdf", "application/pdf", "file.pdf"},
		{"image/x-unknown", "image/x-unknown", "file.bin"},
		{"image/svg+xml", "image/svg+xml", "image.svg"},
		{"nonsense", "", "file.bin"},
		{"", "", "file.bin"},
	} {
		if got := normalType(tt.in); got != tt.norm {
			t.Errorf("normalType(%q) = %q, want %q", tt.in, got, tt.norm)
		}
		if got := fileName(tt.norm); got != tt.name || !validName(got) {
			t.Errorf("fileName(%q) = %q, want %q", tt.norm, got, tt.name)
		}
	}
	for _, ext := range extensions {
		if !validName("file" + ext) {
			t.Errorf("extension %q makes a bad name", ext)
		}
	}
}
