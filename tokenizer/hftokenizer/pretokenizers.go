package hftokenizer

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// piece is one part of the text on its way to the model: either text still
// to be split and tokenized, or an added token found in the input
// (addedID >= 0), which later steps leave alone.
type piece struct {
	n          normStr
	addedID    int
	addedToken string
}

// preTokenizer splits text pieces into the words the model sees.
type preTokenizer interface {
	preTokenize(ps []piece) []piece
}

// splitBehavior says what happens to the matched delimiters when a piece is
// split (the reference's SplitDelimiterBehavior).
type splitBehavior int

const (
	removed splitBehavior = iota
	isolated
	mergedWithPrevious
	mergedWithNext
	contiguous
)

func parseBehavior(s string) (splitBehavior, error) {
	switch s {
	case "Removed", "removed":
		return removed, nil
	case "Isolated", "isolated":
		return isolated, nil
	case "MergedWithPrevious", "merged_with_previous":
		return mergedWithPrevious, nil
	case "MergedWithNext", "merged_with_next":
		return mergedWithNext, nil
	case "Contiguous", "contiguous":
		return contiguous, nil
	}
	return 0, fmt.Errorf("unknown split behavior %q", s)
}

// splitSpans turns the spans of a pattern into the ranges to keep.
func splitSpans(ms []span, b splitBehavior) []span {
	switch b {
	case removed:
		out := ms[:0:0]
		for _, m := range ms {
			if !m.match {
				out = append(out, m)
			}
		}
		return out
	case isolated:
		return ms
	case contiguous:
		var out []span
		prevMatch := false
		for i, m := range ms {
			if i > 0 && m.match == prevMatch {
				out[len(out)-1].end = m.end
			} else {
				out = append(out, span{m.start, m.end, false})
			}
			prevMatch = m.match
		}
		return out
	case mergedWithPrevious:
		var out []span
		prevMatch := false
		for _, m := range ms {
			if m.match && !prevMatch && len(out) > 0 {
				out[len(out)-1].end = m.end
			} else {
				out = append(out, span{m.start, m.end, false})
			}
			prevMatch = m.match
		}
		return out
	case mergedWithNext:
		var rev []span
		prevMatch := false
		for i := len(ms) - 1; i >= 0; i-- {
			m := ms[i]
			if m.match && !prevMatch && len(rev) > 0 {
				rev[len(rev)-1].start = m.start
			} else {
				rev = append(rev, span{m.start, m.end, false})
			}
			prevMatch = m.match
		}
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		return rev
	}
	return ms
}

// splitPieces applies fn to every text piece and replaces it by the pieces
// fn returns, dropping empty ones as the reference does.
func splitPieces(ps []piece, fn func(n *normStr) []normStr) []piece {
	out := make([]piece, 0, len(ps))
	for _, p := range ps {
		if p.addedID >= 0 {
			out = append(out, p)
			continue
		}
		for _, n := range fn(&p.n) {
			if len(n.runes) > 0 {
				out = append(out, piece{n: n, addedID: -1})
			}
		}
	}
	return out
}

func splitBy(n *normStr, p pattern, b splitBehavior) []normStr {
	spans := splitSpans(p.findMatches(n.runes), b)
	out := make([]normStr, 0, len(spans))
	for _, s := range spans {
		if s.end > s.start {
			out = append(out, n.slice(s.start, s.end))
		}
	}
	return out
}

type patternSplit struct {
	pattern  pattern
	behavior splitBehavior
}

func (s patternSplit) preTokenize(ps []piece) []piece {
	return splitPieces(ps, func(n *normStr) []normStr { return splitBy(n, s.pattern, s.behavior) })
}

type sequencePreTokenizer []preTokenizer

func (s sequencePreTokenizer) preTokenize(ps []piece) []piece {
	for _, p := range s {
		ps = p.preTokenize(ps)
	}
	return ps
}

// whitespacePreTokenizer keeps the runs of \w+ and of [^\w\s]+.
type whitespacePreTokenizer struct{}

func (whitespacePreTokenizer) preTokenize(ps []piece) []piece {
	return splitPieces(ps, func(n *normStr) []normStr {
		var out []normStr
		start, class := 0, 0 // class: 0 space, 1 word, 2 other
		for i, r := range n.runes {
			c := 2
			switch {
			case isWordChar(r):
				c = 1
			case isWhitespace(r):
				c = 0
			}
			if c != class {
				if class != 0 && i > start {
					out = append(out, n.slice(start, i))
				}
				start, class = i, c
			}
		}
		if class != 0 && len(n.runes) > start {
			out = append(out, n.slice(start, len(n.runes)))
		}
		return out
	})
}

// metaspacePreTokenizer is SentencePiece's word marking: spaces become the
// replacement character, which then starts each word.
type metaspacePreTokenizer struct {
	replacement rune
	prepend     string // "always", "first" or "never"
	split       bool
}

func (m metaspacePreTokenizer) preTokenize(ps []piece) []piece {
	rep := string(m.replacement)
	return splitPieces(ps, func(n *normStr) []normStr {
		for i, r := range n.runes {
			if r == ' ' {
				n.runes[i] = m.replacement
			}
		}
		startsWith := len(n.runes) > 0 && n.runes[0] == m.replacement
		switch m.prepend {
		case "always":
			if !startsWith {
				n.prepend(rep)
			}
		case "first":
			if !startsWith && n.shift == 0 {
				n.prepend(rep)
			}
		}
		if !m.split {
			return []normStr{*n}
		}
		return splitBy(n, charPattern(func(r rune) bool { return r == m.replacement }), mergedWithNext)
	})
}

func parsePreTokenizer(raw json.RawMessage, depth int) (preTokenizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	if depth > maxNesting {
		return nil, fmt.Errorf("pre_tokenizer: nested deeper than %d", maxNesting)
	}
	typ, err := componentType(raw)
	if err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	switch typ {
	case "Sequence":
		var c struct {
			PreTokenizers []json.RawMessage `json:"pretokenizers"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Sequence: %w", err)
		}
		var seq sequencePreTokenizer
		for i, r := range c.PreTokenizers {
			p, err := parsePreTokenizer(r, depth+1)
			if err != nil {
				return nil, fmt.Errorf("pre_tokenizer Sequence[%d]: %w", i, err)
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	case "BertPreTokenizer":
		return sequencePreTokenizer{
			patternSplit{charPattern(isWhitespace), removed},
			patternSplit{charPattern(isBertPunctuation), isolated},
		}, nil
	case "Whitespace":
		return whitespacePreTokenizer{}, nil
	case "WhitespaceSplit":
		return patternSplit{charPattern(isWhitespace), removed}, nil
	case "Punctuation":
		var c struct {
			Behavior *string `json:"behavior"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Punctuation: %w", err)
		}
		b := isolated
		if c.Behavior != nil {
			if b, err = parseBehavior(*c.Behavior); err != nil {
				return nil, fmt.Errorf("pre_tokenizer Punctuation: %w", err)
			}
		}
		return patternSplit{charPattern(isBertPunctuation), b}, nil
	case "Digits":
		var c struct {
			Individual bool `json:"individual_digits"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Digits: %w", err)
		}
		b := contiguous
		if c.Individual {
			b = isolated
		}
		return patternSplit{charPattern(numericChar.contains), b}, nil
	case "CharDelimiterSplit":
		var c struct {
			Delimiter string `json:"delimiter"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer CharDelimiterSplit: %w", err)
		}
		d, size := utf8.DecodeRuneInString(c.Delimiter)
		if size == 0 || size != len(c.Delimiter) {
			return nil, fmt.Errorf("pre_tokenizer CharDelimiterSplit: delimiter %q is not one character", c.Delimiter)
		}
		return patternSplit{charPattern(func(r rune) bool { return r == d }), removed}, nil
	case "Split":
		var c struct {
			Pattern  json.RawMessage `json:"pattern"`
			Behavior string          `json:"behavior"`
			Invert   bool            `json:"invert"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
		}
		p, err := parsePattern(c.Pattern)
		if err != nil {
			return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
		}
		b, err := parseBehavior(c.Behavior)
		if err != nil {
			return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
		}
		if c.Invert {
			p = invertedPattern{p}
		}
		return patternSplit{p, b}, nil
	case "Metaspace":
		c := struct {
			Replacement    string  `json:"replacement"`
			PrependScheme  *string `json:"prepend_scheme"`
			AddPrefixSpace *bool   `json:"add_prefix_space"`
			Split          *bool   `json:"split"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Metaspace: %w", err)
		}
		r, size := utf8.DecodeRuneInString(c.Replacement)
		if size == 0 || size != len(c.Replacement) {
			return nil, fmt.Errorf("pre_tokenizer Metaspace: replacement %q is not one character", c.Replacement)
		}
		m := metaspacePreTokenizer{replacement: r, prepend: "always", split: orTrue(c.Split)}
		// Files from before prepend_scheme carry add_prefix_space.
		if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
			m.prepend = "never"
		}
		if c.PrependScheme != nil {
			switch *c.PrependScheme {
			case "always", "first", "never":
				m.prepend = *c.PrependScheme
			default:
				return nil, fmt.Errorf("pre_tokenizer Metaspace: unknown prepend_scheme %q", *c.PrependScheme)
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("unsupported pre_tokenizer type %q", typ)
}
