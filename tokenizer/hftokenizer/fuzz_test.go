package hftokenizer

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to the tokenizer.json loader: it must
// return an error or a tokenizer that encodes without panicking.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"bert-wordpiece", "xlmr-unigram"} {
		if data, err := os.ReadFile(filepath.Join(goldenDir, name, "tokenizer.json")); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"model":{"type":"WordLevel","vocab":{"a":0},"unk_token":"a"},"normalizer":{"type":"Sequence","normalizers":[{"type":"NFKC"},{"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "}]},"pre_tokenizer":{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true},"post_processor":{"type":"BertProcessing","sep":["a",0],"cls":["a",0]},"truncation":{"max_length":4,"strategy":"LongestFirst","direction":"Left"},"padding":{"strategy":{"Fixed":6},"direction":"Right","pad_id":0,"pad_type_id":0,"pad_token":"a"}}`))
	f.Add([]byte(`{"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0.0],["▁a",-1.5],["<0x61>",-3.0]],"byte_fallback":true},"added_tokens":[{"id":1,"content":"▁a","single_word":true,"lstrip":true,"rstrip":true,"normalized":true,"special":false}]}`))
	f.Add([]byte(`{"model":{"type":"WordPiece","vocab":{"[UNK]":0,"ab":1,"##c":2},"unk_token":"[UNK]","max_input_chars_per_word":3},"normalizer":{"type":"Precompiled","precompiled_charsmap":"CAAAAAAAAAAAAAAAYQA="}}`))
	f.Add([]byte(`{"model":{"type":"WordLevel","vocab":{},"unk_token":"x"},"normalizer":{"type":"Sequence","normalizers":[{"type":"Sequence","normalizers":[]}]}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"model":{"type":"Unigram","vocab":[["a","b"]]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := Parse(data)
		if err != nil {
			return
		}
		for _, s := range []string{"", "a ab  c", "Ünïcödé 性价比 ｶﾞ \x00\t", "<s>[CLS] a▁b"} {
			if e, err := tok.Encode(s); err == nil {
				checkEncoding(t, e)
			}
			if e, err := tok.EncodePair(s, "x y"); err == nil {
				checkEncoding(t, e)
			}
		}
	})
}

// FuzzEncode feeds arbitrary text to the two golden tokenizers.
func FuzzEncode(f *testing.F) {
	var toks []*Tokenizer
	for _, name := range []string{"bert-wordpiece", "xlmr-unigram"} {
		tok, err := Load(filepath.Join(goldenDir, name, "tokenizer.json"))
		if err != nil {
			f.Fatal(err)
		}
		toks = append(toks, tok.WithTruncation(&Truncation{MaxLength: 64}))
	}
	for _, s := range []string{"", "hello [MASK] world", "性价比高的运动鞋", "e\u0301\u0301", "\xff\xfe bad utf-8", "<mask> <s>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range toks {
			e, err := tok.Encode(s)
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			checkEncoding(t, e)
			if len(e.IDs) > 64 {
				t.Fatalf("%q: %d tokens past the max length", s, len(e.IDs))
			}
			for i, id := range e.IDs {
				if id < 0 || id >= tok.VocabSize() {
					t.Fatalf("%q: id %d outside the vocabulary", s, id)
				}
				if !utf8.ValidString(e.Tokens[i]) && utf8.ValidString(s) {
					t.Fatalf("%q: token %q is not UTF-8", s, e.Tokens[i])
				}
			}
		}
	})
}

func checkEncoding(t *testing.T, e Encoding) {
	t.Helper()
	n := len(e.IDs)
	if len(e.Tokens) != n || len(e.TypeIDs) != n || len(e.AttentionMask) != n || len(e.SpecialTokensMask) != n {
		t.Fatalf("encoding fields of different lengths: %d ids, %d tokens, %d types, %d mask, %d special",
			n, len(e.Tokens), len(e.TypeIDs), len(e.AttentionMask), len(e.SpecialTokensMask))
	}
}
