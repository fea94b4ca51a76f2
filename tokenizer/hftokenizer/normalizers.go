package hftokenizer

import (
	"encoding/json"
	"fmt"
)

// normalizer rewrites a piece of text before pre-tokenization.
type normalizer interface {
	normalize(n *normStr) error
}

func parseNormalizer(raw json.RawMessage, depth int) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	if depth > maxNesting {
		return nil, fmt.Errorf("normalizer: nested deeper than %d", maxNesting)
	}
	typ, err := componentType(raw)
	if err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	switch typ {
	case "Sequence":
		var c struct {
			Normalizers []json.RawMessage `json:"normalizers"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Sequence: %w", err)
		}
		var seq sequenceNormalizer
		for i, r := range c.Normalizers {
			n, err := parseNormalizer(r, depth+1)
			if err != nil {
				return nil, fmt.Errorf("normalizer Sequence[%d]: %w", i, err)
			}
			if n != nil {
				seq = append(seq, n)
			}
		}
		return seq, nil
	case "BertNormalizer":
		c := struct {
			CleanText          *bool `json:"clean_text"`
			HandleChineseChars *bool `json:"handle_chinese_chars"`
			StripAccents       *bool `json:"strip_accents"`
			Lowercase          *bool `json:"lowercase"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer BertNormalizer: %w", err)
		}
		b := bertNormalizer{cleanText: orTrue(c.CleanText), handleChinese: orTrue(c.HandleChineseChars), lowercase: orTrue(c.Lowercase)}
		// A null strip_accents follows lowercase, as in the original BERT.
		b.stripAccents = b.lowercase
		if c.StripAccents != nil {
			b.stripAccents = *c.StripAccents
		}
		return b, nil
	case "NFD":
		return unicodeNormalizer{formNFD}, nil
	case "NFKD":
		return unicodeNormalizer{formNFKD}, nil
	case "NFC":
		return unicodeNormalizer{formNFC}, nil
	case "NFKC":
		return unicodeNormalizer{formNFKC}, nil
	case "Lowercase":
		return lowercaseNormalizer{}, nil
	case "StripAccents":
		return stripAccentsNormalizer{}, nil
	case "Nmt":
		return nmtNormalizer{}, nil
	case "Strip":
		c := struct {
			Left  *bool `json:"strip_left"`
			Right *bool `json:"strip_right"`
		}{}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Strip: %w", err)
		}
		return stripNormalizer{left: orTrue(c.Left), right: orTrue(c.Right)}, nil
	case "Prepend":
		var c struct {
			Prepend string `json:"prepend"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Prepend: %w", err)
		}
		return prependNormalizer{c.Prepend}, nil
	case "Replace":
		var c struct {
			Pattern json.RawMessage `json:"pattern"`
			Content string          `json:"content"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		p, err := parsePattern(c.Pattern)
		if err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		return replaceNormalizer{pattern: p, content: c.Content}, nil
	case "Precompiled":
		var c struct {
			Charsmap *string `json:"precompiled_charsmap"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: %w", err)
		}
		if c.Charsmap == nil {
			return nil, fmt.Errorf("normalizer Precompiled: no precompiled_charsmap")
		}
		p, err := parsePrecompiled(*c.Charsmap)
		if err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: %w", err)
		}
		return p, nil
	}
	return nil, fmt.Errorf("unsupported normalizer type %q", typ)
}

func orTrue(b *bool) bool { return b == nil || *b }

type sequenceNormalizer []normalizer

func (s sequenceNormalizer) normalize(n *normStr) error {
	for _, x := range s {
		if err := x.normalize(n); err != nil {
			return err
		}
	}
	return nil
}

type bertNormalizer struct {
	cleanText, handleChinese, stripAccents, lowercase bool
}

func (b bertNormalizer) normalize(n *normStr) error {
	if b.cleanText {
		n.filter(func(r rune) bool { return r != 0 && r != 0xFFFD && !isBertCleaned(r) })
		n.mapRunes(func(r rune) rune {
			if isBertWhitespace(r) {
				return ' '
			}
			return r
		})
	}
	if b.handleChinese {
		padChinese(n)
	}
	if b.stripAccents {
		formNFD.apply(n)
		n.filter(func(r rune) bool { return !nonspacingMark8.contains(r) })
	}
	if b.lowercase {
		lowercase(n)
	}
	return nil
}

// padChinese surrounds each CJK ideograph with spaces so that the
// pre-tokenizer makes it a word of its own.
func padChinese(n *normStr) {
	found := false
	for _, r := range n.runes {
		if isChineseChar(r) {
			found = true
			break
		}
	}
	if !found {
		return
	}
	edits := make([]edit, 0, len(n.runes)+8)
	for _, r := range n.runes {
		if isChineseChar(r) {
			edits = append(edits, edit{' ', 1}, edit{r, 0}, edit{' ', 1})
		} else {
			edits = append(edits, edit{r, 0})
		}
	}
	n.transform(edits, 0)
}

func lowercase(n *normStr) {
	var buf []rune
	var edits []edit
	for i, r := range n.runes {
		buf = lowerRust(buf[:0], r)
		if edits == nil {
			if len(buf) == 1 {
				n.runes[i] = buf[0]
				continue
			}
			// A character with a longer lowercase: switch to edits.
			edits = make([]edit, 0, len(n.runes)+4)
			for _, p := range n.runes[:i] {
				edits = append(edits, edit{p, 0})
			}
		}
		for k, l := range buf {
			c := 0
			if k > 0 {
				c = 1
			}
			edits = append(edits, edit{l, c})
		}
	}
	if edits != nil {
		n.transform(edits, 0)
	}
}

type unicodeNormalizer struct{ form normForm }

func (u unicodeNormalizer) normalize(n *normStr) error {
	u.form.apply(n)
	return nil
}

// apply normalizes n segment by segment so that each output character can be
// traced to the segment it came from. Characters too new for the reference's
// tables are their own segments and pass through unchanged.
func (f normForm) apply(n *normStr) {
	ascii := true
	for _, r := range n.runes {
		if r >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return
	}
	src := string(n.runes)
	if f.form.IsNormalString(src) && !f.anyFrozen(n.runes) {
		return
	}
	runes := make([]rune, 0, len(n.runes)+8)
	orig := make([]int, 0, len(n.runes)+8)
	start := 0
	flush := func(end int) {
		if end <= start {
			return
		}
		seg := n.runes[start:end]
		if end-start == 1 && f.isFrozen(seg[0]) {
			runes = append(runes, seg[0])
			orig = append(orig, n.orig[start])
			return
		}
		out := []rune(f.form.String(string(seg)))
		if equalRunes(out, seg) {
			runes = append(runes, seg...)
			orig = append(orig, n.orig[start:end]...)
			return
		}
		// Output character k stands for input character k (or the last
		// one): exact when the segment keeps its length, and when it
		// shrinks or grows the extra characters belong to its starter.
		for k, r := range out {
			runes = append(runes, r)
			orig = append(orig, n.orig[start+min(k, end-start-1)])
		}
	}
	for i := 1; i <= len(n.runes); i++ {
		if i == len(n.runes) {
			flush(i)
			break
		}
		r := n.runes[i]
		if f.isFrozen(r) || f.isFrozen(n.runes[i-1]) || f.form.PropertiesString(string(r)).BoundaryBefore() {
			flush(i)
			start = i
		}
	}
	n.runes, n.orig = runes, orig
}

func (f normForm) anyFrozen(rs []rune) bool {
	if len(f.frozen) == 0 {
		return false
	}
	for _, r := range rs {
		if f.isFrozen(r) {
			return true
		}
	}
	return false
}

func equalRunes(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(n *normStr) error {
	lowercase(n)
	return nil
}

type stripAccentsNormalizer struct{}

func (stripAccentsNormalizer) normalize(n *normStr) error {
	n.filter(func(r rune) bool { return !combiningMark.contains(r) })
	return nil
}

// nmtNormalizer is SentencePiece's NMT cleanup: drop ASCII controls, turn
// other separators into spaces.
type nmtNormalizer struct{}

func (nmtNormalizer) normalize(n *normStr) error {
	n.filter(func(r rune) bool {
		switch {
		case r >= 0x01 && r <= 0x08, r == 0x0B, r >= 0x0E && r <= 0x1F, r == 0x7F, r == 0x8F, r == 0x9F:
			return false
		}
		return true
	})
	n.mapRunes(func(r rune) rune {
		switch {
		case r == 0x09, r == 0x0A, r == 0x0C, r == 0x0D, r == 0x1680, r >= 0x200B && r <= 0x200F,
			r == 0x2028, r == 0x2029, r == 0x2581, r == 0xFEFF, r == 0xFFFD:
			return ' '
		}
		return r
	})
	return nil
}

type stripNormalizer struct{ left, right bool }

func (s stripNormalizer) normalize(n *normStr) error {
	i, j := 0, len(n.runes)
	if s.left {
		for i < j && isWhitespace(n.runes[i]) {
			i++
		}
	}
	if s.right {
		for j > i && isWhitespace(n.runes[j-1]) {
			j--
		}
	}
	n.runes, n.orig = n.runes[i:j], n.orig[i:j]
	return nil
}

type prependNormalizer struct{ s string }

func (p prependNormalizer) normalize(n *normStr) error {
	n.prepend(p.s)
	return nil
}

type replaceNormalizer struct {
	pattern pattern
	content string
}

func (r replaceNormalizer) normalize(n *normStr) error {
	ms := r.pattern.findMatches(n.runes)
	if len(ms) == 0 {
		return nil
	}
	runes := make([]rune, 0, len(n.runes))
	orig := make([]int, 0, len(n.runes))
	for _, m := range ms {
		if !m.match {
			runes = append(runes, n.runes[m.start:m.end]...)
			orig = append(orig, n.orig[m.start:m.end]...)
			continue
		}
		// Every replacement character counts as inserted after the
		// removed match, so it takes the origin of the match's last
		// character (the reference's alignment rule).
		o := n.originBefore(m.end)
		// The content is inserted as written: the reference does not
		// expand $1-style group references.
		for _, c := range r.content {
			runes = append(runes, c)
			orig = append(orig, o)
		}
	}
	n.runes, n.orig = runes, orig
	return nil
}
