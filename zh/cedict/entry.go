package cedict

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Entry is one line of CC-CEDICT: a headword with one reading and its senses.
// A character or word with several readings has several entries.
type Entry struct {
	Traditional string
	Simplified  string
	// Pinyin is numbered pinyin, syllables separated by spaces, for example
	// "xie2 dian4". An upper-case first letter marks a proper noun.
	Pinyin string
	// Senses are the slash-separated definitions in dictionary order; one
	// sense may list near-synonyms separated by "; ".
	Senses []string
	// VariantOf lists the headwords this entry is a variant of.
	VariantOf []Ref
	// Classifiers lists the measure words used with this noun.
	Classifiers []Ref
}

// Ref names another headword: a variant target or a classifier.
type Ref struct {
	Traditional string
	Simplified  string
	Pinyin      string // may be empty when the dictionary omits it
}

// ProperNoun reports whether the entry's reading is capitalised, which
// CC-CEDICT uses for names of people, places and organisations.
func (e *Entry) ProperNoun() bool {
	r, _ := utf8.DecodeRuneInString(e.Pinyin)
	return unicode.IsUpper(r)
}

// OnlyVariant reports whether the entry carries no meaning of its own: it
// points at another headword and every sense it has is a variant note.
func (e *Entry) OnlyVariant() bool {
	if len(e.Senses) == 0 {
		return len(e.VariantOf) > 0
	}
	for _, s := range e.Senses {
		if !IsVariantNote(s) {
			return false
		}
	}
	return true
}

// IsVariantNote reports whether a sense only says that the headword is a
// spelling of another one: "variant of 鞋[xie2]", "old variant of 為|为[wei4]",
// "erhua variant of 一點|一点[yi1 dian3]", "(literary) variant of ..."; a
// trailing parenthetical note is allowed. A sense that means something and
// mentions a variant in passing ("to obtain (old variant of 得[de2])") is not
// a variant note.
func IsVariantNote(sense string) bool {
	s := strings.TrimSpace(sense)
	if j := strings.LastIndex(s, " ("); j > 0 && strings.HasSuffix(s, ")") {
		s = s[:j]
	}
	i := strings.Index(s, "variant of ")
	if i < 0 {
		return false
	}
	prefix := s[:i]
	if strings.Count(prefix, " ") > 3 || strings.Count(prefix, "(") != strings.Count(prefix, ")") {
		return false
	}
	for _, r := range prefix {
		if !(r == ' ' || r == '(' || r == ')' || r == '-' || unicode.IsLetter(r) && r < utf8.RuneSelf) {
			return false
		}
	}
	target := s[i+len("variant of "):]
	if target == "" {
		return false
	}
	if k := strings.IndexByte(target, '['); k >= 0 {
		end := strings.IndexByte(target[k:], ']')
		return end >= 0 && k+end == len(target)-1 && !strings.ContainsRune(target[:k], ' ')
	}
	return !strings.ContainsRune(target, ' ')
}
