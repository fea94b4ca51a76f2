package uselite

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func testTokenizer(t testing.TB) *tokenizer {
	t.Helper()
	pieces, err := readVocabulary(filepath.Join(modelDir(t), "dist", "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	return newTokenizer(pieces)
}

// extraGolden is testdata/tfjs-extra.json, written by
// tools/tfjs-bench/golden.js from testdata/tfjs-extra-input.json.
type extraGolden struct {
	Tokens     []goldenText `json:"tokens"`
	Texts      []goldenText `json:"texts"`
	BatchTexts []string     `json:"batch_texts"`
	Batch      [][]float32  `json:"batch"`
}

func TestTokenizerMatchesReference(t *testing.T) {
	tok := testTokenizer(t)
	var extra extraGolden
	readJSON(t, filepath.Join("testdata", "tfjs-extra.json"), &extra)
	cases := slices.Concat(sharedGolden(t).Texts, extra.Tokens, extra.Texts)
	if len(cases) < 600 {
		t.Fatalf("only %d reference tokenisations", len(cases))
	}
	for _, g := range cases {
		got := tok.encode(g.Text)
		want := g.TokenIDs
		if want == nil {
			want = []int32{}
		}
		if !slices.Equal(got, want) {
			t.Errorf("encode(%q)\n got %v\nwant %v", g.Text, got, want)
		}
	}
}

// TestTokenizerQuirks pins the reference behaviours that a textbook
// SentencePiece implementation would get "right" and thereby wrong. The
// expected ids are what @energetic-ai/embeddings 0.2.0 returns for this
// vocabulary.
func TestTokenizerQuirks(t *testing.T) {
	pieces := []piece{{"\uFFFD", 0}, {"<s>", 0}, {"</s>", 0}, {"x1", 0}, {"x2", 0}, {"x3", 0},
		{"▁", -1},      // 6
		{"a", -2},      // 7
		{"b", -2},      // 8
		{"ab", -4},     // 9
		{"▁a", -10},    // 10
		{"c", -1},      // 11
		{"😀c", -0.5},   // 12
		{"dd", -1},     // 13
		{"cd", 0},      // 14
		{"<s>", -0.25}, // 15: the text of a reserved piece, matched by this id
		{"😀", -1},      // 16
		{"▁e", 0},      // 17
		{"e", -2},      // 18
	}
	tok := newTokenizer(pieces)
	tests := []struct {
		text string
		want []int32
		why  string
	}{
		{"", []int32{}, "no text, no tokens"},
		{"ab", []int32{6, 7, 8}, `"a"+"b" ties with "ab" and the later candidate wins`},
		{"a b", []int32{6, 7, 6, 8}, "a space becomes ▁"},
		{"a\tb", []int32{6, 7, 0, 8}, "a tab does not"},
		{"zzz", []int32{6, 0}, "a run of unknowns collapses"},
		{"ｚ", []int32{6, 0}, "NFKC maps fullwidth z to z"},
		{"\xffab", []int32{6, 0, 7, 8}, "invalid UTF-8 reads as U+FFFD"},
		{"dd", []int32{6, 0}, "position 2 is unreached, scores 0 and so beats the real path"},
		{"ddd", []int32{6, 0, 13}, "an unreached position inside the path"},
		{"<s>", []int32{6, 0}, "the same: no edge reaches the position after <"},
		{"e", []int32{6, 18}, `"▁e" sums to exactly 0, which counts as unset, so "e" overwrites it`},
		{"😀", []int32{16}, "the backtrack steps back by UTF-16 length: 2 for 😀, skipping ▁"},
		{"a😀", []int32{6, 16}, "…and skipping a"},
		{"😀c", []int32{12}, "…and here ▁"},
	}
	for _, tt := range tests {
		if got := tok.encode(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("encode(%q) = %v, want %v (%s)", tt.text, got, tt.want, tt.why)
		}
	}
}

// TestEncodePrefix checks that cutting long texts at word boundaries, which
// Encode does to bound the cost of long documents, never changes the ids.
func TestEncodePrefix(t *testing.T) {
	tok := testTokenizer(t)
	if !tok.cuttable {
		t.Fatal("the shipped vocabulary should allow cutting at word boundaries")
	}
	var extra extraGolden
	readJSON(t, filepath.Join("testdata", "tfjs-extra.json"), &extra)
	var all []string
	for _, g := range extra.Tokens {
		all = append(all, g.Text)
	}
	long := []string{
		strings.Join(all, " "),
		strings.Join(all, ""),
		strings.Repeat("舒适的鞋垫", 5000) + " shoes",
		strings.Repeat("word ", 3000),
		strings.Repeat("x", 10000),
	}
	for _, text := range long {
		full := tok.encode(text)
		for _, limit := range []int{1, 128, 1000} {
			for _, firstCut := range []int{1, 7, 2048} {
				want := full[:min(limit, len(full))]
				if got := tok.encodePrefix(text, limit, firstCut); !slices.Equal(got, want) {
					t.Errorf("encodePrefix(%.40q…, %d, %d) differs from the full tokenisation", text, limit, firstCut)
				}
			}
		}
	}
}

func TestCoverage(t *testing.T) {
	e := loadTestEncoder(t)
	tests := []struct {
		text     string
		min, max float64
	}{
		{"comfortable running shoes", 1, 1},
		{"", 1, 1},
		{" \t\n ", 1, 1},
		{"舒适的鞋垫", 0, 0},
		{"我喜欢iPhone手机和MacBook", 13.0 / 19, 13.0 / 19},
		{"CAFÉ naïve résumé", 0.9, 0.99},
		{"emoji 🙂", 0.8, 0.9},
	}
	for _, tt := range tests {
		if got := e.Coverage(tt.text); got < tt.min-1e-9 || got > tt.max+1e-9 {
			t.Errorf("Coverage(%q) = %.3f, want in [%.3f, %.3f]", tt.text, got, tt.min, tt.max)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	tok := testTokenizer(f)
	astral := newTokenizer([]piece{{"\uFFFD", 0}, {"<s>", 0}, {"</s>", 0}, {"x1", 0}, {"x2", 0}, {"x3", 0},
		{"▁", -1}, {"a", -2}, {"😀", -1}, {"😀a", -1}, {"a😀😀", -1}, {"𝔘", -3}, {"▁😀", -2}})
	for _, g := range sharedGolden(f).Texts {
		f.Add(g.Text)
	}
	f.Add("😀a😀😀a😀 𝔘a")
	f.Add("\xff\xfe\x00 ▁▁ \u0301\u3000")
	f.Fuzz(func(t *testing.T, text string) {
		for _, tk := range []*tokenizer{tok, astral} {
			seg := tk.segment(text)
			prevUnknown := false
			for _, id := range seg.ids {
				if id < 0 || int(id) >= len(tk.pieceUTF16) || (id > 0 && id < reservedPieces) {
					t.Fatalf("encode(%q) produced id %d", text, id)
				}
				if id == unknownID && prevUnknown {
					t.Fatalf("encode(%q) = %v has consecutive unknown ids", text, seg.ids)
				}
				prevUnknown = id == unknownID
			}
			if seg.unknownSymbols < 0 || seg.unknownSymbols > max(seg.symbols, len(seg.ids)) {
				t.Fatalf("encode(%q): %d unknown of %d symbols", text, seg.unknownSymbols, seg.symbols)
			}
			if again := tk.encode(text); !slices.Equal(again, seg.ids) {
				t.Fatalf("encode(%q) is not deterministic", text)
			}
			for _, limit := range []int{1, 3, 8} {
				want := seg.ids[:min(limit, len(seg.ids))]
				if got := tk.encodePrefix(text, limit, 2); !slices.Equal(got, want) {
					t.Fatalf("encodePrefix(%q, %d) = %v, want %v", text, limit, got, want)
				}
			}
		}
	})
}
