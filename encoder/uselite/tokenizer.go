package uselite

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const (
	// reservedPieces is the number of leading vocabulary entries (unknown,
	// <s>, </s>, three extra ids) that the reference tokenizer never matches.
	reservedPieces = 6
	// unknownID is the id emitted for a symbol no piece covers.
	unknownID = 0
	// wordBoundary marks the start of a word, as in SentencePiece.
	wordBoundary = '▁'
)

// tokenizer reproduces the SentencePiece-style tokenizer of
// @energetic-ai/embeddings 0.2.0 (itself a port of the TensorFlow.js
// universal-sentence-encoder tokenizer) exactly, quirks included, because the
// model was trained and the reference vectors were computed with it:
//
//   - the text is NFKC-normalised, "▁" is prefixed and every U+0020 (and only
//     U+0020) becomes "▁";
//   - a Viterbi search over the code points picks the segmentation with the
//     highest summed score; candidates ending at one position are tried in
//     increasing start order and a later one wins ties (score >= best), and a
//     best score of exactly 0 counts as "not set yet";
//   - a position where no piece starts yields a one-symbol unknown edge of
//     score 0; a position no edge reaches keeps score 0 and unknown id;
//   - the backtrack steps back by the UTF-16 length of the chosen piece's
//     text (JavaScript's String.length), not by its code-point count;
//   - runs of unknown ids collapse into one.
//
// A tokenizer is immutable after construction and safe for concurrent use.
type tokenizer struct {
	pieceUTF16 []int32 // UTF-16 length of each piece's text, by id

	// cuttable reports that a text may be tokenised in pieces cut before a
	// word boundary: no piece has "▁" anywhere but first, "▁" is itself a
	// piece, and every piece's UTF-16 length equals its code-point count.
	// Then every segmentation path passes through each "▁" position, the
	// backtrack lands on it, and the ids before it depend only on the text
	// before it. The shipped vocabulary has this property.
	cuttable bool

	// The trie of pieces: node 0 is the root; edges maps (node, symbol) to
	// the child node. A single map keyed by both keeps the trie compact and
	// makes each step one hash lookup.
	edges     map[trieEdge]int32
	nodeEnd   []bool
	nodeScore []float64
	nodeID    []int32
	nodeLen   []int32 // depth in symbols: the length of the piece ending here
}

type trieEdge struct {
	node int32
	sym  rune
}

// edge is one lattice edge: a piece starting at some position.
type edge struct {
	length int32
	id     int32
	score  float64
}

func newTokenizer(pieces []piece) *tokenizer {
	t := &tokenizer{
		pieceUTF16: make([]int32, len(pieces)),
		edges:      make(map[trieEdge]int32, len(pieces)*2),
		nodeEnd:    []bool{false},
		nodeScore:  []float64{0},
		nodeID:     []int32{0},
		nodeLen:    []int32{0},
	}
	t.cuttable = true
	for id, p := range pieces {
		t.pieceUTF16[id] = int32(utf16Len(p.text))
		if int(t.pieceUTF16[id]) != utf8.RuneCountInString(p.text) {
			t.cuttable = false
		}
		if id < reservedPieces {
			continue
		}
		if strings.ContainsRune(strings.TrimPrefix(p.text, string(wordBoundary)), wordBoundary) {
			t.cuttable = false
		}
		t.insert(p.text, p.score, int32(id))
	}
	if t.pieceUTF16[unknownID] != 1 {
		t.cuttable = false
	}
	if b, ok := t.edges[trieEdge{0, wordBoundary}]; !ok || !t.nodeEnd[b] {
		t.cuttable = false
	}
	return t
}

// insert adds a piece; a later piece with the same text replaces the earlier
// one, as in the reference trie (the shipped vocabulary has "”5" three times).
func (t *tokenizer) insert(text string, score float64, id int32) {
	node := int32(0)
	depth := int32(0)
	for _, r := range text {
		depth++
		child, ok := t.edges[trieEdge{node, r}]
		if !ok {
			child = int32(len(t.nodeEnd))
			t.nodeEnd = append(t.nodeEnd, false)
			t.nodeScore = append(t.nodeScore, 0)
			t.nodeID = append(t.nodeID, 0)
			t.nodeLen = append(t.nodeLen, depth)
			t.edges[trieEdge{node, r}] = child
		}
		node = child
	}
	if node == 0 {
		return // an empty piece can never match
	}
	t.nodeEnd[node] = true
	t.nodeScore[node] = score
	t.nodeID[node] = id
}

// segmentation is the result of tokenising one text.
type segmentation struct {
	ids []int32
	// unknownSymbols counts the symbols the chosen path covers with the
	// unknown id before runs are merged, whitespace excluded; symbols counts
	// all symbols that are neither whitespace nor the word-boundary marker.
	unknownSymbols int
	symbols        int
}

// encode returns the token ids of text.
func (t *tokenizer) encode(text string) []int32 {
	return t.segment(text).ids
}

// encodePrefix returns the first limit token ids of text (all of them if
// there are fewer). For a cuttable vocabulary it tokenises only a prefix of
// the text that ends before a word boundary and yields at least limit ids,
// starting with about firstCut symbols and doubling, so that the cost of
// encoding a long document does not grow with its length beyond the
// normalisation.
func (t *tokenizer) encodePrefix(text string, limit, firstCut int) []int32 {
	symbols := []rune(normalizeInput(text))
	if t.cuttable && limit > 0 {
		for cut := max(firstCut, 1); cut < len(symbols); cut *= 2 {
			end := slices.Index(symbols[cut:], wordBoundary)
			if end < 0 {
				break
			}
			ids := t.segmentSymbols(symbols[:cut+end]).ids
			if len(ids) >= limit {
				return ids[:limit]
			}
		}
	}
	ids := t.segmentSymbols(symbols).ids
	return ids[:min(len(ids), limit)]
}

// segment tokenises text and counts what the vocabulary failed to cover.
func (t *tokenizer) segment(text string) segmentation {
	return t.segmentSymbols([]rune(normalizeInput(text)))
}

// segmentSymbols tokenises normalised text, given as code points.
func (t *tokenizer) segmentSymbols(symbols []rune) segmentation {
	n := len(symbols)
	var seg segmentation
	if n == 0 {
		return seg
	}
	best := make([]float64, n+1)
	words := make([]int32, n+1)
	var found []edge
	for start := 0; start < n; start++ {
		found = t.prefixes(symbols[start:], found[:0])
		for _, e := range found {
			end := start + int(e.length)
			score := e.score + best[start]
			if best[end] == 0 || score >= best[end] {
				best[end] = score
				words[end] = e.id
			}
		}
	}

	// Walk back from the end; results come out last token first.
	var reversed []int32
	for pos := n; pos > 0; {
		id := words[pos]
		reversed = append(reversed, id)
		if id == unknownID && !unicode.IsSpace(symbols[pos-1]) {
			seg.unknownSymbols++
		}
		pos -= int(t.pieceUTF16[id])
	}
	ids := make([]int32, 0, len(reversed))
	previousUnknown := false
	for _, id := range reversed {
		if !(previousUnknown && id == unknownID) {
			ids = append(ids, id)
		}
		previousUnknown = id == unknownID
	}
	for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
		ids[i], ids[j] = ids[j], ids[i]
	}
	seg.ids = ids
	for _, r := range symbols {
		if r != wordBoundary && !unicode.IsSpace(r) {
			seg.symbols++
		}
	}
	return seg
}

// prefixes appends to dst every piece that is a prefix of syms, shortest
// first, or a single unknown symbol when there is none.
func (t *tokenizer) prefixes(syms []rune, dst []edge) []edge {
	node := int32(0)
	for _, r := range syms {
		child, ok := t.edges[trieEdge{node, r}]
		if !ok {
			break
		}
		node = child
		if t.nodeEnd[node] {
			dst = append(dst, edge{length: t.nodeLen[node], id: t.nodeID[node], score: t.nodeScore[node]})
		}
	}
	if len(dst) == 0 {
		dst = append(dst, edge{length: 1, id: unknownID, score: 0})
	}
	return dst
}

// normalizeInput applies the reference's preprocessing: NFKC, then "▁" in
// front and in place of every ASCII space. Invalid UTF-8 becomes U+FFFD
// first, which is what a JavaScript string decoded from those bytes holds.
func normalizeInput(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	normalized := norm.NFKC.String(text)
	if normalized == "" {
		return ""
	}
	return string(wordBoundary) + strings.ReplaceAll(normalized, " ", string(wordBoundary))
}

// utf16Len is JavaScript's String.length of s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r > 0xFFFF {
			n += 2
		} else {
			n++
		}
	}
	return n
}
