package segment

import (
	"strings"
	"unicode/utf8"

	"github.com/driftrec/driftrec/zh/cedict"
)

// costModel holds the terms of a word's cost, in units of one token.
type costModel struct {
	token       float64 // every token
	single      float64 // extra for a single-character word
	unknown     float64 // extra for a Han character that is no headword
	properOnly  float64 // extra when every reading is a proper noun
	variantOnly float64 // extra when every reading is a variant spelling
	boundOnly   float64 // extra when every reading is "used in ..." or a bound form
	perSense    float64 // subtracted per sense, up to maxSenses, as a stand-in for frequency
	maxSenses   int
	function    float64 // subtracted for a character with a particle, marker or classifier sense
	initial     float64 // times (share of compounds the character starts − ½)
}

// defaultCosts returns the tuned model (see docs/chinese.md).
func defaultCosts() costModel {
	return costModel{
		token:       1,
		single:      0.2,
		unknown:     2,
		properOnly:  0.6,
		variantOnly: 0.6,
		boundOnly:   0.6,
		perSense:    0.01,
		maxSenses:   10,
		function:    0.1,
		initial:     0.2,
	}
}

// wordCost returns the cost of w, atoms long, if w is a headword.
func (s *Segmenter) wordCost(w string, atoms int) (float64, bool) {
	m := &s.costs
	proper, variant, bound, found := true, true, true, false
	senses := 0
	function := false
	for e := range s.dict.Lookup(w) {
		found = true
		proper = proper && e.ProperNoun()
		variant = variant && e.OnlyVariant()
		bound = bound && onlyBound(e.Senses)
		senses += len(e.Senses)
		function = function || atoms == 1 && functionWord(e.Senses)
	}
	if !found {
		return 0, false
	}
	c := m.token
	if atoms == 1 {
		c += m.single
	}
	if proper {
		c += m.properOnly
	}
	if variant {
		c += m.variantOnly
	}
	if bound {
		c += m.boundOnly
	}
	c -= m.perSense * float64(min(senses, m.maxSenses))
	if atoms == 1 {
		if function {
			c -= m.function
		}
		if p, ok := s.position[w]; ok {
			c += m.initial * (float64(p.starts)/float64(p.starts+p.ends) - 0.5)
		}
	}
	return c, true
}

// onlyBound reports whether every sense marks the headword as existing only
// inside longer words.
func onlyBound(senses []string) bool {
	if len(senses) == 0 {
		return false
	}
	for _, s := range senses {
		if !strings.HasPrefix(s, "used in ") && !strings.HasPrefix(s, "(bound form)") {
			return false
		}
	}
	return true
}

// functionWord reports whether a character's senses include a grammatical
// use (particle, aspect marker, classifier): such characters stand alone in
// running text far more often than other single characters.
func functionWord(senses []string) bool {
	for _, s := range senses {
		if strings.Contains(s, "particle") || strings.Contains(s, "marker") || strings.HasPrefix(s, "classifier") {
			return true
		}
	}
	return false
}

// charPosition counts the multi-character headwords a character starts and
// ends.
type charPosition struct{ starts, ends uint32 }

// positions counts, for every character, how many multi-character headwords
// it starts and how many it ends. A character that mostly starts words (篮
// in 篮球, 篮子, 篮板) is a poor word on its own before another word; one
// that mostly ends them (鞋, 垫, 机) is the head noun that Chinese puts last
// and stands alone after a modifier. Only simplified headwords are counted
// from simplified entries and traditional ones from traditional entries, so
// that shared characters are not counted twice.
func positions(d *cedict.Dict) map[string]charPosition {
	pos := make(map[string]charPosition, 16384)
	count := func(w string) {
		first, n := utf8.DecodeRuneInString(w)
		last, m := utf8.DecodeLastRuneInString(w)
		if n == len(w) || first == utf8.RuneError || last == utf8.RuneError {
			return
		}
		p := pos[w[:n]]
		p.starts++
		pos[w[:n]] = p
		p = pos[w[len(w)-m:]]
		p.ends++
		pos[w[len(w)-m:]] = p
	}
	for w := range d.Words() {
		count(w)
	}
	return pos
}
