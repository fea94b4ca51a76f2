package uselite

import (
	"path/filepath"
	"slices"
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

func TestTokenizerMatchesReference(t *testing.T) {
	tok := testTokenizer(t)
	for _, g := range sharedGolden(t).Texts {
		got := tok.encode(g.Text)
		if !slices.Equal(got, g.TokenIDs) {
			t.Errorf("encode(%q)\n got %v\nwant %v", g.Text, got, g.TokenIDs)
		}
	}
}
