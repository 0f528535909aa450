package tapback

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		text string
		want Reaction
	}{
		// iPhone tapbacks, curly quotes as iOS writes them in English.
		{"Liked “see you at 6”", Reaction{Emoji: "👍", Quoted: "see you at 6"}},
		{"Loved “see you at 6”", Reaction{Emoji: "❤️", Quoted: "see you at 6"}},
		{"Disliked “Do you agree?”", Reaction{Emoji: "👎", Quoted: "Do you agree?"}},
		{"Laughed at “lol that's hilarious”", Reaction{Emoji: "😂", Quoted: "lol that's hilarious"}},
		{"Emphasized “I will get it done.”", Reaction{Emoji: "‼️", Quoted: "I will get it done."}},
		{"Emphasised “I will get it done.”", Reaction{Emoji: "‼️", Quoted: "I will get it done."}},
		{"Questioned “what time?”", Reaction{Emoji: "❓", Quoted: "what time?"}},
		{"Loved “Yes! 10am at the park 🙏”", Reaction{Emoji: "❤️", Quoted: "Yes! 10am at the park 🙏"}},
		{"Liked “Lorem ipsum dolor sit amet, consectetur adipiscing…”", Reaction{Emoji: "👍", Quoted: "Lorem ipsum dolor sit amet, consectetur adipiscing…"}},
		{"Liked “line one\nline two”", Reaction{Emoji: "👍", Quoted: "line one\nline two"}},
		{"Liked “he said “hi” to me”", Reaction{Emoji: "👍", Quoted: "he said “hi” to me"}},
		{"Loved “”", Reaction{Emoji: "❤️", Quoted: ""}},
		// Straight and mismatched quotation marks, stray white space, case.
		{`Liked "see you at 6"`, Reaction{Emoji: "👍", Quoted: "see you at 6"}},
		{"Liked ”see you at 6”", Reaction{Emoji: "👍", Quoted: "see you at 6"}},
		{`Laughed at “ok"`, Reaction{Emoji: "😂", Quoted: "ok"}},
		{"  Loved “hi”\n", Reaction{Emoji: "❤️", Quoted: "hi"}},
		{"liked “hi”", Reaction{Emoji: "👍", Quoted: "hi"}},
		{"LAUGHED AT “hi”", Reaction{Emoji: "😂", Quoted: "hi"}},
		// Attachments.
		{"Loved an image", Reaction{Emoji: "❤️", Media: true}},
		{"Liked a photo", Reaction{Emoji: "👍", Media: true}},
		{"Laughed at a movie", Reaction{Emoji: "😂", Media: true}},
		{"Emphasized an audio message", Reaction{Emoji: "‼️", Media: true}},
		{"Questioned an attachment", Reaction{Emoji: "❓", Media: true}},
		{"Liked a GIF", Reaction{Emoji: "👍", Media: true}},
		// Removals.
		{"Removed a heart from “see you at 6”", Reaction{Emoji: "❤️", Quoted: "see you at 6", Remove: true}},
		{"Removed a like from “see you at 6”", Reaction{Emoji: "👍", Quoted: "see you at 6", Remove: true}},
		{"Removed a dislike from “x”", Reaction{Emoji: "👎", Quoted: "x", Remove: true}},
		{"Removed a laugh from “x”", Reaction{Emoji: "😂", Quoted: "x", Remove: true}},
		{"Removed an exclamation from “x”", Reaction{Emoji: "‼️", Quoted: "x", Remove: true}},
		{"Removed a question mark from “x”", Reaction{Emoji: "❓", Quoted: "x", Remove: true}},
		{"Removed a heart from an image", Reaction{Emoji: "❤️", Media: true, Remove: true}},
		// Any emoji: iOS 18 and Google Messages.
		{"Reacted 😂 to “Bring the frisbee”", Reaction{Emoji: "😂", Quoted: "Bring the frisbee"}},
		{"Reacted 🎉 to “we won”", Reaction{Emoji: "🎉", Quoted: "we won"}},
		{"Reacted 😍 to “see you at 6”", Reaction{Emoji: "😍", Quoted: "see you at 6"}},
		{"Reacted 👍🏽 to “ok”", Reaction{Emoji: "👍🏽", Quoted: "ok"}},
		{"Reacted 👨‍👩‍👧 to “family dinner”", Reaction{Emoji: "👨‍👩‍👧", Quoted: "family dinner"}},
		{"Reacted 🇫🇷 to “Paris?”", Reaction{Emoji: "🇫🇷", Quoted: "Paris?"}},
		{"Reacted 1️⃣ to “pick one”", Reaction{Emoji: "1️⃣", Quoted: "pick one"}},
		{"Reacted ☕ to “coffee?”", Reaction{Emoji: "☕", Quoted: "coffee?"}},
		{"Reacted with 🤞 to “I hope you win the race”", Reaction{Emoji: "🤞", Quoted: "I hope you win the race"}},
		{"Reacted 👍 to an image", Reaction{Emoji: "👍", Media: true}},
		{"Reacted ❤ to “hi”", Reaction{Emoji: "❤️", Quoted: "hi"}}, // one spelling of the heart
		{"Removed 😂 from “Bring the frisbee”", Reaction{Emoji: "😂", Quoted: "Bring the frisbee", Remove: true}},
		{"Removed 🎉 from a photo", Reaction{Emoji: "🎉", Media: true, Remove: true}},
		{"🤔 to “are you sure”", Reaction{Emoji: "🤔", Quoted: "are you sure"}},
		{"👍 to “see you at 6”", Reaction{Emoji: "👍", Quoted: "see you at 6"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, ok := Parse(tt.text)
			if !ok || got != tt.want {
				t.Errorf("Parse = %+v, %v; want %+v", got, ok, tt.want)
			}
		})
	}
}

// TestParseOrdinaryTexts: texts that start like a reaction are messages.
func TestParseOrdinaryTexts(t *testing.T) {
	for _, text := range []string{
		"",
		"Liked",
		"Liked it",
		"Loved the show last night",
		"Liked “Dune” a lot",
		"Loved “Dune” and the sequel",
		"Loved “Dune",
		"Loved Dune”",
		"Liked 'see you at 6'",
		"Liked “",
		"Laughed at you “lol”",
		"Laughed “lol”",
		"Emphasized it",
		"Questioned the referee",
		"Liked an image of you",
		"Loved an imagery",
		"Liked images",
		"Removed",
		"Removed a heart",
		"Removed a heart from the cake",
		"Removed a tooth from “my mouth”",
		"Removed the sticker from “the laptop”",
		"Reacted",
		"Reacted badly to “the news”",
		"Reacted to “the news”",
		"Reacted 😂 “the news”",
		"Reacted 😂 to the news",
		"Reacted :) to “the news”",
		"Reacted 1 to “the news”",
		"Reacted 👍 to",
		"me to “the store”",
		":) to “x”",
		"1 to “x”",
		"2️⃣3 to “x”",
		"😂 to me",
		"😂😂😂",
		"see you at 6",
		"Disliked “x” “y” z",
		"Liked\n“see you at 6”",
	} {
		if r, ok := Parse(text); ok {
			t.Errorf("Parse(%q) = %+v, want no reaction", text, r)
		}
	}
}

func TestIsEmoji(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"👍", true}, {"❤️", true}, {"❤", true}, {"‼️", true}, {"⁉", true}, {"☕", true},
		{"👨‍👩‍👧", true}, {"🏳️‍🌈", true}, {"🇫🇷", true}, {"#️⃣", true}, {"1⃣", true}, {"©️", true},
		{"", false}, {"a", false}, {"1", false}, {"12⃣", false}, {"⃣", false}, {":)", false},
		{"👍a", false}, {"👍 👍", false}, {"“👍”", false}, {"\u200d", false},
		{string(make([]byte, 100)), false},
	} {
		if got := isEmoji(tt.s); got != tt.want {
			t.Errorf("isEmoji(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
