package hftokenizer

import (
	"encoding/json"
	"testing"
)

// unicodeDump is testdata/unicode.json.gz: the reference's behaviour on
// every code point of planes 0-3 and 14 plus samples of the rest.
type unicodeDump struct {
	Scanned             [][2]rune `json:"scanned"`
	CleanRemoved        [][2]rune `json:"clean_removed"`
	CleanSpace          [][2]rune `json:"clean_space"`
	BertPunct           [][2]rune `json:"bert_punct"`
	BertSpace           [][2]rune `json:"bert_space"`
	Punct               [][2]rune `json:"punct"`
	StripAccentsRemoved [][2]rune `json:"strip_accents_removed"`
	Digits              [][2]rune `json:"digits"`
	WsWord              [][2]rune `json:"ws_word"`
	WsSpace             [][2]rune `json:"ws_space"`
	WsSplitSpace        [][2]rune `json:"wssplit_space"`
	Lowercase           [][2]any  `json:"lowercase"`
	NFD                 [][2]any  `json:"nfd"`
	NFKD                [][2]any  `json:"nfkd"`
	NFC                 [][2]any  `json:"nfc"`
	NFKC                [][2]any  `json:"nfkc"`
	Nmt                 [][2]any  `json:"nmt"`
}

func (u *unicodeDump) scannedRunes() []rune {
	var out []rune
	for _, r := range u.Scanned {
		for c := r[0]; c <= r[1]; c++ {
			out = append(out, c)
		}
	}
	return out
}

func asMap(l [][2]any) map[rune]string {
	m := make(map[rune]string, len(l))
	for _, e := range l {
		m[rune(e[0].(float64))] = e[1].(string)
	}
	return m
}

// normalizeOne runs a normalizer on a string.
func normalizeOne(t *testing.T, n normalizer, s string) string {
	t.Helper()
	ns := newNormStr(s, 0)
	if err := n.normalize(&ns); err != nil {
		t.Fatal(err)
	}
	return ns.String()
}

// pretokenizeOne returns the pieces a pre-tokenizer makes of s.
func pretokenizeOne(p preTokenizer, s string) []string {
	var out []string
	for _, q := range p.preTokenize([]piece{{n: newNormStr(s, 0), addedID: -1}}) {
		out = append(out, q.n.String())
	}
	return out
}

func TestUnicodeTablesMatchReference(t *testing.T) {
	var u unicodeDump
	if err := json.Unmarshal(readGzip(t, "testdata/unicode.json.gz"), &u); err != nil {
		t.Fatal(err)
	}
	runes := u.scannedRunes()
	if len(runes) < 200000 {
		t.Fatalf("only %d code points in the dump", len(runes))
	}
	set := func(rs [][2]rune) runeRanges { return runeRanges(rs) }
	bert, _ := parseNormalizer(json.RawMessage(`{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":false,"strip_accents":false,"lowercase":false}`), 0)
	bertPre, _ := parsePreTokenizer(json.RawMessage(`{"type":"BertPreTokenizer"}`), 0)
	ws, _ := parsePreTokenizer(json.RawMessage(`{"type":"Whitespace"}`), 0)
	digits, _ := parsePreTokenizer(json.RawMessage(`{"type":"Digits","individual_digits":true}`), 0)
	punct, _ := parsePreTokenizer(json.RawMessage(`{"type":"Punctuation"}`), 0)
	wsSplit, _ := parsePreTokenizer(json.RawMessage(`{"type":"WhitespaceSplit"}`), 0)
	forms := []struct {
		name string
		n    normalizer
		want map[rune]string
	}{
		{"Lowercase", lowercaseNormalizer{}, asMap(u.Lowercase)},
		{"NFD", unicodeNormalizer{formNFD}, asMap(u.NFD)},
		{"NFKD", unicodeNormalizer{formNFKD}, asMap(u.NFKD)},
		{"NFC", unicodeNormalizer{formNFC}, asMap(u.NFC)},
		{"NFKC", unicodeNormalizer{formNFKC}, asMap(u.NFKC)},
		{"Nmt", nmtNormalizer{}, asMap(u.Nmt)},
	}
	bad := 0
	fail := func(format string, args ...any) {
		bad++
		if bad <= 20 {
			t.Errorf(format, args...)
		}
	}
	for _, r := range runes {
		s := string(r)
		// clean_text
		want := s
		switch {
		case set(u.CleanRemoved).contains(r):
			want = ""
		case set(u.CleanSpace).contains(r):
			want = " "
		}
		if got := normalizeOne(t, bert, s); got != want {
			fail("clean_text U+%04X: got %q, want %q", r, got, want)
		}
		// BertPreTokenizer on "a" + r + "b"
		in := "a" + s + "b"
		wantParts := []string{in}
		switch {
		case set(u.BertPunct).contains(r):
			wantParts = []string{"a", s, "b"}
		case set(u.BertSpace).contains(r):
			wantParts = []string{"a", "b"}
		}
		if got := pretokenizeOne(bertPre, in); !equalStrings(got, wantParts) {
			fail("BertPreTokenizer U+%04X: got %q, want %q", r, got, wantParts)
		}
		in = "a" + s + "a"
		wantParts = []string{"a", s, "a"}
		switch {
		case set(u.WsWord).contains(r):
			wantParts = []string{in}
		case set(u.WsSpace).contains(r):
			wantParts = []string{"a", "a"}
		}
		if got := pretokenizeOne(ws, in); !equalStrings(got, wantParts) {
			fail("Whitespace U+%04X: got %q, want %q", r, got, wantParts)
		}
		if got := len(pretokenizeOne(digits, in)) == 3; got != set(u.Digits).contains(r) {
			fail("Digits U+%04X: split %v", r, got)
		}
		if got := len(pretokenizeOne(punct, in)) == 3; got != set(u.Punct).contains(r) {
			fail("Punctuation U+%04X: split %v", r, got)
		}
		if got := equalStrings(pretokenizeOne(wsSplit, in), []string{"a", "a"}); got != set(u.WsSplitSpace).contains(r) {
			fail("WhitespaceSplit U+%04X: split %v", r, got)
		}
		if got := normalizeOne(t, stripAccentsNormalizer{}, s) == ""; got != set(u.StripAccentsRemoved).contains(r) {
			fail("StripAccents U+%04X: removed %v", r, got)
		}
		for _, f := range forms {
			want, ok := f.want[r]
			if !ok {
				want = s
			}
			if got := normalizeOne(t, f.n, s); got != want {
				fail("%s U+%04X: got %q, want %q", f.name, r, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d differences from the reference", bad)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
