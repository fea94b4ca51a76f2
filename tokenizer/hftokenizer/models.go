package hftokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// token is one output of a model: an id and the vocabulary string.
type token struct {
	id    int
	value string
}

// model turns one pre-tokenized word into tokens.
type model interface {
	tokenize(dst []token, word string) ([]token, error)
	// tokenToID looks a vocabulary entry up.
	tokenToID(s string) (int, bool)
	// idToToken is the vocabulary entry of an id.
	idToToken(id int) (string, bool)
	// vocabSize is the number of entries, added tokens excluded.
	vocabSize() int
}

// errNoUnknown is returned when a word cannot be tokenized and the model has
// no unknown token to fall back on.
var errNoUnknown = errors.New("the text needs an unknown token and the model has none")

func parseModel(raw json.RawMessage) (model, error) {
	if isNull(raw) {
		return nil, errors.New("model: missing")
	}
	typ, err := componentType(raw)
	if err != nil {
		// Old files name no type; the fields tell the model apart.
		var probe map[string]json.RawMessage
		if json.Unmarshal(raw, &probe) != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		switch {
		case probe["continuing_subword_prefix"] != nil && probe["merges"] == nil:
			typ = "WordPiece"
		case probe["unk_id"] != nil:
			typ = "Unigram"
		default:
			return nil, fmt.Errorf("model: %w", err)
		}
	}
	switch typ {
	case "WordPiece":
		return parseWordPiece(raw)
	case "Unigram":
		return parseUnigram(raw)
	case "WordLevel":
		return parseWordLevel(raw)
	}
	return nil, fmt.Errorf("unsupported model type %q", typ)
}

// wordPiece is BERT's greedy longest-match-first subword model.
type wordPiece struct {
	vocab       map[string]int
	byID        map[int]string
	size        int
	unk         string
	prefix      string
	maxChars    int
	maxTokenLen int // longest vocabulary entry, in characters, prefix excluded
}

func parseWordPiece(raw json.RawMessage) (*wordPiece, error) {
	c := struct {
		Vocab    map[string]int `json:"vocab"`
		Unk      *string        `json:"unk_token"`
		Prefix   *string        `json:"continuing_subword_prefix"`
		MaxChars *int           `json:"max_input_chars_per_word"`
	}{}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("model WordPiece: %w", err)
	}
	w := &wordPiece{vocab: c.Vocab, unk: "[UNK]", prefix: "##", maxChars: 100}
	if c.Unk != nil {
		w.unk = *c.Unk
	}
	if c.Prefix != nil {
		w.prefix = *c.Prefix
	}
	if c.MaxChars != nil {
		w.maxChars = *c.MaxChars
	}
	if err := checkVocab(w.vocab); err != nil {
		return nil, fmt.Errorf("model WordPiece: %w", err)
	}
	w.size = len(w.vocab)
	w.byID = invertVocab(w.vocab)
	for s := range w.vocab {
		n := utf8.RuneCountInString(strings.TrimPrefix(s, w.prefix))
		if n > w.maxTokenLen {
			w.maxTokenLen = n
		}
	}
	return w, nil
}

// invertVocab maps ids back to entries; with duplicate ids the smallest
// entry wins, so the result does not depend on map order.
func invertVocab(v map[string]int) map[int]string {
	out := make(map[int]string, len(v))
	for s, id := range v {
		if prev, ok := out[id]; !ok || s < prev {
			out[id] = s
		}
	}
	return out
}

func (w *wordPiece) idToToken(id int) (string, bool) {
	s, ok := w.byID[id]
	return s, ok
}

// checkVocab rejects ids that cannot index an embedding table.
func checkVocab(v map[string]int) error {
	for s, id := range v {
		if id < 0 || id > math.MaxInt32 {
			return fmt.Errorf("token %q has id %d", s, id)
		}
	}
	return nil
}

func (w *wordPiece) vocabSize() int { return w.size }

func (w *wordPiece) tokenToID(s string) (int, bool) {
	id, ok := w.vocab[s]
	return id, ok
}

func (w *wordPiece) unknown(dst []token) ([]token, error) {
	id, ok := w.vocab[w.unk]
	if !ok {
		return dst, fmt.Errorf("WordPiece: unknown token %q is not in the vocabulary: %w", w.unk, errNoUnknown)
	}
	return append(dst, token{id, w.unk}), nil
}

func (w *wordPiece) tokenize(dst []token, word string) ([]token, error) {
	rs := []rune(word)
	if len(rs) > w.maxChars {
		return w.unknown(dst)
	}
	base := len(dst)
	var sb strings.Builder
	for start := 0; start < len(rs); {
		end := len(rs)
		// No entry is longer than maxTokenLen, so longer candidates would
		// miss anyway; starting shorter gives the same longest match.
		if end-start > w.maxTokenLen {
			end = start + w.maxTokenLen
		}
		found := false
		for ; end > start; end-- {
			sb.Reset()
			if start > 0 {
				sb.WriteString(w.prefix)
			}
			sb.WriteString(string(rs[start:end]))
			if id, ok := w.vocab[sb.String()]; ok {
				dst = append(dst, token{id, sb.String()})
				found = true
				break
			}
		}
		if !found {
			return w.unknown(dst[:base])
		}
		start = end
	}
	return dst, nil
}

// wordLevel maps whole words to ids.
type wordLevel struct {
	vocab map[string]int
	byID  map[int]string
	unk   string
}

func parseWordLevel(raw json.RawMessage) (*wordLevel, error) {
	c := struct {
		Vocab map[string]int `json:"vocab"`
		Unk   *string        `json:"unk_token"`
	}{}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("model WordLevel: %w", err)
	}
	if err := checkVocab(c.Vocab); err != nil {
		return nil, fmt.Errorf("model WordLevel: %w", err)
	}
	w := &wordLevel{vocab: c.Vocab, byID: invertVocab(c.Vocab), unk: "<unk>"}
	if c.Unk != nil {
		w.unk = *c.Unk
	}
	return w, nil
}

func (w *wordLevel) vocabSize() int { return len(w.vocab) }

func (w *wordLevel) tokenToID(s string) (int, bool) {
	id, ok := w.vocab[s]
	return id, ok
}

func (w *wordLevel) idToToken(id int) (string, bool) {
	s, ok := w.byID[id]
	return s, ok
}

func (w *wordLevel) tokenize(dst []token, word string) ([]token, error) {
	if id, ok := w.vocab[word]; ok {
		return append(dst, token{id, word}), nil
	}
	id, ok := w.vocab[w.unk]
	if !ok {
		return dst, fmt.Errorf("WordLevel: unknown token %q is not in the vocabulary: %w", w.unk, errNoUnknown)
	}
	return append(dst, token{id, w.unk}), nil
}
