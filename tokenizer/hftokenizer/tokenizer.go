package hftokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
)

// maxNesting bounds nested Sequence components, so that a hostile file
// cannot recurse without end.
const maxNesting = 32

// MaxFileSize bounds the tokenizer.json files Load reads; the largest real
// ones (multilingual vocabularies) are tens of megabytes.
const MaxFileSize = 512 << 20

// Encoding is the result of encoding one text (or pair of texts).
type Encoding struct {
	IDs               []int
	TypeIDs           []int
	Tokens            []string
	AttentionMask     []int
	SpecialTokensMask []int
}

// Len is the number of tokens, padding included.
func (e *Encoding) Len() int { return len(e.IDs) }

func (e *Encoding) appendToken(id int, tok string, typeID, special int) {
	e.IDs = append(e.IDs, id)
	e.Tokens = append(e.Tokens, tok)
	e.TypeIDs = append(e.TypeIDs, typeID)
	e.AttentionMask = append(e.AttentionMask, 1)
	e.SpecialTokensMask = append(e.SpecialTokensMask, special)
}

// truncate keeps n tokens, dropping from the end (or the start with left).
func (e *Encoding) truncate(n int, left bool) {
	if n >= len(e.IDs) {
		return
	}
	lo, hi := 0, n
	if left {
		lo, hi = len(e.IDs)-n, len(e.IDs)
	}
	e.IDs = e.IDs[lo:hi]
	e.Tokens = e.Tokens[lo:hi]
	e.TypeIDs = e.TypeIDs[lo:hi]
	e.AttentionMask = e.AttentionMask[lo:hi]
	e.SpecialTokensMask = e.SpecialTokensMask[lo:hi]
}

// Truncation limits the length of encodings. MaxLength counts the special
// tokens the post-processor adds.
type Truncation struct {
	MaxLength int
	// Strategy is "longest_first" (default), "only_first" or "only_second".
	Strategy string
	// Left drops tokens from the start instead of the end.
	Left bool
}

// Padding pads encodings, singly or in batches.
type Padding struct {
	// Length pads to a fixed length; 0 pads a batch to its longest member.
	Length int
	// MultipleOf rounds the padded length up to a multiple, when positive.
	MultipleOf int
	Left       bool
	ID         int
	TypeID     int
	Token      string
}

// Tokenizer is a parsed tokenizer.json. It is safe for concurrent use.
type Tokenizer struct {
	normalizer   normalizer
	preTokenizer preTokenizer
	model        model
	post         postProcessor
	rawAdded     *addedMatcher // matched before normalization
	normAdded    *addedMatcher // matched in normalized text
	addedByID    map[int]string
	truncation   *Truncation
	padding      *Padding
}

// Load reads a tokenizer.json file.
func Load(path string) (*Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("hftokenizer: %w", err)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("hftokenizer: %s is %d bytes, more than the %d allowed", path, st.Size(), MaxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hftokenizer: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse reads the contents of a tokenizer.json file. Components the package
// does not implement are reported by type name.
func Parse(data []byte) (*Tokenizer, error) {
	var f struct {
		AddedTokens   json.RawMessage `json:"added_tokens"`
		Normalizer    json.RawMessage `json:"normalizer"`
		PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
		Model         json.RawMessage `json:"model"`
		PostProcessor json.RawMessage `json:"post_processor"`
		Truncation    json.RawMessage `json:"truncation"`
		Padding       json.RawMessage `json:"padding"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("hftokenizer: not a tokenizer.json: %w", err)
	}
	t := &Tokenizer{}
	var err error
	if t.model, err = parseModel(f.Model); err != nil {
		return nil, fmt.Errorf("hftokenizer: %w", err)
	}
	if t.normalizer, err = parseNormalizer(f.Normalizer, 0); err != nil {
		return nil, fmt.Errorf("hftokenizer: %w", err)
	}
	if t.preTokenizer, err = parsePreTokenizer(f.PreTokenizer, 0); err != nil {
		return nil, fmt.Errorf("hftokenizer: %w", err)
	}
	if t.post, err = parsePostProcessor(f.PostProcessor, 0); err != nil {
		return nil, fmt.Errorf("hftokenizer: %w", err)
	}
	added, err := parseAddedTokens(f.AddedTokens)
	if err != nil {
		return nil, fmt.Errorf("hftokenizer: %w", err)
	}
	if err := t.setAdded(added); err != nil {
		return nil, fmt.Errorf("hftokenizer: %w", err)
	}
	if t.truncation, err = parseTruncation(f.Truncation); err != nil {
		return nil, fmt.Errorf("hftokenizer: %w", err)
	}
	if t.padding, err = parsePadding(f.Padding); err != nil {
		return nil, fmt.Errorf("hftokenizer: %w", err)
	}
	return t, nil
}

func (t *Tokenizer) setAdded(added []addedToken) error {
	t.rawAdded, t.normAdded = newAddedMatcher(), newAddedMatcher()
	t.addedByID = map[int]string{}
	// Special tokens are matched before others with the same text.
	for _, pass := range []bool{true, false} {
		for _, tok := range added {
			if tok.Special != pass {
				continue
			}
			t.addedByID[tok.ID] = tok.Content
			if !tok.Normalized {
				t.rawAdded.add([]rune(tok.Content), tok)
				continue
			}
			n := newNormStr(tok.Content, 0)
			if t.normalizer != nil {
				if err := t.normalizer.normalize(&n); err != nil {
					return fmt.Errorf("normalizing added token %q: %w", tok.Content, err)
				}
			}
			t.normAdded.add(n.runes, tok)
		}
	}
	return nil
}

// VocabSize is the size of the model's vocabulary plus the added tokens that
// lie beyond it: the number of rows an embedding table needs.
func (t *Tokenizer) VocabSize() int {
	n := t.model.vocabSize()
	for id := range t.addedByID {
		if id >= n {
			n = id + 1
		}
	}
	return n
}

// TokenToID returns the id of a token of the vocabulary or an added token.
func (t *Tokenizer) TokenToID(s string) (int, bool) {
	for id, c := range t.addedByID {
		if c == s {
			return id, true
		}
	}
	return t.model.tokenToID(s)
}

// IDToToken returns the token text of an id (an added token or a vocabulary
// entry), as Python's convert_ids_to_tokens does.
func (t *Tokenizer) IDToToken(id int) (string, bool) {
	if s, ok := t.addedByID[id]; ok {
		return s, true
	}
	return t.model.idToToken(id)
}

// Truncation returns the truncation in force, nil for none.
func (t *Tokenizer) Truncation() *Truncation { return t.truncation }

// Padding returns the padding in force, nil for none.
func (t *Tokenizer) Padding() *Padding { return t.padding }

// WithTruncation returns a copy of t that truncates as tr says (nil: not at
// all). The receiver is unchanged, so a shared tokenizer stays safe.
func (t *Tokenizer) WithTruncation(tr *Truncation) *Tokenizer {
	c := *t
	if tr != nil {
		cp := *tr
		c.truncation = &cp
	} else {
		c.truncation = nil
	}
	return &c
}

// WithPadding returns a copy of t that pads as p says (nil: not at all).
func (t *Tokenizer) WithPadding(p *Padding) *Tokenizer {
	c := *t
	if p != nil {
		cp := *p
		c.padding = &cp
	} else {
		c.padding = nil
	}
	return &c
}

// Encode encodes one text with the special tokens of the post-processor,
// truncated and padded as configured.
func (t *Tokenizer) Encode(text string) (Encoding, error) {
	return t.encode(text, nil)
}

// EncodePair encodes two texts as one sequence (a cross-encoder's input).
func (t *Tokenizer) EncodePair(a, b string) (Encoding, error) {
	return t.encode(a, &b)
}

// EncodeBatch encodes texts; padding without a fixed length pads all of them
// to the longest.
func (t *Tokenizer) EncodeBatch(texts []string) ([]Encoding, error) {
	out := make([]Encoding, len(texts))
	noPad := t.WithPadding(nil)
	for i, s := range texts {
		e, err := noPad.encode(s, nil)
		if err != nil {
			return nil, fmt.Errorf("text %d: %w", i, err)
		}
		out[i] = e
	}
	if t.padding != nil {
		target := t.padding.Length
		if target == 0 {
			for _, e := range out {
				target = max(target, len(e.IDs))
			}
		}
		for i := range out {
			t.pad(&out[i], target)
		}
	}
	return out, nil
}

func (t *Tokenizer) encode(a string, b *string) (Encoding, error) {
	ea, err := t.encodeSequence(a)
	if err != nil {
		return Encoding{}, err
	}
	var eb *Encoding
	if b != nil {
		e, err := t.encodeSequence(*b)
		if err != nil {
			return Encoding{}, err
		}
		eb = &e
		for i := range eb.TypeIDs {
			eb.TypeIDs[i] = 1
		}
	}
	if t.truncation != nil {
		if err := t.truncate(&ea, eb); err != nil {
			return Encoding{}, err
		}
	}
	var out Encoding
	switch {
	case t.post != nil:
		if eb != nil {
			if tp, ok := t.post.(*templateProcessor); ok && tp.pair == nil {
				return Encoding{}, errors.New("hftokenizer: the post-processor has no template for pairs")
			}
		}
		out = t.post.process(&ea, eb)
	default:
		out = ea
		if eb != nil {
			for i := range eb.IDs {
				out.appendToken(eb.IDs[i], eb.Tokens[i], eb.TypeIDs[i], eb.SpecialTokensMask[i])
			}
		}
	}
	if t.padding != nil {
		t.pad(&out, t.padding.Length)
	}
	return out, nil
}

// encodeSequence runs one text through added-token matching, normalization,
// pre-tokenization and the model.
func (t *Tokenizer) encodeSequence(text string) (Encoding, error) {
	var enc Encoding
	var toks []token
	for _, p := range t.rawAdded.split(newNormStr(text, 0)) {
		if p.addedID >= 0 {
			enc.appendToken(p.addedID, p.addedToken, 0, 0)
			continue
		}
		n := p.n
		if t.normalizer != nil {
			if err := t.normalizer.normalize(&n); err != nil {
				return Encoding{}, err
			}
		}
		pieces := t.normAdded.split(n)
		if t.preTokenizer != nil {
			pieces = t.preTokenizer.preTokenize(pieces)
		}
		for _, q := range pieces {
			if q.addedID >= 0 {
				enc.appendToken(q.addedID, q.addedToken, 0, 0)
				continue
			}
			if len(q.n.runes) == 0 {
				continue
			}
			var err error
			toks, err = t.model.tokenize(toks[:0], string(q.n.runes))
			if err != nil {
				return Encoding{}, fmt.Errorf("hftokenizer: %w", err)
			}
			for _, tk := range toks {
				enc.appendToken(tk.id, tk.value, 0, 0)
			}
		}
	}
	return enc, nil
}

func (t *Tokenizer) truncate(a, b *Encoding) error {
	tr := t.truncation
	maxLen := tr.MaxLength
	if t.post != nil {
		maxLen -= t.post.addedTokens(b != nil)
		if maxLen < 0 {
			return fmt.Errorf("hftokenizer: max length %d leaves no room for the %d special tokens", tr.MaxLength, t.post.addedTokens(b != nil))
		}
	}
	if maxLen == 0 {
		a.truncate(0, tr.Left)
		if b != nil {
			b.truncate(0, tr.Left)
		}
		return nil
	}
	total := len(a.IDs)
	if b != nil {
		total += len(b.IDs)
	}
	if total <= maxLen {
		return nil
	}
	toRemove := total - maxLen
	switch tr.Strategy {
	case "", "longest_first", "LongestFirst":
		if b == nil {
			a.truncate(maxLen, tr.Left)
			return nil
		}
		n1, n2 := len(a.IDs), len(b.IDs)
		swap := n1 > n2
		if swap {
			n1, n2 = n2, n1
		}
		if n1 > maxLen {
			n2 = n1
		} else {
			n2 = max(n1, maxLen-n1)
		}
		if n1+n2 > maxLen {
			n1 = maxLen / 2
			n2 = n1 + maxLen%2
		}
		if swap {
			n1, n2 = n2, n1
		}
		a.truncate(n1, tr.Left)
		b.truncate(n2, tr.Left)
	case "only_first", "OnlyFirst", "only_second", "OnlySecond":
		target := a
		if tr.Strategy == "only_second" || tr.Strategy == "OnlySecond" {
			if b == nil {
				return errors.New("hftokenizer: truncation only_second without a second sequence")
			}
			target = b
		}
		if len(target.IDs) <= toRemove {
			return fmt.Errorf("hftokenizer: sequence of %d tokens too short to remove %d", len(target.IDs), toRemove)
		}
		target.truncate(len(target.IDs)-toRemove, tr.Left)
	default:
		return fmt.Errorf("hftokenizer: unknown truncation strategy %q", tr.Strategy)
	}
	return nil
}

func (t *Tokenizer) pad(e *Encoding, target int) {
	p := t.padding
	if target == 0 {
		target = len(e.IDs)
	}
	if p.MultipleOf > 0 && target%p.MultipleOf != 0 {
		target += p.MultipleOf - target%p.MultipleOf
	}
	n := target - len(e.IDs)
	if n <= 0 {
		return
	}
	ids, types, toks, att, spec := make([]int, n), make([]int, n), make([]string, n), make([]int, n), make([]int, n)
	for i := range ids {
		ids[i], types[i], toks[i], att[i], spec[i] = p.ID, p.TypeID, p.Token, 0, 1
	}
	if p.Left {
		e.IDs = append(ids, e.IDs...)
		e.TypeIDs = append(types, e.TypeIDs...)
		e.Tokens = append(toks, e.Tokens...)
		e.AttentionMask = append(att, e.AttentionMask...)
		e.SpecialTokensMask = append(spec, e.SpecialTokensMask...)
		return
	}
	e.IDs = append(e.IDs, ids...)
	e.TypeIDs = append(e.TypeIDs, types...)
	e.Tokens = append(e.Tokens, toks...)
	e.AttentionMask = append(e.AttentionMask, att...)
	e.SpecialTokensMask = append(e.SpecialTokensMask, spec...)
}

func parseTruncation(raw json.RawMessage) (*Truncation, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c struct {
		MaxLength int    `json:"max_length"`
		Strategy  string `json:"strategy"`
		Direction string `json:"direction"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("truncation: %w", err)
	}
	if c.MaxLength < 0 {
		return nil, fmt.Errorf("truncation: max_length %d", c.MaxLength)
	}
	switch c.Strategy {
	case "", "LongestFirst", "OnlyFirst", "OnlySecond", "longest_first", "only_first", "only_second":
	default:
		return nil, fmt.Errorf("truncation: unknown strategy %q", c.Strategy)
	}
	return &Truncation{MaxLength: c.MaxLength, Strategy: c.Strategy, Left: c.Direction == "Left" || c.Direction == "left"}, nil
}

func parsePadding(raw json.RawMessage) (*Padding, error) {
	if isNull(raw) {
		return nil, nil
	}
	var c struct {
		Strategy      json.RawMessage `json:"strategy"`
		Direction     string          `json:"direction"`
		PadToMultiple *int            `json:"pad_to_multiple_of"`
		PadID         int             `json:"pad_id"`
		PadTypeID     int             `json:"pad_type_id"`
		PadToken      string          `json:"pad_token"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("padding: %w", err)
	}
	p := &Padding{ID: c.PadID, TypeID: c.PadTypeID, Token: c.PadToken, Left: c.Direction == "Left" || c.Direction == "left"}
	if c.PadToMultiple != nil {
		p.MultipleOf = *c.PadToMultiple
	}
	var fixed struct {
		Fixed *int `json:"Fixed"`
	}
	var name string
	switch {
	case json.Unmarshal(c.Strategy, &name) == nil && name == "BatchLongest":
	case json.Unmarshal(c.Strategy, &fixed) == nil && fixed.Fixed != nil:
		p.Length = *fixed.Fixed
	default:
		return nil, fmt.Errorf("padding: unknown strategy %s", truncateForError(c.Strategy))
	}
	// A fixed length or multiple beyond any real sequence is a corrupt file,
	// and would make every encoding allocate it.
	if p.Length < 0 || p.Length > math.MaxInt32/4 || p.MultipleOf < 0 || p.MultipleOf > 1<<16 {
		return nil, fmt.Errorf("padding: length %d, multiple of %d", p.Length, p.MultipleOf)
	}
	return p, nil
}

// componentType reads the "type" field of a component.
func componentType(raw json.RawMessage) (string, error) {
	var c struct {
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return "", err
	}
	if c.Type == nil {
		return "", errors.New(`no "type" field`)
	}
	return *c.Type, nil
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}
