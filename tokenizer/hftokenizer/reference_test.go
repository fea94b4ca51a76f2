package hftokenizer

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The files under testdata/ref were produced by the Python tokenizers 0.23.2
// (encoder/hf/testdata/make_reference.py; its README says how): each folder holds a
// tokenizer.json built to exercise some components and the reference's
// encodings of 240 texts (hand-picked edge cases and seeded random Unicode),
// of pairs of them and of a padded batch.

type refEncoding struct {
	IDs               []int    `json:"ids"`
	Tokens            []string `json:"tokens"`
	TypeIDs           []int    `json:"type_ids"`
	AttentionMask     []int    `json:"attention_mask"`
	SpecialTokensMask []int    `json:"special_tokens_mask"`
	Error             string   `json:"error"`
}

type refExpect struct {
	Texts  []string        `json:"texts"`
	Single []refEncoding   `json:"single"`
	Pairs  [][2]string     `json:"pairs"`
	Pair   []refEncoding   `json:"pair"`
	Batch  json.RawMessage `json:"batch"`
}

func readGzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func loadRef(t testing.TB, dir string) (*Tokenizer, refExpect) {
	t.Helper()
	tok, err := Parse(readGzip(t, filepath.Join(dir, "tokenizer.json.gz")))
	if err != nil {
		t.Fatal(err)
	}
	var exp refExpect
	if err := json.Unmarshal(readGzip(t, filepath.Join(dir, "expect.json.gz")), &exp); err != nil {
		t.Fatal(err)
	}
	return tok, exp
}

func sameInts(a, b []int) bool { return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b)) }

func diffEncoding(got Encoding, want refEncoding) string {
	switch {
	case !sameInts(got.IDs, want.IDs):
		return fmt.Sprintf("ids\n got %v %q\nwant %v %q", got.IDs, got.Tokens, want.IDs, want.Tokens)
	case len(got.Tokens) != len(want.Tokens) || (len(got.Tokens) > 0 && !reflect.DeepEqual(got.Tokens, want.Tokens)):
		return fmt.Sprintf("tokens\n got %q\nwant %q", got.Tokens, want.Tokens)
	case !sameInts(got.TypeIDs, want.TypeIDs):
		return fmt.Sprintf("type ids\n got %v\nwant %v", got.TypeIDs, want.TypeIDs)
	case !sameInts(got.AttentionMask, want.AttentionMask):
		return fmt.Sprintf("attention mask\n got %v\nwant %v", got.AttentionMask, want.AttentionMask)
	case !sameInts(got.SpecialTokensMask, want.SpecialTokensMask):
		return fmt.Sprintf("special tokens mask\n got %v\nwant %v", got.SpecialTokensMask, want.SpecialTokensMask)
	}
	return ""
}

func TestReferenceEncodings(t *testing.T) {
	dirs, err := filepath.Glob("testdata/ref/*")
	if err != nil || len(dirs) < 10 {
		t.Fatalf("reference folders: %v %v", dirs, err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			tok, exp := loadRef(t, dir)
			bad := 0
			for i, text := range exp.Texts {
				got, err := tok.Encode(text)
				want := exp.Single[i]
				if want.Error != "" {
					if err == nil {
						t.Errorf("text %d %q: no error, reference failed with %q", i, text, want.Error)
					}
					continue
				}
				if err != nil {
					t.Errorf("text %d %q: %v", i, text, err)
					continue
				}
				if d := diffEncoding(got, want); d != "" {
					bad++
					if bad <= 8 {
						t.Errorf("text %d %q: %s", i, text, d)
					}
				}
			}
			for i, p := range exp.Pairs {
				got, err := tok.EncodePair(p[0], p[1])
				want := exp.Pair[i]
				if want.Error != "" {
					if err == nil {
						t.Errorf("pair %d: no error, reference failed with %q", i, want.Error)
					}
					continue
				}
				if err != nil {
					t.Errorf("pair %d %q: %v", i, p, err)
					continue
				}
				if d := diffEncoding(got, want); d != "" {
					bad++
					if bad <= 8 {
						t.Errorf("pair %d %q: %s", i, p, d)
					}
				}
			}
			var batch []refEncoding
			if err := json.Unmarshal(exp.Batch, &batch); err == nil {
				got, err := tok.EncodeBatch(exp.Texts[:len(batch)])
				if err != nil {
					t.Fatal(err)
				}
				for i := range batch {
					if d := diffEncoding(got[i], batch[i]); d != "" {
						t.Errorf("batch %d: %s", i, d)
						break
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d encodings differ", bad, len(exp.Texts)+len(exp.Pairs))
			}
		})
	}
}

// TestPrecompiledCharsmap checks the SentencePiece normalizer alone on every
// code point and on the test texts.
func TestPrecompiledCharsmap(t *testing.T) {
	for _, name := range []string{"spm-nfkc-bytefb", "spm-nfkc-cf"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata/ref", name)
			var f struct {
				Normalizer struct {
					Normalizers []json.RawMessage `json:"normalizers"`
				} `json:"normalizer"`
			}
			if err := json.Unmarshal(readGzip(t, filepath.Join(dir, "tokenizer.json.gz")), &f); err != nil {
				t.Fatal(err)
			}
			var pc normalizer
			for _, raw := range f.Normalizer.Normalizers {
				if typ, _ := componentType(raw); typ == "Precompiled" {
					var err error
					if pc, err = parseNormalizer(raw, 0); err != nil {
						t.Fatal(err)
					}
				}
			}
			if pc == nil {
				t.Fatal("no Precompiled normalizer in the file")
			}
			norm := func(s string) string {
				n := newNormStr(s, 0)
				if err := pc.normalize(&n); err != nil {
					t.Fatal(err)
				}
				return n.String()
			}
			var single map[string]string
			if err := json.Unmarshal(readGzip(t, filepath.Join(dir, "precompiled_single.json.gz")), &single); err != nil {
				t.Fatal(err)
			}
			var u unicodeDump
			if err := json.Unmarshal(readGzip(t, "testdata/unicode.json.gz"), &u); err != nil {
				t.Fatal(err)
			}
			bad := 0
			for _, r := range u.scannedRunes() {
				want, ok := single[fmt.Sprint(int(r))]
				if !ok {
					want = string(r)
				}
				if got := norm(string(r)); got != want {
					bad++
					if bad < 10 {
						t.Errorf("U+%04X: got %q, want %q", r, got, want)
					}
				}
			}
			var texts []string
			if err := json.Unmarshal(readGzip(t, filepath.Join(dir, "precompiled_texts.json.gz")), &texts); err != nil {
				t.Fatal(err)
			}
			_, exp := loadRef(t, dir)
			for i, want := range texts {
				if got := norm(exp.Texts[i]); got != want {
					bad++
					if bad < 10 {
						t.Errorf("text %q: got %q, want %q", exp.Texts[i], got, want)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d differences", bad)
			}
			if !strings.Contains(norm("ｶﾞ"), "\u3099") {
				t.Errorf("the 6-byte grapheme ｶﾞ should go character by character, got %q", norm("ｶﾞ"))
			}
		})
	}
}
