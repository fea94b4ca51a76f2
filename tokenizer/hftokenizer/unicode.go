package hftokenizer

import (
	"sort"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

//go:generate go run ./internal/unigen -ref testdata/unicode.json.gz -ucd /usr/share/unicode -out unicode_tables.go

// runeRanges is a sorted list of inclusive code point ranges.
type runeRanges [][2]rune

func (rs runeRanges) contains(r rune) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i][1] >= r })
	return i < len(rs) && rs[i][0] <= r
}

// isWhitespace is Rust's char::is_whitespace, the White_Space property,
// which has not changed between Unicode 15 and 16.
func isWhitespace(r rune) bool {
	if r < 0x80 {
		return r == ' ' || (r >= '\t' && r <= '\r')
	}
	return unicode.Is(unicode.White_Space, r)
}

func isBertWhitespace(r rune) bool { return isWhitespace(r) }

// isBertCleaned reports whether BertNormalizer's clean_text deletes r.
func isBertCleaned(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return cleanTextRemoved.contains(r)
}

func isBertPunctuation(r rune) bool { return bertPunctuation.contains(r) }

// isChineseChar is BertNormalizer's CJK test. The ranges are the library's,
// including its 0x2B920 (not 0x2B820) start of Extension E.
func isChineseChar(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF,
		r >= 0x3400 && r <= 0x4DBF,
		r >= 0x20000 && r <= 0x2A6DF,
		r >= 0x2A700 && r <= 0x2B73F,
		r >= 0x2B740 && r <= 0x2B81F,
		r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}

// isWordChar is \w of the Rust regex crate, for the Whitespace
// pre-tokenizer.
func isWordChar(r rune) bool {
	if r < 0x80 {
		return r == '_' || (r >= '0' && r <= '9') || (r|0x20 >= 'a' && r|0x20 <= 'z')
	}
	return wordChar.contains(r)
}

// lowerRust appends Rust's char::to_lowercase of r to dst.
func lowerRust(dst []rune, r rune) []rune {
	if r < 0x80 {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, r)
	}
	if s, ok := lowercaseOverride[r]; ok {
		return append(dst, []rune(s)...)
	}
	return append(dst, unicode.ToLower(r))
}

// isAlphanumeric is Rust's char::is_alphanumeric, used to find word
// boundaries for single_word added tokens.
func isAlphanumeric(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Other_Alphabetic, r)
}

// normForm is one of the four Unicode normalization forms together with the
// characters the reference leaves unchanged under it.
type normForm struct {
	form   norm.Form
	frozen runeRanges
}

var (
	formNFD  = normForm{norm.NFD, nfdFrozen}
	formNFKD = normForm{norm.NFKD, nfkdFrozen}
	formNFC  = normForm{norm.NFC, nfcFrozen}
	formNFKC = normForm{norm.NFKC, nfkcFrozen}
)

// isFrozen reports whether r must pass through the form unchanged.
func (f normForm) isFrozen(r rune) bool { return f.frozen.contains(r) }
