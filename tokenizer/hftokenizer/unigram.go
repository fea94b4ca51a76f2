package hftokenizer

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"unicode/utf8"
)

// unigram is SentencePiece's unigram model: the segmentation of a word with
// the highest total piece score (Viterbi), with consecutive unknown
// characters fused into one unknown token and, optionally, unknown text
// spelled as <0xXX> byte tokens.
type unigram struct {
	pieces       []string
	scores       []float64
	ids          map[string]int
	trie         byteTrie
	unkID        int // -1: none
	minScore     float64
	byteFallback bool
}

// unknownPenalty is how much worse than the worst piece an unknown
// character scores, as in SentencePiece.
const unknownPenalty = 10.0

func parseUnigram(raw json.RawMessage) (*unigram, error) {
	var c struct {
		Vocab        [][2]json.RawMessage `json:"vocab"`
		UnkID        *int                 `json:"unk_id"`
		ByteFallback bool                 `json:"byte_fallback"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("model Unigram: %w", err)
	}
	u := &unigram{ids: make(map[string]int, len(c.Vocab)), unkID: -1, minScore: math.Inf(1), byteFallback: c.ByteFallback}
	if len(c.Vocab) > math.MaxInt32 {
		return nil, fmt.Errorf("model Unigram: %d pieces", len(c.Vocab))
	}
	for i, e := range c.Vocab {
		var s string
		var score float64
		if err := json.Unmarshal(e[0], &s); err != nil {
			return nil, fmt.Errorf("model Unigram: piece %d: %w", i, err)
		}
		if err := json.Unmarshal(e[1], &score); err != nil {
			return nil, fmt.Errorf("model Unigram: score of piece %d: %w", i, err)
		}
		u.pieces = append(u.pieces, s)
		u.scores = append(u.scores, score)
		// Later duplicates win the id, as a map insert would.
		u.ids[s] = i
		if score < u.minScore {
			u.minScore = score
		}
	}
	if c.UnkID != nil {
		if len(u.pieces) == 0 {
			return nil, fmt.Errorf("model Unigram: empty vocabulary with an unk_id")
		}
		if *c.UnkID < 0 || *c.UnkID >= len(u.pieces) {
			return nil, fmt.Errorf("model Unigram: unk_id %d outside the %d pieces", *c.UnkID, len(u.pieces))
		}
		u.unkID = *c.UnkID
	}
	u.trie = buildByteTrie(u.ids)
	return u, nil
}

func (u *unigram) vocabSize() int { return len(u.pieces) }

func (u *unigram) tokenToID(s string) (int, bool) {
	id, ok := u.ids[s]
	return id, ok
}

func (u *unigram) idToToken(id int) (string, bool) {
	if id < 0 || id >= len(u.pieces) {
		return "", false
	}
	return u.pieces[id], true
}

type bestPath struct {
	id      int
	score   float64
	start   int
	reached bool
}

func (u *unigram) tokenize(dst []token, word string) ([]token, error) {
	if word == "" {
		return dst, nil
	}
	unkScore := u.minScore - unknownPenalty
	best := make([]bestPath, len(word)+1)
	for start := 0; start < len(word); {
		here := best[start].score
		_, mblen := utf8.DecodeRuneInString(word[start:])
		single := false
		u.trie.prefixes(word[start:], func(n, id int) {
			end := start + n
			cand := u.scores[id] + here
			if t := &best[end]; !t.reached || cand > t.score {
				*t = bestPath{id: id, score: cand, start: start, reached: true}
			}
			if n == mblen {
				single = true
			}
		})
		if !single {
			if u.unkID < 0 {
				return dst, fmt.Errorf("Unigram: %w", errNoUnknown)
			}
			cand := unkScore + here
			if t := &best[start+mblen]; !t.reached || cand > t.score {
				*t = bestPath{id: u.unkID, score: cand, start: start, reached: true}
			}
		}
		start += mblen
	}
	// Walk back, fusing runs of unknown pieces into one string.
	var parts []string
	fused := -1 // end of the unknown run being collected
	for end := len(word); end > 0; {
		n := best[end]
		if u.unkID >= 0 && n.id == u.unkID {
			if fused < 0 {
				fused = end
			}
		} else {
			if fused >= 0 {
				parts = append(parts, word[end:fused])
				fused = -1
			}
			parts = append(parts, word[n.start:end])
		}
		end = n.start
	}
	if fused >= 0 {
		parts = append(parts, word[:fused])
	}
	for i := len(parts) - 1; i >= 0; i-- {
		s := parts[i]
		if id, ok := u.ids[s]; ok {
			dst = append(dst, token{id, s})
			continue
		}
		if u.byteFallback {
			if out, ok := u.bytePieces(dst, s); ok {
				dst = out
				continue
			}
		}
		if u.unkID < 0 {
			return dst, fmt.Errorf("Unigram: %w", errNoUnknown)
		}
		dst = append(dst, token{u.unkID, s})
	}
	return dst, nil
}

// bytePieces spells s as <0xXX> tokens, if the vocabulary has them all.
func (u *unigram) bytePieces(dst []token, s string) ([]token, bool) {
	base := len(dst)
	for i := 0; i < len(s); i++ {
		p := fmt.Sprintf("<0x%02X>", s[i])
		id, ok := u.ids[p]
		if !ok {
			return dst[:base], false
		}
		dst = append(dst, token{id, p})
	}
	return dst, true
}

// byteTrie finds the vocabulary entries that are prefixes of a string, in
// order of length. Children are sorted by byte for binary search.
type byteTrie struct {
	nodes []trieNode
}

type trieNode struct {
	id       int // -1: not the end of an entry
	children []trieEdge
}

type trieEdge struct {
	b    byte
	next int32
}

func buildByteTrie(ids map[string]int) byteTrie {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t := byteTrie{nodes: []trieNode{{id: -1}}}
	for _, k := range keys {
		n := 0
		for i := 0; i < len(k); i++ {
			c := k[i]
			ch := t.nodes[n].children
			j := sort.Search(len(ch), func(j int) bool { return ch[j].b >= c })
			if j < len(ch) && ch[j].b == c {
				n = int(ch[j].next)
				continue
			}
			t.nodes = append(t.nodes, trieNode{id: -1})
			next := len(t.nodes) - 1
			ch = append(ch, trieEdge{})
			copy(ch[j+1:], ch[j:])
			ch[j] = trieEdge{c, int32(next)}
			t.nodes[n].children = ch
			n = next
		}
		if len(k) > 0 {
			t.nodes[n].id = ids[k]
		}
	}
	return t
}

// prefixes calls f(length, id) for each entry that is a prefix of s.
func (t *byteTrie) prefixes(s string, f func(n, id int)) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		ch := t.nodes[n].children
		lo, hi := 0, len(ch)
		for lo < hi {
			m := (lo + hi) / 2
			if ch[m].b < c {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo == len(ch) || ch[lo].b != c {
			return
		}
		n = int(ch[lo].next)
		if id := t.nodes[n].id; id >= 0 {
			f(i+1, id)
		}
	}
}
