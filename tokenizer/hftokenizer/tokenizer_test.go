package hftokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goldenDir = "../../../shared/testdata/hf-golden"

type goldenFile struct {
	MaxLength int `json:"max_length"`
	Texts     []struct {
		Text          string   `json:"text"`
		InputIDs      []int    `json:"input_ids"`
		AttentionMask []int    `json:"attention_mask"`
		TokenTypeIDs  []int    `json:"token_type_ids"`
		Tokens        []string `json:"tokens"`
	} `json:"texts"`
}

// TestGoldenFolders encodes the texts of the two golden sentence-transformers
// folders with their own tokenizer.json, truncated as the reference was.
func TestGoldenFolders(t *testing.T) {
	for _, name := range []string{"bert-wordpiece", "xlmr-unigram"} {
		t.Run(name, func(t *testing.T) {
			tok, err := Load(filepath.Join(goldenDir, name, "tokenizer.json"))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(goldenDir, name, "golden.json"))
			if err != nil {
				t.Fatal(err)
			}
			var g goldenFile
			if err := json.Unmarshal(raw, &g); err != nil {
				t.Fatal(err)
			}
			tok = tok.WithTruncation(&Truncation{MaxLength: g.MaxLength})
			for i, tc := range g.Texts {
				got, err := tok.Encode(tc.Text)
				if err != nil {
					t.Fatalf("text %d: %v", i, err)
				}
				// The golden tokens are the vocabulary entries of the ids.
				var toks []string
				for _, id := range got.IDs {
					s, _ := tok.IDToToken(id)
					toks = append(toks, s)
				}
				if !sameInts(got.IDs, tc.InputIDs) || !equalStrings(toks, tc.Tokens) {
					t.Errorf("text %d %q:\n got %v %q\nwant %v %q", i, tc.Text, got.IDs, toks, tc.InputIDs, tc.Tokens)
				}
				if !sameInts(got.AttentionMask, tc.AttentionMask) {
					t.Errorf("text %d: attention mask %v, want %v", i, got.AttentionMask, tc.AttentionMask)
				}
				if tc.TokenTypeIDs != nil && !sameInts(got.TypeIDs, tc.TokenTypeIDs) {
					t.Errorf("text %d: type ids %v, want %v", i, got.TypeIDs, tc.TokenTypeIDs)
				}
			}
		})
	}
}

func TestUnsupportedComponentsNameTheirType(t *testing.T) {
	base := func(field, value string) string {
		m := map[string]string{
			"model":          `{"type":"WordLevel","vocab":{"a":0,"<unk>":1},"unk_token":"<unk>"}`,
			"normalizer":     `null`,
			"pre_tokenizer":  `null`,
			"post_processor": `null`,
		}
		m[field] = value
		return `{"version":"1.0","added_tokens":[],"model":` + m["model"] + `,"normalizer":` + m["normalizer"] +
			`,"pre_tokenizer":` + m["pre_tokenizer"] + `,"post_processor":` + m["post_processor"] + `}`
	}
	tests := []struct {
		name, field, value, want string
	}{
		{"BPE model", "model", `{"type":"BPE","vocab":{},"merges":[]}`, `unsupported model type "BPE"`},
		{"ByteLevel pre-tokenizer", "pre_tokenizer", `{"type":"ByteLevel","add_prefix_space":false}`, `unsupported pre_tokenizer type "ByteLevel"`},
		{"nested unknown normalizer", "normalizer", `{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"ByteLevel"}]}`, `unsupported normalizer type "ByteLevel"`},
		{"unknown post-processor", "post_processor", `{"type":"Fancy"}`, `unsupported post_processor type "Fancy"`},
		{"look-around regex", "pre_tokenizer", `{"type":"Split","pattern":{"Regex":"\\s+(?!\\S)"},"behavior":"Removed","invert":false}`, `look-around`},
		{"bad behavior", "pre_tokenizer", `{"type":"Split","pattern":{"String":" "},"behavior":"Sideways","invert":false}`, `unknown split behavior "Sideways"`},
		{"bad charsmap", "normalizer", `{"type":"Precompiled","precompiled_charsmap":"AAAA"}`, `precompiled_charsmap`},
		{"missing type", "normalizer", `{"lowercase":true}`, `no "type" field`},
		{"unk id out of range", "model", `{"type":"Unigram","unk_id":5,"vocab":[["a",0.0]]}`, `unk_id 5`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(base(tc.field, tc.value)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestNoUnknownTokenIsAnError(t *testing.T) {
	tok, err := Parse([]byte(`{"model":{"type":"Unigram","vocab":[["a",-1.0]]},"pre_tokenizer":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.Encode("ab"); err == nil {
		t.Fatal("encoding an unknown character without unk_id did not fail")
	}
	got, err := tok.Encode("aa")
	if err != nil || len(got.IDs) != 2 {
		t.Fatalf("aa: %v %v", got, err)
	}
}

func TestTruncationLeavesRoomForSpecialTokens(t *testing.T) {
	tok, err := Load(filepath.Join(goldenDir, "bert-wordpiece", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("word ", 50)
	tests := []struct {
		tr   Truncation
		want int
	}{
		{Truncation{MaxLength: 10}, 10},
		{Truncation{MaxLength: 2}, 2},
		{Truncation{MaxLength: 10, Left: true}, 10},
	}
	for _, tc := range tests {
		e, err := tok.WithTruncation(&tc.tr).Encode(long)
		if err != nil {
			t.Fatal(err)
		}
		if len(e.IDs) != tc.want || e.Tokens[0] != "[CLS]" || e.Tokens[len(e.Tokens)-1] != "[SEP]" {
			t.Errorf("%+v: %d tokens %q", tc.tr, len(e.IDs), e.Tokens)
		}
	}
	if _, err := tok.WithTruncation(&Truncation{MaxLength: 1}).Encode(long); err == nil {
		t.Error("max length 1 with two special tokens did not fail")
	}
	if tok.Truncation() != nil {
		t.Error("WithTruncation changed the receiver")
	}
}

// TestConcurrentEncode shares one tokenizer between goroutines (run with
// -race): encoding must not write to shared state.
func TestConcurrentEncode(t *testing.T) {
	tok, exp := loadRef(t, "testdata/ref/spm-nfkc-bytefb")
	done := make(chan error, 4)
	for g := range 4 {
		go func() {
			for i := g; i < len(exp.Texts); i += 4 {
				got, err := tok.Encode(exp.Texts[i])
				if err != nil {
					done <- err
					return
				}
				if d := diffEncoding(got, exp.Single[i]); d != "" {
					done <- fmt.Errorf("text %d: %s", i, d)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
