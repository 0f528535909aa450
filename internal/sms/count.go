package sms

// Encoding is how a text's characters become the bytes of an SMS.
type Encoding int

const (
	// GSM7 is the GSM 03.38 default alphabet with its extension table.
	GSM7 Encoding = iota
	// UCS2 is UTF-16 (carriers say UCS-2; surrogate pairs pass through).
	UCS2
)

// String returns the name carriers use: "GSM-7" or "UCS-2".
func (e Encoding) String() string {
	switch e {
	case GSM7:
		return "GSM-7"
	case UCS2:
		return "UCS-2"
	}
	return "Encoding(?)"
}

// Units a segment holds: a single SMS, and each part of a concatenated one
// (the user data header takes 6 of the 140 octets).
const (
	GSM7Single = 160
	GSM7Part   = 153
	UCS2Single = 70
	UCS2Part   = 67
)

// Single returns the units one unconcatenated SMS holds in e.
func (e Encoding) Single() int {
	if e == UCS2 {
		return UCS2Single
	}
	return GSM7Single
}

// Part returns the units each part of a concatenated SMS holds in e.
func (e Encoding) Part() int {
	if e == UCS2 {
		return UCS2Part
	}
	return GSM7Part
}

// Info is what Count found.
type Info struct {
	Encoding Encoding
	// Units is the text's length in septets (GSM-7) or UTF-16 code units
	// (UCS-2).
	Units int
	// Segments is the number of SMS the text is sent as; at least 1.
	Segments int
	// PerSegment is what each segment holds: 160 or 70 for a single SMS,
	// 153 or 67 for each part of a concatenated one.
	PerSegment int
	// Remaining is how many more units fit in the last segment before the
	// text needs another one (in this encoding; one non-GSM character
	// added to a GSM-7 text changes everything).
	Remaining int
}

// Count returns how text is sent. It does not allocate.
func Count(text string) Info {
	enc, units := measure(text)
	if units <= enc.Single() {
		return Info{Encoding: enc, Units: units, Segments: 1, PerSegment: enc.Single(), Remaining: enc.Single() - units}
	}
	per := enc.Part()
	segments, used := 1, 0
	for _, r := range text {
		w := width(r, enc)
		if used+w > per {
			segments++
			used = 0
		}
		used += w
	}
	return Info{Encoding: enc, Units: units, Segments: segments, PerSegment: per, Remaining: per - used}
}

// Part is one segment of a text as Split cut it.
type Part struct {
	// Text is the segment's slice of the original text.
	Text string
	// Units is its length in septets or UTF-16 code units.
	Units int
}

// Split cuts text into the segments Count counts, in order, in the encoding
// it returns: len(parts) == Count(text).Segments and the parts' texts
// concatenate to text. No GSM-7 part holds more than 153 septets nor cuts an
// escape sequence; no UCS-2 part holds more than 67 units nor cuts a
// surrogate pair. A text that fits one SMS is one part (up to 160 septets or
// 70 units), the empty text included.
func Split(text string) (Encoding, []Part) {
	info := Count(text)
	enc := info.Encoding
	if info.Segments == 1 {
		return enc, []Part{{Text: text, Units: info.Units}}
	}
	parts := make([]Part, 0, info.Segments)
	start, used := 0, 0
	for i, r := range text {
		w := width(r, enc)
		if used+w > info.PerSegment {
			parts = append(parts, Part{Text: text[start:i], Units: used})
			start, used = i, 0
		}
		used += w
	}
	return enc, append(parts, Part{Text: text[start:], Units: used})
}

// measure returns text's encoding, GSM7 when every character has a GSM-7
// code, and its length in that encoding's units, in one pass.
func measure(text string) (Encoding, int) {
	septets, units, gsm := 0, 0, true
	for _, r := range text {
		units += width(r, UCS2)
		if !gsm {
			continue
		}
		if _, ext, ok := septet(r); !ok {
			gsm = false
		} else if ext {
			septets += 2
		} else {
			septets++
		}
	}
	if gsm {
		return GSM7, septets
	}
	return UCS2, units
}

// width returns the units r takes in enc: 1, or 2 for a GSM-7 extension
// character or a UTF-16 surrogate pair. In GSM7, r must be GSM-7.
func width(r rune, enc Encoding) int {
	if enc == UCS2 {
		if r >= 0x10000 {
			return 2
		}
		return 1
	}
	if _, ext, _ := septet(r); ext {
		return 2
	}
	return 1
}
