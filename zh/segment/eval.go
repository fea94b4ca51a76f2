package segment

import "strings"

// Score compares a segmentation with a reference one, both given as the
// words of the same text in order (spaces and punctuation left out).
type Score struct {
	Correct   int // words of got whose span is also a word of want
	Crossing  int // words of got that cut through a word of want
	Got, Want int
	Exact     bool // the two segmentations are identical
}

// Compare scores got against want by character spans, the usual measure for
// word segmentation: a word counts as correct when both its start and end
// match a reference word.
func Compare(got, want []string) Score {
	type span struct{ a, b int }
	spans := func(words []string) map[span]bool {
		m := make(map[span]bool, len(words))
		pos := 0
		for _, w := range words {
			m[span{pos, pos + len(w)}] = true
			pos += len(w)
		}
		return m
	}
	ws := spans(want)
	sc := Score{Got: len(got), Want: len(want), Exact: strings.Join(got, " ") == strings.Join(want, " ")}
	// A word that is neither a run of whole reference words nor inside one
	// reference word brackets the text incompatibly; a word that only
	// differs in granularity (咖啡杯 against 咖啡 杯) does not.
	bounds := map[int]bool{0: true}
	pos := 0
	for _, w := range want {
		pos += len(w)
		bounds[pos] = true
	}
	inside := func(a, b int) bool {
		for s := range ws {
			if s.a <= a && b <= s.b {
				return true
			}
		}
		return false
	}
	for s := range spans(got) {
		if ws[s] {
			sc.Correct++
		} else if !(bounds[s.a] && bounds[s.b]) && !inside(s.a, s.b) {
			sc.Crossing++
		}
	}
	return sc
}

// Add accumulates another score, for corpus-level precision and recall.
func (s Score) Add(o Score) Score {
	return Score{Correct: s.Correct + o.Correct, Crossing: s.Crossing + o.Crossing, Got: s.Got + o.Got, Want: s.Want + o.Want, Exact: s.Exact && o.Exact}
}

// Precision is the share of produced words that are right.
func (s Score) Precision() float64 { return ratio(s.Correct, s.Got) }

// Recall is the share of reference words that were produced.
func (s Score) Recall() float64 { return ratio(s.Correct, s.Want) }

// F1 is the harmonic mean of precision and recall.
func (s Score) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// CrossingRate is the share of produced words that cut through a reference
// word: errors that no choice of segmentation standard excuses.
func (s Score) CrossingRate() float64 { return ratio(s.Crossing, s.Got) }
