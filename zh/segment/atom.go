package segment

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns text in the form the segmenter works on: NFKC, which
// folds full-width ASCII (Ｎｉｋｅ１２３) and the ideographic space to their
// ASCII forms and compatibility ideographs to unified ones.
func Normalize(text string) string {
	return norm.NFKC.String(text)
}

type atomKind uint8

const (
	atomHan atomKind = iota
	atomAlnum
	atomNumber
	atomPunct
	atomSpace
)

// atom is the unit the dynamic programme works on: a Han character, a
// letter-digit run, a number, a punctuation mark or a run of spaces.
type atom struct {
	kind       atomKind
	start, end int // byte offsets in the normalised text
}

func isHan(r rune) bool {
	return unicode.Is(unicode.Han, r)
}

func isAlnum(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) && !isHan(r)
}

// atoms cuts normalised text into atoms. Letter-digit runs may contain a
// hyphen, apostrophe or dot between two alphanumerics ("Wi-Fi", "don't",
// "3.5"); a run of only digits and such inner marks is a number.
func atoms(text string, dst []atom) []atom {
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case isHan(r):
			dst = append(dst, atom{atomHan, i, i + n})
			i += n
		case isAlnum(r):
			j, digitsOnly := i, true
			for j < len(text) {
				r, n := utf8.DecodeRuneInString(text[j:])
				if isAlnum(r) {
					if !unicode.IsDigit(r) {
						digitsOnly = false
					}
					j += n
					continue
				}
				if r == '-' || r == '\'' || r == '.' || r == ',' {
					next, m := utf8.DecodeRuneInString(text[j+n:])
					if m > 0 && isAlnum(next) && (r != ',' || digitsOnly && unicode.IsDigit(next)) {
						j += n
						continue
					}
				}
				break
			}
			kind := atomAlnum
			if digitsOnly {
				kind = atomNumber
			}
			dst = append(dst, atom{kind, i, j})
			i = j
		case unicode.IsSpace(r):
			j := i + n
			for j < len(text) {
				r, n := utf8.DecodeRuneInString(text[j:])
				if !unicode.IsSpace(r) {
					break
				}
				j += n
			}
			dst = append(dst, atom{atomSpace, i, j})
			i = j
		default:
			dst = append(dst, atom{atomPunct, i, i + n})
			i += n
		}
	}
	return dst
}
