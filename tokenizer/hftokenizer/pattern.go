package hftokenizer

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// span is a run of characters [start, end) of a piece, either a match of a
// pattern or the text between matches.
type span struct {
	start, end int
	match      bool
}

// pattern finds the parts of a piece that a Replace normalizer rewrites or a
// Split pre-tokenizer cuts on. The spans cover the piece in order.
type pattern interface {
	findMatches(rs []rune) []span
}

// parsePattern reads {"String": "..."} or {"Regex": "..."}.
func parsePattern(raw json.RawMessage) (pattern, error) {
	var p struct {
		String *string `json:"String"`
		Regex  *string `json:"Regex"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	switch {
	case p.String != nil:
		return literalPattern(*p.String), nil
	case p.Regex != nil:
		return compileOnig(*p.Regex)
	}
	return nil, fmt.Errorf("pattern: want a String or a Regex, got %s", truncateForError(raw))
}

// literalPattern matches a string exactly, non-overlapping, left to right.
type literalPattern string

func (l literalPattern) findMatches(rs []rune) []span {
	needle := []rune(string(l))
	if len(needle) == 0 || len(rs) < len(needle) {
		return []span{{0, len(rs), false}}
	}
	var out []span
	prev := 0
	for i := 0; i+len(needle) <= len(rs); {
		if equalRunes(rs[i:i+len(needle)], needle) {
			if prev < i {
				out = append(out, span{prev, i, false})
			}
			out = append(out, span{i, i + len(needle), true})
			i += len(needle)
			prev = i
			continue
		}
		i++
	}
	if prev < len(rs) || len(out) == 0 {
		out = append(out, span{prev, len(rs), false})
	}
	return out
}

// regexPattern is an Oniguruma pattern from the file, rewritten for Go's RE2
// engine (see compileOnig).
type regexPattern struct {
	re *regexp.Regexp
}

func (p *regexPattern) findMatches(rs []rune) []span {
	s := string(rs)
	locs := p.re.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return []span{{0, len(rs), false}}
	}
	idx := runeIndex(s)
	var out []span
	prev := 0
	for _, l := range locs {
		a, b := idx[l[0]], idx[l[1]]
		if prev < a {
			out = append(out, span{prev, a, false})
		}
		out = append(out, span{a, b, true})
		prev = b
	}
	if prev < len(rs) {
		out = append(out, span{prev, len(rs), false})
	}
	return out
}

// runeIndex maps each byte offset of s that starts a character (and len(s))
// to the character's index.
func runeIndex(s string) []int {
	idx := make([]int, len(s)+1)
	n := 0
	for i := range s {
		idx[i] = n
		n++
	}
	idx[len(s)] = n
	return idx
}

// compileOnig rewrites the Oniguruma syntax that tokenizer files use into
// Go's RE2 syntax: Oniguruma's \w, \d and \s are Unicode-aware where RE2's
// are ASCII. Constructs RE2 lacks (look-around, atomic groups, possessive
// quantifiers, back-references) are reported, not approximated.
func compileOnig(src string) (*regexPattern, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(src); {
		c := src[i]
		if c == '\\' && i+1 < len(src) {
			e := src[i+1]
			rep, ok := onigClass(e, inClass)
			switch {
			case ok && rep == "":
				return nil, fmt.Errorf("regex %q: \\%c inside a character class is not supported", src, e)
			case ok:
				b.WriteString(rep)
				i += 2
				continue
			case e >= '1' && e <= '9' && !inClass:
				return nil, fmt.Errorf("regex %q: back-references are not supported", src)
			case e == 'h' || e == 'H' || e == 'R' || e == 'X' || e == 'K' || e == 'G' || e == 'k' || e == 'g':
				return nil, fmt.Errorf("regex %q: \\%c is not supported", src, e)
			case e == 'Z':
				b.WriteString(`(?:\n?\z)`)
				i += 2
				continue
			}
			_, size := utf8.DecodeRuneInString(src[i+1:])
			b.WriteString(src[i : i+1+size])
			i += 1 + size
			continue
		}
		switch {
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte(c)
			i++
			// A ']' right after '[' or '[^' is a literal.
			if i < len(src) && src[i] == '^' {
				b.WriteByte('^')
				i++
			}
			if i < len(src) && src[i] == ']' {
				b.WriteString(`\]`)
				i++
			}
			continue
		case c == ']' && inClass:
			inClass = false
		case c == '(' && !inClass && strings.HasPrefix(src[i:], "(?="),
			c == '(' && !inClass && strings.HasPrefix(src[i:], "(?!"),
			c == '(' && !inClass && strings.HasPrefix(src[i:], "(?<="),
			c == '(' && !inClass && strings.HasPrefix(src[i:], "(?<!"):
			return nil, fmt.Errorf("regex %q: look-around is not supported by Go's regexp", src)
		case c == '(' && !inClass && strings.HasPrefix(src[i:], "(?>"):
			return nil, fmt.Errorf("regex %q: atomic groups are not supported by Go's regexp", src)
		case (c == '+' || c == '*' || c == '?' || c == '}') && !inClass && i+1 < len(src) && src[i+1] == '+':
			return nil, fmt.Errorf("regex %q: possessive quantifiers are not supported by Go's regexp", src)
		}
		_, size := utf8.DecodeRuneInString(src[i:])
		b.WriteString(src[i : i+size])
		i += size
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", src, err)
	}
	return &regexPattern{re: re}, nil
}

// onigClass returns the RE2 spelling of Oniguruma's Unicode class escapes.
// ok is false for other escapes; an empty replacement with ok means the
// escape has no spelling inside a character class.
func onigClass(e byte, inClass bool) (string, bool) {
	const (
		word  = `\p{L}\p{M}\p{Nd}\p{Pc}`
		digit = `\p{Nd}`
		space = `\t\n\v\f\r\x{85}\p{Z}`
	)
	var set string
	neg := false
	switch e {
	case 'w':
		set = word
	case 'W':
		set, neg = word, true
	case 'd':
		set = digit
	case 'D':
		set, neg = digit, true
	case 's':
		set = space
	case 'S':
		set, neg = space, true
	default:
		return "", false
	}
	if inClass {
		if neg {
			return "", true
		}
		return set, true
	}
	if neg {
		return "[^" + set + "]", true
	}
	return "[" + set + "]", true
}

// charPattern matches single characters for which the predicate holds.
type charPattern func(rune) bool

func (f charPattern) findMatches(rs []rune) []span {
	var out []span
	prev := 0
	for i, r := range rs {
		if f(r) {
			if prev < i {
				out = append(out, span{prev, i, false})
			}
			out = append(out, span{i, i + 1, true})
			prev = i + 1
		}
	}
	if prev < len(rs) || len(out) == 0 {
		out = append(out, span{prev, len(rs), false})
	}
	return out
}

// invertedPattern swaps matches and the text between them.
type invertedPattern struct{ pattern }

func (p invertedPattern) findMatches(rs []rune) []span {
	ms := p.pattern.findMatches(rs)
	for i := range ms {
		ms[i].match = !ms[i].match
	}
	return ms
}

func truncateForError(raw []byte) string {
	if len(raw) > 80 {
		return string(raw[:80]) + "…"
	}
	return string(raw)
}
