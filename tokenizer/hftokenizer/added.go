package hftokenizer

import (
	"encoding/json"
	"fmt"
)

// addedToken is an entry of the file's added_tokens: text that is cut out of
// the input whole, before (normalized false) or after (normalized true)
// normalization, and given its id directly.
type addedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// addedMatcher finds added tokens in text, leftmost first and longest at a
// position, like an Aho-Corasick automaton in leftmost-longest mode.
type addedMatcher struct {
	tokens []addedToken
	// trie over the (possibly normalized) token texts, by rune.
	nodes []map[rune]int
	ends  []int // token index ending at each node, -1 for none
}

func newAddedMatcher() *addedMatcher {
	return &addedMatcher{nodes: []map[rune]int{{}}, ends: []int{-1}}
}

func (m *addedMatcher) add(pattern []rune, tok addedToken) {
	if len(pattern) == 0 {
		return
	}
	n := 0
	for _, r := range pattern {
		next, ok := m.nodes[n][r]
		if !ok {
			m.nodes = append(m.nodes, map[rune]int{})
			m.ends = append(m.ends, -1)
			next = len(m.nodes) - 1
			m.nodes[n][r] = next
		}
		n = next
	}
	// The first token with a given text wins, as in the reference, where
	// later duplicates are not added to the automaton.
	if m.ends[n] < 0 {
		m.tokens = append(m.tokens, tok)
		m.ends[n] = len(m.tokens) - 1
	}
}

func (m *addedMatcher) empty() bool { return len(m.tokens) == 0 }

// longestAt returns the length and token of the longest match at i.
func (m *addedMatcher) longestAt(rs []rune, i int) (int, int) {
	n, bestLen, best := 0, 0, -1
	for j := i; j < len(rs); j++ {
		next, ok := m.nodes[n][rs[j]]
		if !ok {
			break
		}
		n = next
		if m.ends[n] >= 0 {
			bestLen, best = j-i+1, m.ends[n]
		}
	}
	return bestLen, best
}

// split cuts n around the added tokens it contains. Text pieces keep their
// origins; token pieces carry the matched text (with any stripped spaces).
func (m *addedMatcher) split(n normStr) []piece {
	if m.empty() {
		return []piece{{n: n, addedID: -1}}
	}
	rs := n.runes
	var out []piece
	done := 0
	for pos := 0; pos < len(rs); {
		l, ti := m.longestAt(rs, pos)
		if ti < 0 {
			pos++
			continue
		}
		tok := m.tokens[ti]
		start, stop := pos, pos+l
		pos = stop
		if tok.SingleWord {
			before := start > 0 && isSingleWordChar(rs[start-1])
			after := stop < len(rs) && isSingleWordChar(rs[stop])
			if before || after {
				continue
			}
		}
		if tok.LStrip {
			for start > done && isWhitespace(rs[start-1]) {
				start--
			}
		}
		if tok.RStrip {
			for stop < len(rs) && isWhitespace(rs[stop]) {
				stop++
			}
			pos = stop
		}
		if done < start {
			out = append(out, piece{n: n.slice(done, start), addedID: -1})
		}
		out = append(out, piece{addedID: tok.ID, addedToken: string(rs[start:stop])})
		done = stop
	}
	if done < len(rs) {
		out = append(out, piece{n: n.slice(done, len(rs)), addedID: -1})
	}
	return out
}

// isSingleWordChar is the reference's word character for single_word
// tokens: alphanumeric or underscore.
func isSingleWordChar(r rune) bool { return r == '_' || isAlphanumeric(r) }

func parseAddedTokens(raw json.RawMessage) ([]addedToken, error) {
	if isNull(raw) {
		return nil, nil
	}
	var toks []addedToken
	if err := json.Unmarshal(raw, &toks); err != nil {
		return nil, fmt.Errorf("added_tokens: %w", err)
	}
	for _, t := range toks {
		if t.ID < 0 {
			return nil, fmt.Errorf("added_tokens: %q has id %d", t.Content, t.ID)
		}
	}
	return toks, nil
}
