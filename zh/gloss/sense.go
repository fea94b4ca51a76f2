package gloss

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/driftrec/driftrec/zh/cedict"
)

// quality ranks a cleaned sense; higher is better.
type quality int8

const (
	unusable quality = iota
	marked           // literary, dialectal, archaic, onomatopoeic, slang, long
	plain
)

// lowRegister reports whether a sense tagged so is rarely what a query
// means.
func lowRegister(tag string) bool {
	switch tag {
	case "literary", "classical", "archaic", "old", "dialect",
		"onom.", "obsolete", "Cantonese", "Taiwan", "Tw",
		"slang", "Internet", "vulgar", "derog.", "euphemism",
		"Buddhism", "math.", "chemistry", "physics", "medicine":
		return true
	}
	return false
}

// leadingTag returns the first word of a sense's opening parenthesis:
// "literary" for "(literary) trip", "Internet" for "(Internet slang) ...".
func leadingTag(s string) string {
	if !strings.HasPrefix(s, "(") {
		return ""
	}
	s = s[1:]
	if i := strings.IndexAny(s, ") "); i >= 0 {
		return s[:i]
	}
	return ""
}

// cleanSense reduces one CC-CEDICT sense to its cleaned near-synonyms, the
// first being the gloss, or reports that the sense carries no meaning of its
// own. abbrev is the simplified headword that an "abbr. for X" or "see X"
// sense points at.
func cleanSense(sense string) (alts []string, q quality, abbrev string) {
	s := strings.TrimSpace(sense)
	switch {
	case s == "", cedict.IsVariantNote(s),
		strings.HasPrefix(s, "CL:"),
		strings.HasPrefix(s, "surname "),
		strings.HasPrefix(s, "used in "),
		strings.HasPrefix(s, "classifier"),
		strings.HasPrefix(s, "(classifier"),
		strings.HasPrefix(s, "also pr. "),
		strings.HasPrefix(s, "Taiwan pr. "),
		strings.Contains(s, "radical in Chinese characters"):
		return nil, unusable, ""
	}
	if i := strings.Index(s, "abbr. for "); i >= 0 {
		// What precedes the reference is the meaning ("Peking University
		// (abbr. for 北京大學|北京大学)"); a bare reference has none.
		abbrev = refHeadword(s[i+len("abbr. for "):])
		s = s[:i]
	}
	if strings.HasPrefix(s, "see ") {
		// "see 雲南省|云南省[...]": the entry defers to another headword.
		return nil, unusable, refHeadword(s[len("see "):])
	}
	q = plain
	if lowRegister(leadingTag(s)) {
		q = marked
	}
	// Idioms read "lit. <picture>; fig. <meaning>": the meaning is wanted.
	if i := strings.Index(s, "fig. "); i >= 0 {
		s = s[i+len("fig. "):]
	} else if strings.HasPrefix(s, "lit. ") {
		s = s[len("lit. "):]
	}
	s = removeNotes(s)
	for _, alt := range strings.Split(s, ";") {
		if g := trimGloss(alt); g != "" {
			alts = append(alts, g)
		}
	}
	if len(alts) > 0 {
		if strings.Count(alts[0], " ") >= 5 && q == plain {
			q = marked // a description, not a translation
		}
		return alts, q, abbrev
	}
	if abbrev != "" {
		return nil, marked, abbrev
	}
	return nil, unusable, ""
}

// removeNotes deletes parenthesised notes, bracketed pinyin and Chinese
// characters, which mean nothing to an English encoder.
func removeNotes(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		c := s[i]
		clean = c != '(' && c != '[' && c != '|' && c < utf8.RuneSelf
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '[':
			depth++
		case (r == ')' || r == ']') && depth > 0:
			depth--
		case depth > 0:
		case r == '|' || unicode.Is(unicode.Han, r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// trimGloss keeps the part of one alternative before a comma and drops a
// leading infinitive marker or article and stray punctuation.
func trimGloss(s string) string {
	if i := strings.IndexByte(s, ','); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if strings.Contains(s, "  ") {
		s = strings.Join(strings.Fields(s), " ")
	}
	s = strings.Trim(s, " .:-'\"~…?!")
	for _, p := range []string{"to be ", "to ", "a ", "an ", "the "} {
		if len(s) > len(p) && strings.HasPrefix(s, p) {
			s = s[len(p):]
			break
		}
	}
	if s == "sth" || s == "sb" {
		return ""
	}
	return s
}

// refHeadword extracts the simplified headword from a reference such as
// "北京大學|北京大学" or "Xinjiang 新疆[Xin1 jiang1]".
func refHeadword(s string) string {
	start := strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
	if start < 0 {
		return ""
	}
	s = s[start:]
	end := strings.IndexFunc(s, func(r rune) bool {
		return r != '|' && !unicode.Is(unicode.Han, r)
	})
	if end >= 0 {
		s = s[:end]
	}
	if i := strings.IndexByte(s, '|'); i >= 0 {
		s = s[i+1:]
	}
	if !utf8.ValidString(s) {
		return ""
	}
	return s
}
