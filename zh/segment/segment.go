package segment

import (
	"math"
	"strings"

	"github.com/driftrec/driftrec/zh/cedict"
)

// Kind says what a token is.
type Kind uint8

const (
	// Word is a dictionary headword (possibly a single character).
	Word Kind = iota
	// Unknown is a Han character that is no headword on its own.
	Unknown
	// Alnum is a run of letters and digits: a Latin word, "5G", "iPhone15".
	Alnum
	// Number is a run of digits, possibly with inner "." or ",".
	Number
	// Punct is one punctuation mark or symbol.
	Punct
)

func (k Kind) String() string {
	switch k {
	case Word:
		return "word"
	case Unknown:
		return "unknown"
	case Alnum:
		return "alnum"
	case Number:
		return "number"
	case Punct:
		return "punct"
	}
	return "kind?"
}

// Token is one segment of the normalised text. Spaces are not tokens.
type Token struct {
	Text       string
	Kind       Kind
	Start, End int // byte offsets in Normalize(text)
}

// Segmenter segments text against a dictionary. It is safe for concurrent
// use.
type Segmenter struct {
	dict     *cedict.Dict
	costs    costModel
	position map[string]charPosition
}

// New returns a segmenter over d.
func New(d *cedict.Dict) *Segmenter {
	return &Segmenter{dict: d, costs: defaultCosts(), position: positions(d)}
}

// MaxInputBytes bounds the text Segment works on; longer text is cut (at a
// rune boundary) so that one request cannot hold a core for long.
const MaxInputBytes = 64 << 10

// Segment normalises text and splits it into tokens.
func (s *Segmenter) Segment(text string) []Token {
	if len(text) > MaxInputBytes {
		text = strings.ToValidUTF8(text[:MaxInputBytes], "")
	}
	text = Normalize(text)
	as := atoms(text, make([]atom, 0, len(text)/2+1))
	toks := make([]Token, 0, len(as))
	var buf dpBuffers
	for i := 0; i < len(as); {
		switch as[i].kind {
		case atomSpace:
			i++
		case atomPunct:
			toks = append(toks, Token{Text: text[as[i].start:as[i].end], Kind: Punct, Start: as[i].start, End: as[i].end})
			i++
		default:
			j := i
			for j < len(as) && (as[j].kind == atomHan || as[j].kind == atomAlnum || as[j].kind == atomNumber) {
				j++
			}
			toks = s.segmentRun(text, as[i:j], toks, &buf)
			i = j
		}
	}
	return toks
}

// dpBuffers are reused across the runs of one call.
type dpBuffers struct {
	best []float64
	from []int
}

// segmentRun finds the cheapest split of a run of Han, letter-digit and
// number atoms with no space or punctuation inside.
func (s *Segmenter) segmentRun(text string, run []atom, toks []Token, buf *dpBuffers) []Token {
	n := len(run)
	buf.best = append(buf.best[:0], make([]float64, n+1)...)
	buf.from = append(buf.from[:0], make([]int, n+1)...)
	best, from := buf.best, buf.from
	for j := 1; j <= n; j++ {
		best[j] = math.Inf(1)
	}
	maxAtoms := s.dict.MaxWordRunes()
	for i := 0; i < n; i++ {
		if math.IsInf(best[i], 1) {
			continue
		}
		// The atom alone is always a candidate.
		if c := best[i] + s.atomCost(text, run[i]); c < best[i+1] {
			best[i+1], from[i+1] = c, i
		}
		// Longer candidates are dictionary words spanning several atoms,
		// at least one of them Han: pure Latin runs are never looked up, so
		// "OK" stays the word the user typed.
		hasHan := run[i].kind == atomHan
		for j := i + 2; j <= n && j-i <= maxAtoms; j++ {
			hasHan = hasHan || run[j-1].kind == atomHan
			if !hasHan {
				continue
			}
			w := text[run[i].start:run[j-1].end]
			c, ok := s.wordCost(w, j-i)
			if !ok {
				continue
			}
			if c := best[i] + c; c < best[j] {
				best[j], from[j] = c, i
			}
		}
	}
	start := len(toks)
	for j := n; j > 0; j = from[j] {
		i := from[j]
		t := Token{Text: text[run[i].start:run[j-1].end], Start: run[i].start, End: run[j-1].end}
		switch {
		case j-i > 1 || run[i].kind == atomHan && s.dict.Has(t.Text):
			t.Kind = Word
		case run[i].kind == atomHan:
			t.Kind = Unknown
		case run[i].kind == atomNumber:
			t.Kind = Number
		default:
			t.Kind = Alnum
		}
		toks = append(toks, t)
	}
	// The back-pointers produced the run's tokens last to first.
	for a, b := start, len(toks)-1; a < b; a, b = a+1, b-1 {
		toks[a], toks[b] = toks[b], toks[a]
	}
	return toks
}

func (s *Segmenter) atomCost(text string, a atom) float64 {
	if a.kind != atomHan {
		return s.costs.token
	}
	if c, ok := s.wordCost(text[a.start:a.end], 1); ok {
		return c
	}
	return s.costs.token + s.costs.unknown
}
