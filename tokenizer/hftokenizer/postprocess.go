package hftokenizer

import (
	"encoding/json"
	"fmt"
)

// postProcessor adds the model's special tokens around one or two encoded
// sequences.
type postProcessor interface {
	// addedTokens is how many tokens process adds, which truncation leaves
	// room for.
	addedTokens(pair bool) int
	process(a, b *Encoding) Encoding
}

// templateItem is one element of a template: a special token or sequence
// A/B, with the type id it gets.
type templateItem struct {
	special string // special token name, or "" for a sequence
	seq     string // "A" or "B"
	typeID  int
}

type specialEntry struct {
	ids    []int
	tokens []string
}

type templateProcessor struct {
	single, pair []templateItem
	specials     map[string]specialEntry
}

func (t *templateProcessor) addedTokens(pair bool) int {
	items := t.single
	if pair {
		items = t.pair
	}
	n := 0
	for _, it := range items {
		if it.special != "" {
			n += len(t.specials[it.special].ids)
		}
	}
	return n
}

func (t *templateProcessor) process(a, b *Encoding) Encoding {
	items := t.single
	if b != nil {
		items = t.pair
	}
	var out Encoding
	for _, it := range items {
		if it.special != "" {
			sp := t.specials[it.special]
			for i, id := range sp.ids {
				out.appendToken(id, sp.tokens[i], it.typeID, 1)
			}
			continue
		}
		src := a
		if it.seq == "B" {
			src = b
		}
		if src == nil {
			continue
		}
		for i := range src.IDs {
			out.appendToken(src.IDs[i], src.Tokens[i], it.typeID, src.SpecialTokensMask[i])
		}
	}
	return out
}

func parseTemplateItems(raw json.RawMessage, specials map[string]specialEntry) ([]templateItem, error) {
	var items []map[string]struct {
		ID     string `json:"id"`
		TypeID int    `json:"type_id"`
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	var out []templateItem
	for _, it := range items {
		if len(it) != 1 {
			return nil, fmt.Errorf("template item with %d keys", len(it))
		}
		for k, v := range it {
			switch k {
			case "SpecialToken":
				if _, ok := specials[v.ID]; !ok {
					return nil, fmt.Errorf("special token %q is not in special_tokens", v.ID)
				}
				out = append(out, templateItem{special: v.ID, typeID: v.TypeID})
			case "Sequence":
				if v.ID != "A" && v.ID != "B" {
					return nil, fmt.Errorf("sequence %q, want A or B", v.ID)
				}
				out = append(out, templateItem{seq: v.ID, typeID: v.TypeID})
			default:
				return nil, fmt.Errorf("unknown template item %q", k)
			}
		}
	}
	return out, nil
}

// newPairProcessor builds the fixed templates of BertProcessing (pair type
// ids 1) and RobertaProcessing (a doubled separator, type ids 0).
func newPairProcessor(cls, sep [2]json.RawMessage, roberta bool) (*templateProcessor, error) {
	var clsTok, sepTok string
	var clsID, sepID int
	if err := json.Unmarshal(cls[0], &clsTok); err != nil {
		return nil, fmt.Errorf("cls: %w", err)
	}
	if err := json.Unmarshal(cls[1], &clsID); err != nil {
		return nil, fmt.Errorf("cls: %w", err)
	}
	if err := json.Unmarshal(sep[0], &sepTok); err != nil {
		return nil, fmt.Errorf("sep: %w", err)
	}
	if err := json.Unmarshal(sep[1], &sepID); err != nil {
		return nil, fmt.Errorf("sep: %w", err)
	}
	t := &templateProcessor{specials: map[string]specialEntry{
		clsTok: {ids: []int{clsID}, tokens: []string{clsTok}},
		sepTok: {ids: []int{sepID}, tokens: []string{sepTok}},
	}}
	t.single = []templateItem{{special: clsTok}, {seq: "A"}, {special: sepTok}}
	if roberta {
		t.pair = []templateItem{{special: clsTok}, {seq: "A"}, {special: sepTok}, {special: sepTok}, {seq: "B"}, {special: sepTok}}
	} else {
		t.pair = []templateItem{{special: clsTok}, {seq: "A"}, {special: sepTok}, {seq: "B", typeID: 1}, {special: sepTok, typeID: 1}}
	}
	return t, nil
}

func parsePostProcessor(raw json.RawMessage, depth int) (postProcessor, error) {
	if isNull(raw) {
		return nil, nil
	}
	if depth > maxNesting {
		return nil, fmt.Errorf("post_processor: nested deeper than %d", maxNesting)
	}
	typ, err := componentType(raw)
	if err != nil {
		return nil, fmt.Errorf("post_processor: %w", err)
	}
	switch typ {
	case "TemplateProcessing":
		var c struct {
			Single   json.RawMessage `json:"single"`
			Pair     json.RawMessage `json:"pair"`
			Specials map[string]struct {
				ID     string   `json:"id"`
				IDs    []int    `json:"ids"`
				Tokens []string `json:"tokens"`
			} `json:"special_tokens"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("post_processor TemplateProcessing: %w", err)
		}
		t := &templateProcessor{specials: map[string]specialEntry{}}
		for name, s := range c.Specials {
			if len(s.IDs) != len(s.Tokens) {
				return nil, fmt.Errorf("post_processor TemplateProcessing: special token %q has %d ids and %d tokens", name, len(s.IDs), len(s.Tokens))
			}
			for _, id := range s.IDs {
				if id < 0 {
					return nil, fmt.Errorf("post_processor TemplateProcessing: special token %q has id %d", name, id)
				}
			}
			t.specials[name] = specialEntry{ids: s.IDs, tokens: s.Tokens}
		}
		if t.single, err = parseTemplateItems(c.Single, t.specials); err != nil {
			return nil, fmt.Errorf("post_processor TemplateProcessing single: %w", err)
		}
		if !isNull(c.Pair) {
			if t.pair, err = parseTemplateItems(c.Pair, t.specials); err != nil {
				return nil, fmt.Errorf("post_processor TemplateProcessing pair: %w", err)
			}
		}
		return t, nil
	case "BertProcessing", "RobertaProcessing":
		var c struct {
			Sep [2]json.RawMessage `json:"sep"`
			Cls [2]json.RawMessage `json:"cls"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("post_processor %s: %w", typ, err)
		}
		t, err := newPairProcessor(c.Cls, c.Sep, typ == "RobertaProcessing")
		if err != nil {
			return nil, fmt.Errorf("post_processor %s: %w", typ, err)
		}
		return t, nil
	case "ByteLevel":
		// It only trims offsets, which this package does not report.
		return nil, nil
	case "Sequence":
		var c struct {
			Processors []json.RawMessage `json:"processors"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("post_processor Sequence: %w", err)
		}
		var found postProcessor
		for i, r := range c.Processors {
			p, err := parsePostProcessor(r, depth+1)
			if err != nil {
				return nil, fmt.Errorf("post_processor Sequence[%d]: %w", i, err)
			}
			if p == nil {
				continue
			}
			if found != nil {
				return nil, fmt.Errorf("post_processor Sequence: more than one processor that adds tokens is not supported")
			}
			found = p
		}
		return found, nil
	}
	return nil, fmt.Errorf("unsupported post_processor type %q", typ)
}
