package gloss

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/driftrec/driftrec/zh/cedict"
	"github.com/driftrec/driftrec/zh/segment"
)

// How says where a Part's gloss came from.
type How uint8

const (
	// Dictionary: the word's own CC-CEDICT entry.
	Dictionary How = iota
	// Overlap: the dictionary word that this character forms with the last
	// character of the word before it (跑鞋|垫 → 鞋垫).
	Overlap
	// Characters: the word had no usable sense; its longest known pieces
	// (down to single characters) were glossed left to right.
	Characters
	// Verbatim: a Latin word or a number, kept as written.
	Verbatim
	// Function: a particle or classifier, dropped.
	Function
	// Punctuation, dropped.
	Punctuation
	// Unknown: a character the dictionary does not know, dropped.
	Unknown
)

func (h How) String() string {
	switch h {
	case Dictionary:
		return "dictionary"
	case Overlap:
		return "overlap"
	case Characters:
		return "characters"
	case Verbatim:
		return "verbatim"
	case Function:
		return "function"
	case Punctuation:
		return "punctuation"
	case Unknown:
		return "unknown"
	}
	return "how?"
}

// Part is one segmented word and the English chosen for it.
type Part struct {
	Text   string // the word, as it appears in the normalised text
	Gloss  string // the English; empty when the word was dropped
	Pinyin string // the reading whose sense was chosen, when one was
	How    How
	// Synonyms are the chosen sense's near-synonyms followed by the first
	// near-synonym of each later plain sense of the same reading (运动鞋:
	// "sports shoes", "sneakers"; 酒店: "wine shop", "pub", "hotel", ...),
	// at most 4, for explanations or a richer encoding.
	Synonyms []string
}

// Options tune a Glosser.
type Options struct {
	// Synonyms is how many of a word's Part.Synonyms go into the gloss;
	// 0 or 1 keeps only the first (酒店 → "wine shop"), 3 gives "wine shop
	// pub hotel". More words reach more of the meaning and add noise.
	Synonyms int
}

// Glosser glosses Chinese text. It is safe for concurrent use.
type Glosser struct {
	dict        *cedict.Dict
	seg         *segment.Segmenter
	classifiers map[string]bool
	synonyms    int
}

// New returns a glosser over d with its own segmenter.
func New(d *cedict.Dict, opts Options) *Glosser {
	return &Glosser{dict: d, seg: segment.New(d), classifiers: classifierSet(d), synonyms: max(opts.Synonyms, 1)}
}

// classifierSet collects the measure words CC-CEDICT names in its "CL:"
// notes, in both scripts. Senses alone would miss some: 双 is listed as the
// classifier of 鞋 but has no "classifier for" sense.
func classifierSet(d *cedict.Dict) map[string]bool {
	set := make(map[string]bool, 256)
	for i := range d.Len() {
		for _, c := range d.Entry(i).Classifiers {
			set[c.Simplified] = true
			set[c.Traditional] = true
		}
	}
	return set
}

// Segmenter returns the segmenter the glosser uses.
func (g *Glosser) Segmenter() *segment.Segmenter { return g.seg }

// isFunctionWord reports whether w is a particle or the like whose
// dictionary senses are grammar, not topic: glossing them would add "of",
// "finish" or "exist" to every query.
func isFunctionWord(w string) bool {
	switch w {
	case "的", "地", "得", "了", "着", "著", "过", "過",
		"吗", "嗎", "呢", "吧", "啊", "呀", "嘛",
		"哦", "啦", "么", "麼", "之", "所", "在",
		"是", "个", "個":
		return true
	}
	return false
}

// counters introduce a classifier: after them a character with a
// classifier sense is one (一双鞋, 这部电影, 几件衣服).
const counters = "一二三四五六七八九十两兩几幾这這那哪每多半数數"

// Gloss returns the English gloss of text and the parts it was built from,
// one per token of the segmentation.
func (g *Glosser) Gloss(text string) (string, []Part) {
	toks := g.seg.Segment(text)
	parts := make([]Part, len(toks))
	var b strings.Builder
	for i, tok := range toks {
		p := &parts[i]
		p.Text = tok.Text
		switch tok.Kind {
		case segment.Punct:
			p.How = Punctuation
		case segment.Unknown:
			p.How = Unknown
		case segment.Alnum, segment.Number:
			p.Gloss, p.How = tok.Text, Verbatim
		case segment.Word:
			g.glossWord(toks, i, p)
		}
		if p.Gloss != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(p.Gloss)
		}
	}
	return b.String(), parts
}

func (g *Glosser) glossWord(toks []segment.Token, i int, p *Part) {
	w := toks[i].Text
	single := utf8.RuneCountInString(w) == 1
	if single && (isFunctionWord(w) || g.isClassifierHere(toks, i)) {
		p.How = Function
		return
	}
	if single && i > 0 && toks[i-1].Kind == segment.Word && toks[i-1].End == toks[i].Start {
		prev := toks[i-1].Text
		if alts, py, ok := g.overlap(prev, w); ok {
			p.Gloss, p.Synonyms, p.Pinyin, p.How = g.gloss(alts), alts, py, Overlap
			return
		}
	}
	if alts, py, ok := g.best(w, 0); ok {
		p.Gloss, p.Synonyms, p.Pinyin, p.How = g.gloss(alts), alts, py, Dictionary
		return
	}
	if single {
		p.How = Function // a character whose senses are all grammar or cross-references
		return
	}
	// No reading has a usable sense: gloss the longest known pieces, left to
	// right, down to single characters.
	var glosses []string
	runes := []rune(w)
	for i := 0; i < len(runes); {
		j := len(runes)
		if i == 0 {
			j-- // the whole word was just tried
		}
		for ; j > i; j-- {
			piece := string(runes[i:j])
			if isFunctionWord(piece) {
				continue
			}
			if alts, _, ok := g.best(piece, 0); ok {
				glosses = append(glosses, alts[0])
				break
			}
		}
		i = max(j, i+1)
	}
	p.Gloss, p.How = strings.Join(glosses, " "), Characters
}

// overlap glosses the character w after the word prev as the word that
// prev's last character and w form, when that character is the head of
// prev: its own gloss shows in prev's (鞋 "shoe" in 跑鞋 "running shoes",
// so 跑鞋|垫 reads 鞋垫 "insole"; 脑 "brain" is not in 手提电脑 "portable
// computer", so 手提电脑|包 does not read 脑包).
func (g *Glosser) overlap(prev, w string) (synonyms []string, pinyin string, ok bool) {
	if utf8.RuneCountInString(prev) < 2 {
		return nil, "", false
	}
	_, n := utf8.DecodeLastRuneInString(prev)
	shared := prev[len(prev)-n:]
	compound := shared + w
	if !g.dict.Has(compound) || g.onlyProper(compound) {
		return nil, "", false
	}
	prevGloss, _, ok1 := g.best(prev, 0)
	sharedGloss, _, ok2 := g.best(shared, 0)
	if !ok1 || !ok2 || !strings.Contains(strings.ToLower(prevGloss[0]), strings.ToLower(sharedGloss[0])) {
		return nil, "", false
	}
	return g.best(compound, 0)
}

// isClassifierHere reports whether the single character at toks[i] follows
// a number or a demonstrative and can be a classifier.
func (g *Glosser) isClassifierHere(toks []segment.Token, i int) bool {
	if i == 0 || toks[i-1].End != toks[i].Start {
		return false
	}
	prev := toks[i-1]
	last, _ := utf8.DecodeLastRuneInString(prev.Text)
	if prev.Kind != segment.Number && !strings.ContainsRune(counters, last) {
		return false
	}
	if g.classifiers[toks[i].Text] {
		return true
	}
	for e := range g.dict.Lookup(toks[i].Text) {
		for _, s := range e.Senses {
			if strings.HasPrefix(s, "classifier") || strings.HasPrefix(s, "(classifier") || strings.Contains(s, "; classifier") {
				return true
			}
		}
	}
	return false
}

func (g *Glosser) onlyProper(w string) bool {
	for e := range g.dict.Lookup(w) {
		if !e.ProperNoun() {
			return false
		}
	}
	return true
}

// maxRedirects bounds how far variant and abbreviation references are
// followed; CC-CEDICT has no cycles, but a bound keeps that an assumption.
const maxRedirects = 2

// maxSynonyms bounds the near-synonyms collected for one word; cleaning
// senses is most of the cost of glossing.
const maxSynonyms = 4

// best chooses the gloss of headword w: the best sense of the best reading.
// synonyms starts with that sense's near-synonyms and goes on with the
// first near-synonym of each later plain sense of the same reading.
func (g *Glosser) best(w string, depth int) (synonyms []string, pinyin string, ok bool) {
	type choice struct {
		entry   *cedict.Entry
		sense   int // index of the chosen sense in entry.Senses
		alts    []string
		q       quality
		proper  bool
		variant bool
		senses  int
	}
	var top choice // q == unusable: any usable reading beats it
	var redirect string
	better := func(c choice) bool {
		if c.q != top.q {
			return c.q > top.q
		}
		if c.proper != top.proper {
			return !c.proper
		}
		// A reading that is also a variant spelling (秊, an old form of
		// 年, simplified to 年 too) loses to the standard form.
		if c.variant != top.variant {
			return !c.variant
		}
		return c.senses > top.senses
	}
	for e := range g.dict.Lookup(w) {
		if e.OnlyVariant() {
			if redirect == "" && len(e.VariantOf) > 0 {
				redirect = e.VariantOf[0].Simplified
			}
			continue
		}
		c := choice{entry: e, proper: e.ProperNoun(), variant: len(e.VariantOf) > 0, senses: len(e.Senses)}
		for k, s := range e.Senses {
			alts, q := g.cleanOrFollow(w, s, depth)
			if len(alts) > 0 && q > c.q {
				c.sense, c.alts, c.q = k, alts, q
				if q == plain {
					break
				}
			}
		}
		if c.q > unusable && better(c) {
			top = c
		}
	}
	if top.q == unusable {
		if redirect != "" && redirect != w && depth < maxRedirects {
			return g.best(redirect, depth+1)
		}
		return nil, "", false
	}
	synonyms = top.alts[:min(len(top.alts), maxSynonyms):min(len(top.alts), maxSynonyms)]
	for _, s := range top.entry.Senses[top.sense+1:] {
		if len(synonyms) >= maxSynonyms {
			break
		}
		if alts, q, _ := cleanSense(s); q == plain && !slices.Contains(synonyms, alts[0]) {
			synonyms = append(synonyms, alts[0])
		}
	}
	return synonyms, top.entry.Pinyin, true
}

// cleanOrFollow cleans a sense, following an "abbr. for X" or "see X"
// reference to X's gloss when the sense has no English of its own.
func (g *Glosser) cleanOrFollow(w, sense string, depth int) ([]string, quality) {
	alts, q, ref := cleanSense(sense)
	if len(alts) == 0 && ref != "" && ref != w && depth < maxRedirects {
		if alts, _, _ = g.best(ref, depth+1); len(alts) > 0 {
			return alts[:1], plain
		}
		return nil, unusable
	}
	return alts, q
}

// gloss joins the first g.synonyms near-synonyms.
func (g *Glosser) gloss(alts []string) string {
	return strings.Join(alts[:min(len(alts), g.synonyms)], " ")
}
