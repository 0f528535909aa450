package tapback

import (
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	long := "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod"
	tests := []struct {
		emoji, quoted, want string
	}{
		{"👍", "see you at 6", "Liked “see you at 6”"},
		{"❤️", "see you at 6", "Loved “see you at 6”"},
		{"❤", "see you at 6", "Loved “see you at 6”"},
		{"👎", "x", "Disliked “x”"},
		{"😂", "x", "Laughed at “x”"},
		{"‼️", "x", "Emphasized “x”"},
		{"‼", "x", "Emphasized “x”"},
		{"❓", "x", "Questioned “x”"},
		{"🎉", "we won", "Reacted 🎉 to “we won”"},
		{"👍🏽", "ok", "Reacted 👍🏽 to “ok”"},
		{"👍", "line one\n\n  line two ", "Liked “line one line two”"},
		{"👍", long, "Liked “Lorem ipsum dolor sit amet, consectetur…”"},
		{"👍", strings.Repeat("é", 40), "Liked “" + strings.Repeat("é", 40) + "”"},
		{"👍", strings.Repeat("é", 41), "Liked “" + strings.Repeat("é", 40) + "…”"},
		// Cut to keep the reaction one SMS of 70 UTF-16 units: 7 + 2×31 + 1
		// fits, 7 + 2×31 + 2 does not.
		{"👍", strings.Repeat("😀", 31), "Liked “" + strings.Repeat("😀", 31) + "”"},
		{"👍", strings.Repeat("😀", 32), "Liked “" + strings.Repeat("😀", 30) + "…”"},
		{"👍", strings.Repeat("😀", 41), "Liked “" + strings.Repeat("😀", 30) + "…”"},
		{"👨‍👩‍👧", strings.Repeat("😀", 41), "Reacted 👨‍👩‍👧 to “" + strings.Repeat("😀", 23) + "…”"},
	}
	for _, tt := range tests {
		if got := Format(tt.emoji, tt.quoted); got != tt.want {
			t.Errorf("Format(%q, %q) = %q, want %q", tt.emoji, tt.quoted, got, tt.want)
		}
	}
}

func TestReactionText(t *testing.T) {
	tests := []struct {
		r    Reaction
		want string
	}{
		{Reaction{Emoji: "❤️", Quoted: "hi", Remove: true}, "Removed a heart from “hi”"},
		{Reaction{Emoji: "❓", Quoted: "hi", Remove: true}, "Removed a question mark from “hi”"},
		// No shorter than 20 characters, whatever it costs: 72 units.
		{Reaction{Emoji: "❓", Quoted: strings.Repeat("😀", 20) + "…", Remove: true},
			"Removed a question mark from “" + strings.Repeat("😀", 20) + "…”"},
		// 70 UTF-16 units, one SMS.
		{Reaction{Emoji: "❓", Quoted: "Lorem ipsum dolor sit amet, consectetu…", Remove: true},
			"Removed a question mark from “Lorem ipsum dolor sit amet, consectetu…”"},
		{Reaction{Emoji: "🎉", Quoted: "hi", Remove: true}, "Removed 🎉 from “hi”"},
		{Reaction{Emoji: "❤️", Media: true}, "Loved an image"},
		{Reaction{Emoji: "🎉", Media: true}, "Reacted 🎉 to an image"},
		{Reaction{Emoji: "👍", Media: true, Remove: true}, "Removed a like from an image"},
	}
	for _, tt := range tests {
		if got := tt.r.Text(); got != tt.want {
			t.Errorf("%+v.Text() = %q, want %q", tt.r, got, tt.want)
		}
		if back, ok := Parse(tt.r.Text()); !ok || back != tt.r {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.r.Text(), back, ok, tt.r)
		}
	}
}

func TestReply(t *testing.T) {
	tests := []struct {
		quoted, body, want string
	}{
		{"see you at 6", "Running late, 6:15?", "> “see you at 6”\nRunning late, 6:15?"},
		{"", "hi", "hi"},
		{" \n ", "hi", "hi"},
		{"first\nsecond", "ok", "> “first second”\nok"},
		{strings.Repeat("word ", 20), "ok", "> “word word word word word word word word…”\nok"},
	}
	for _, tt := range tests {
		if got := Reply(tt.quoted, tt.body); got != tt.want {
			t.Errorf("Reply(%q, %q) = %q, want %q", tt.quoted, tt.body, got, tt.want)
		}
	}
}

func TestCorrection(t *testing.T) {
	if got, want := Correction("see you at 7"), "Correction: see you at 7"; got != want {
		t.Errorf("Correction = %q, want %q", got, want)
	}
}
