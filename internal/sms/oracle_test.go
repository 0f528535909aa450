package sms

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/switchboard-gw/switchboard/internal/carriertest"
)

// oracleAnswer is one line of tools/sms-segments.js's output.
type oracleAnswer struct {
	Encoding   string `json:"encoding"`
	Segments   int    `json:"segments"`
	Units      int    `json:"units"`
	CPEncoding string `json:"cpEncoding"`
	CPSegments int    `json:"cpSegments"`
	Clustered  bool   `json:"clustered"`
}

// oracle counts texts with npm sms-segments-calculator, in one node process.
func oracle(t *testing.T, texts []string) []oracleAnswer {
	t.Helper()
	tools := carriertest.Tools(t)
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, s := range texts {
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("node", filepath.Join(tools, "sms-segments.js"))
	cmd.Dir = tools
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sms-segments.js: %v\n%s", err, stderr.Bytes())
	}
	var answers []oracleAnswer
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a oracleAnswer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("sms-segments.js said %q: %v", sc.Bytes(), err)
		}
		answers = append(answers, a)
	}
	if len(answers) != len(texts) {
		t.Fatalf("sms-segments.js answered %d of %d texts", len(answers), len(texts))
	}
	return answers
}

// Characters the generated texts are drawn from.
var (
	gsmBasic    = []rune("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCXYZÄÖÑÜ§¿abcxyzäöñüà")
	gsmExt      = []rune("€[]{}\\~^|\f")
	latin       = []rune("êçáíóúâõłżšğıœÿ`")
	cjk         = []rune("中文字日本語한국어")
	bmpSymbols  = []rune("❤☺✓€™…“”‘’—")
	emoji       = []string{"😀", "🎉", "👍", "😂", "🙏", "🦄", "𝄞"}
	clusters    = []string{"👨\u200d👩\u200d👧", "👍🏽", "🇫🇷", "❤️", "🏳️\u200d🌈", "e\u0301", "1️⃣"}
	targetSizes = []int{0, 1, 66, 67, 68, 69, 70, 71, 72, 133, 134, 135, 152, 153, 154, 159, 160, 161, 162, 200, 201, 202, 305, 306, 307, 308, 459, 460}
)

// genText returns a text near one of the sizes where segment counts change,
// mostly of one kind of character with a sprinkling of others.
func genText(rng *rand.Rand) string {
	size := targetSizes[rng.IntN(len(targetSizes))] + rng.IntN(5) - 2
	pick := func(kind int) string {
		switch kind {
		case 0:
			return string(gsmBasic[rng.IntN(len(gsmBasic))])
		case 1:
			return string(gsmExt[rng.IntN(len(gsmExt))])
		case 2:
			return string(latin[rng.IntN(len(latin))])
		case 3:
			return string(cjk[rng.IntN(len(cjk))])
		case 4:
			return string(bmpSymbols[rng.IntN(len(bmpSymbols))])
		case 5:
			return emoji[rng.IntN(len(emoji))]
		case 6:
			return clusters[rng.IntN(len(clusters))]
		default:
			return "\r\n"
		}
	}
	main := rng.IntN(7)
	if rng.IntN(3) == 0 {
		main = 0 // GSM-only texts are most texts
	}
	// How often a character of another kind slips in: never, now and then,
	// or often.
	other := []int{0, 40, 5}[rng.IntN(3)]
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < size {
		kind := main
		if other > 0 && rng.IntN(other) == 0 {
			kind = rng.IntN(8)
			if main == 0 && rng.IntN(2) == 0 {
				kind = 1 // GSM with extension characters stays GSM
			}
		}
		b.WriteString(pick(kind))
	}
	return b.String()
}

// TestCountMatchesOracle compares Count with npm sms-segments-calculator on
// the facts known of it and on a few thousand generated texts.
//
// The calculator keeps grapheme clusters whole within one segment; GSM 03.40
// does not, and neither does this package (see the package doc). The oracle
// script therefore also counts with the calculator's grapheme splitter
// swapped for a code-point splitter: Count must match that count always, and
// the calculator's own count whenever the text has no multi-code-point
// cluster. Where it has one, the calculator may only need more segments.
func TestCountMatchesOracle(t *testing.T) {
	known := []struct {
		text     string
		encoding string
		segments int
	}{
		{"", "GSM-7", 1},
		{strings.Repeat("a", 160), "GSM-7", 1},
		{strings.Repeat("a", 161), "GSM-7", 2},
		{strings.Repeat("€", 80), "GSM-7", 1},
		{strings.Repeat("ê", 70), "UCS-2", 1},
		{strings.Repeat("ê", 71), "UCS-2", 2},
		{strings.Repeat("a", 69) + "😀", "UCS-2", 2},
	}
	texts := make([]string, 0, 3000+len(known))
	for _, k := range known {
		texts = append(texts, k.text)
	}
	rng := rand.New(rand.NewPCG(9, 38))
	for range 3000 {
		texts = append(texts, genText(rng))
	}

	answers := oracle(t, texts)
	for i, k := range known {
		if a := answers[i]; a.Encoding != k.encoding || a.Segments != k.segments {
			t.Errorf("the oracle no longer says %s in %d segments for %q: %+v", k.encoding, k.segments, k.text, a)
		}
	}
	clusteredMore := 0
	for i, text := range texts {
		got, a := Count(text), answers[i]
		name := strconv.Quote(text)
		if got.Encoding.String() != a.CPEncoding || got.Segments != a.CPSegments {
			t.Errorf("%s: Count %v in %d segments, oracle by code point %s in %d", name, got.Encoding, got.Segments, a.CPEncoding, a.CPSegments)
		}
		if got.Encoding.String() != a.Encoding {
			t.Errorf("%s: Count %v, oracle %s", name, got.Encoding, a.Encoding)
		}
		if got.Units != a.Units {
			t.Errorf("%s: Count %d units, oracle %d", name, got.Units, a.Units)
		}
		switch {
		case !a.Clustered && got.Segments != a.Segments:
			t.Errorf("%s: Count %d segments, oracle %d", name, got.Segments, a.Segments)
		case a.Clustered && a.Segments < got.Segments:
			t.Errorf("%s: Count %d segments, oracle keeping clusters whole only %d", name, got.Segments, a.Segments)
		case a.Segments != got.Segments:
			clusteredMore++
		}
	}
	t.Logf("%d texts; on %d the oracle keeps a grapheme cluster whole and needs one segment more", len(texts), clusteredMore)
}

// TestGSMTableMatchesOracle compares EncodeGSM7 with the calculator's
// Unicode -> GSM-7 table, character by character, over the whole BMP.
func TestGSMTableMatchesOracle(t *testing.T) {
	tools := carriertest.Tools(t)
	out, err := exec.Command("node", filepath.Join(tools, "sms-segments.js"), "--table").Output()
	if err != nil {
		t.Fatalf("sms-segments.js --table: %v", err)
	}
	var table map[string][]byte
	if err := json.Unmarshal(out, &table); err != nil {
		t.Fatal(err)
	}
	want := map[rune][]byte{}
	for k, v := range table {
		r, err := strconv.Atoi(k)
		if err != nil {
			t.Fatal(err)
		}
		want[rune(r)] = v
	}
	if len(want) < 130 {
		t.Fatalf("the oracle's table has only %d characters", len(want))
	}
	for r := rune(0); r < 0x10000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // not a character in a Go string
		}
		got, ok := EncodeGSM7(string(r))
		w, inTable := want[r]
		if ok != inTable || !bytes.Equal(got, w) {
			t.Errorf("EncodeGSM7(%q) = % x, %v; oracle % x, %v", r, got, ok, w, inTable)
		}
	}
}
