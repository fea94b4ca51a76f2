package generate

import (
	"fmt"
	"unicode"
)

// Lang is the language of generated text.
type Lang string

// The languages the templates speak.
const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// ParseLang reads a language parameter: "" or "auto" (detect), "en" or
// "zh".
func ParseLang(s string) (Lang, error) {
	switch s {
	case "", "auto":
		return "", nil
	case "en", "zh":
		return Lang(s), nil
	}
	return "", fmt.Errorf("unknown language %q: want auto, en or zh", s)
}

// DetectLanguage returns the language of the user's own words: Chinese
// when at least a third of their letters are Han characters, else English.
// A third, not a half, because Chinese queries often carry Latin brand
// names and model numbers ("Nike 跑鞋 42码") that outnumber the Han
// characters by letter count while the user still writes Chinese.
func DetectLanguage(texts ...string) Lang {
	han, letters := 0, 0
	for _, t := range texts {
		for _, r := range t {
			switch {
			case unicode.Is(unicode.Han, r):
				han++
				letters++
			case unicode.IsLetter(r):
				letters++
			}
		}
	}
	if letters > 0 && 3*han >= letters {
		return Chinese
	}
	return English
}

// resolve returns l, or the language detected from texts when l is empty.
func resolve(l Lang, texts []string) Lang {
	if l != "" {
		return l
	}
	return DetectLanguage(texts...)
}
