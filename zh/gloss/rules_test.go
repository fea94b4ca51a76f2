package gloss

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/driftrec/driftrec/zh/cedict"
)

func TestCleanSense(t *testing.T) {
	for _, tc := range []struct {
		sense string
		alts  []string
		q     quality
		ref   string
	}{
		{"sports shoes; sneakers", []string{"sports shoes", "sneakers"}, plain, ""},
		{"(loanword) coffee", []string{"coffee"}, plain, ""},
		{"mouthfeel; texture (of food)", []string{"mouthfeel", "texture"}, plain, ""},
		{"to run", []string{"run"}, plain, ""},
		{"to be alive", []string{"alive"}, plain, ""},
		{"a taxi; a cab (abbr. for 的士[di1 shi4])", []string{"taxi", "cab"}, plain, "的士"},
		{"(literary) trip; journey; visit", []string{"trip", "journey", "visit"}, marked, ""},
		{"(onom.) bang", []string{"bang"}, marked, ""},
		{"lit. draw legs on a snake (idiom); fig. to ruin the effect by adding sth superfluous", []string{"ruin the effect by adding sth superfluous"}, marked, ""},
		{"lit. to add insult to injury", []string{"add insult to injury"}, plain, ""},
		{"Beijing municipality, capital of the People's Republic of China (abbr. to 京[Jing1])", []string{"Beijing municipality"}, plain, ""},
		{"Peking University (abbr. for 北京大學|北京大学)", []string{"Peking University"}, plain, "北京大学"},
		{"see 雲南省|云南省[Yun2 nan2 Sheng3]", nil, unusable, "云南省"},
		{"variant of 鞋[xie2]", nil, unusable, ""},
		{"CL:個|个[ge4]", nil, unusable, ""},
		{"surname Zhang", nil, unusable, ""},
		{"used in 徘徊[pai2 huai2]", nil, unusable, ""},
		{"classifier for flat objects, sheet", nil, unusable, ""},
		{"(classifier used before a noun that has no specific classifier)", nil, unusable, ""},
		{"(coll.) what?", []string{"what"}, plain, ""},
		{"(of eyes) bright", []string{"bright"}, plain, ""},
		{"()", nil, unusable, ""},
	} {
		alts, q, ref := cleanSense(tc.sense)
		if !slices.Equal(alts, tc.alts) || q != tc.q || ref != tc.ref {
			t.Errorf("cleanSense(%q) = %q, %d, %q; want %q, %d, %q", tc.sense, alts, q, ref, tc.alts, tc.q, tc.ref)
		}
	}
}

// synthetic builds a dictionary in which each rule can be seen alone.
func synthetic() *cedict.Dict {
	e := func(trad, simp, pinyin string, senses ...string) cedict.Entry {
		return cedict.Entry{Traditional: trad, Simplified: simp, Pinyin: pinyin, Senses: senses}
	}
	variant := e("鞵", "鞵", "xie2", "variant of 鞋[xie2]")
	variant.VariantOf = []cedict.Ref{{Traditional: "鞋", Simplified: "鞋", Pinyin: "xie2"}}
	oldForm := e("秊", "年", "nian2", "grain", "harvest (old)", "variant of 年[nian2]")
	oldForm.VariantOf = []cedict.Ref{{Traditional: "年", Simplified: "年", Pinyin: "nian2"}}
	shoe := e("鞋", "鞋", "xie2", "shoe")
	shoe.Classifiers = []cedict.Ref{{Traditional: "雙", Simplified: "双", Pinyin: "shuang1"}}
	return cedict.New([]cedict.Entry{
		e("張", "张", "Zhang1", "surname Zhang"),
		e("張", "张", "zhang1", "to open up", "sheet of paper", "classifier for flat objects, sheet"),
		shoe, variant, oldForm,
		e("年", "年", "nian2", "year"),
		e("雙", "双", "shuang1", "two", "double", "pair"),
		e("一", "一", "yi1", "one"),
		e("北大", "北大", "Bei3 Da4", "abbr. for 北京大學|北京大学"),
		e("北京大學", "北京大学", "Bei3 jing1 Da4 xue2", "Peking University"),
		e("畫蛇添足", "画蛇添足", "hua4 she2 tian1 zu2", "lit. draw legs on a snake (idiom); fig. to ruin the effect by adding sth superfluous"),
		e("咖啡", "咖啡", "ka1 fei1", "(loanword) coffee"),
		e("啡", "啡", "fei1", "used in 咖啡[ka1 fei1]"),
		e("咖", "咖", "ka1", "used in 咖啡[ka1 fei1]"),
		e("咖啡館", "咖啡馆", "ka1 fei1 guan3", "surname Kafeiguan"), // nothing usable: glossed per character
		e("館", "馆", "guan3", "building; shop"),
		e("的", "的", "de5", "of; ~'s (possessive particle)"),
	}, cedict.Source{})
}

func TestGlossRules(t *testing.T) {
	g := New(synthetic(), Options{})
	for _, tc := range []struct{ in, want, hows string }{
		{"张", "open up", "dictionary"},                        // the ordinary reading beats the surname
		{"鞵", "shoe", "dictionary"},                           // a variant spelling is glossed by its target
		{"年", "year", "dictionary"},                           // the standard form beats an old form simplified the same
		{"一双鞋", "one shoe", "dictionary function dictionary"}, // 双 is a classifier of 鞋 here
		{"双", "two", "dictionary"},                            // and a word elsewhere
		{"北大", "Peking University", "dictionary"},             // "abbr. for" is followed
		{"画蛇添足", "ruin the effect by adding sth superfluous", "dictionary"},
		{"咖啡的", "coffee", "dictionary function"},
		{"咖啡馆", "coffee building", "characters"}, // bound 咖 and 啡 give nothing; 馆 does... per character
		{"ABC 12", "ABC 12", "verbatim verbatim"},
	} {
		got, parts := g.Gloss(tc.in)
		var hows []string
		for _, p := range parts {
			hows = append(hows, p.How.String())
		}
		if got != tc.want || strings.Join(hows, " ") != tc.hows {
			t.Errorf("Gloss(%q) = %q (%s), want %q (%s)", tc.in, got, strings.Join(hows, " "), tc.want, tc.hows)
		}
	}
}

func FuzzGloss(f *testing.F) {
	g := New(realDict(f), Options{Synonyms: 2})
	for _, s := range []string{"舒适的鞋垫", "跑鞋垫", "ｉＰｈｏｎｅ　１５手机壳", "一双鞋", "北大", "\xff鞋", "鞋鞋鞋鞋鞋鞋鞋", "的的的"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, parts := g.Gloss(in)
		var glosses []string
		for _, p := range parts {
			if p.Gloss != "" {
				glosses = append(glosses, p.Gloss)
			}
			if p.Text == "" {
				t.Fatalf("empty part in %q", in)
			}
		}
		if strings.Join(glosses, " ") != got {
			t.Fatalf("gloss %q is not its parts %q", got, glosses)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 gloss %q", got)
		}
	})
}
