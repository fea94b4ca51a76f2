package hftokenizer

// normStr is a piece of text being normalized, together with where each of
// its characters came from in the caller's original string. Only the start
// of each piece in the original matters here (the Metaspace pre-tokenizer's
// "first" scheme asks whether a piece begins the text), so each rune keeps
// the byte offset of the original character it stands for, following the
// alignment rules of the reference library: a replaced character keeps its
// origin, an inserted one takes that of the character before it.
type normStr struct {
	runes []rune
	orig  []int
	// shift is the original byte offset of the piece itself, which can
	// differ from orig[0] when normalization removed leading characters.
	shift int
}

func newNormStr(s string, shift int) normStr {
	n := normStr{runes: make([]rune, 0, len(s)), orig: make([]int, 0, len(s)), shift: shift}
	for i, r := range s {
		n.runes = append(n.runes, r)
		n.orig = append(n.orig, shift+i)
	}
	return n
}

func (n *normStr) String() string { return string(n.runes) }

// edit is one character of a transformation's output. change is 0 when the
// character replaces the next input character, 1 when it is inserted, and
// -k when it replaces the next input character and k more are dropped.
type edit struct {
	r      rune
	change int
}

// transform rewrites n from edits; initialRemoved input characters are
// dropped before the first edit.
func (n *normStr) transform(edits []edit, initialRemoved int) {
	runes := make([]rune, 0, len(edits))
	orig := make([]int, 0, len(edits))
	consumed := initialRemoved
	for _, e := range edits {
		var o int
		switch {
		case e.change > 0:
			o = n.originBefore(consumed)
		default:
			o = n.originAt(consumed)
			consumed += 1 - e.change
		}
		runes = append(runes, e.r)
		orig = append(orig, o)
	}
	n.runes, n.orig = runes, orig
}

func (n *normStr) originAt(i int) int {
	if i < len(n.orig) {
		return n.orig[i]
	}
	return n.originBefore(i)
}

func (n *normStr) originBefore(i int) int {
	if i < 1 || len(n.orig) == 0 {
		return n.shift
	}
	if i > len(n.orig) {
		i = len(n.orig)
	}
	return n.orig[i-1]
}

// filter keeps the characters for which keep is true.
func (n *normStr) filter(keep func(rune) bool) {
	j := 0
	for i, r := range n.runes {
		if keep(r) {
			n.runes[j], n.orig[j] = r, n.orig[i]
			j++
		}
	}
	n.runes, n.orig = n.runes[:j], n.orig[:j]
}

// mapRunes replaces each character one for one.
func (n *normStr) mapRunes(f func(rune) rune) {
	for i, r := range n.runes {
		n.runes[i] = f(r)
	}
}

// slice returns the characters [i, j) as a piece of its own.
func (n *normStr) slice(i, j int) normStr {
	s := normStr{runes: n.runes[i:j:j], orig: n.orig[i:j:j]}
	if i < len(n.orig) {
		s.shift = n.orig[i]
	} else {
		s.shift = n.shift
	}
	return s
}

// prepend inserts s before the first character; like the reference, it does
// nothing to an empty piece.
func (n *normStr) prepend(s string) {
	if len(n.runes) == 0 {
		return
	}
	add := []rune(s)
	o := n.orig[0]
	runes := make([]rune, 0, len(add)+len(n.runes))
	orig := make([]int, 0, len(add)+len(n.runes))
	for _, r := range add {
		runes = append(runes, r)
		orig = append(orig, o)
	}
	n.runes = append(runes, n.runes...)
	n.orig = append(orig, n.orig...)
}
