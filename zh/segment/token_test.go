package segment

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSegmentTokens(t *testing.T) {
	s := New(testDict(t))
	for _, tc := range []struct {
		in   string
		want string // tokens as text/kind, space separated
	}{
		{"", ""},
		{"舒适的鞋垫", "舒适/word 的/word 鞋垫/word"},
		{"舒適的鞋墊", "舒適/word 的/word 鞋墊/word"},
		{"Ｎｉｋｅ运动鞋", "Nike/alnum 运动鞋/word"},                  // full-width letters
		{"ｉＰｈｏｎｅ　１５手机壳", "iPhone/alnum 15/number 手机壳/word"}, // ideographic space
		{"纯棉T恤", "纯棉/word T恤/word"},
		{"去KTV唱卡拉OK", "去/word KTV/alnum 唱/word 卡拉OK/word"},
		{"价格3.5元", "价格/word 3.5/number 元/word"},
		{"1,000元以下", "1,000/number 元/word 以下/word"},
		{"Wi-Fi密码", "Wi-Fi/alnum 密码/word"},
		{"鞋，包。", "鞋/word ,/punct 包/word 。/punct"}, // NFKC folds the full-width comma, not the ideographic stop
		{"跑鞋！！", "跑鞋/word !/punct !/punct"},       // NFKC folds the full-width mark
		{"𠀋", "𠀋/unknown"},                        // a Han character outside the dictionary
		{"café咖啡", "café/alnum 咖啡/word"},
		{"  运动鞋  ", "运动鞋/word"},
	} {
		var got []string
		for _, tok := range s.Segment(tc.in) {
			got = append(got, tok.Text+"/"+tok.Kind.String())
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("Segment(%q) = %q, want %q", tc.in, g, tc.want)
		}
	}
}

func TestSegmentBoundsLongInput(t *testing.T) {
	s := New(testDict(t))
	long := strings.Repeat("运动鞋", MaxInputBytes) // three times the limit
	toks := s.Segment(long)
	end := toks[len(toks)-1].End
	if end > MaxInputBytes {
		t.Fatalf("segmented %d bytes of a %d-byte input; the limit is %d", end, len(long), MaxInputBytes)
	}
}

// checkTokens verifies the invariants every segmentation keeps: tokens are
// in order, do not overlap, are non-empty substrings of the normalised text
// at their offsets, and together with the spaces between them cover it.
func checkTokens(t *testing.T, in string, toks []Token) {
	t.Helper()
	norm := Normalize(in)
	if len(in) > MaxInputBytes {
		return
	}
	pos := 0
	for _, tok := range toks {
		if tok.Start < pos || tok.End <= tok.Start || tok.End > len(norm) || norm[tok.Start:tok.End] != tok.Text {
			t.Fatalf("bad token %+v at %d in %q", tok, pos, norm)
		}
		if strings.TrimSpace(norm[pos:tok.Start]) != "" {
			t.Fatalf("text %q between tokens was dropped from %q", norm[pos:tok.Start], norm)
		}
		pos = tok.End
	}
	if strings.TrimSpace(norm[pos:]) != "" {
		t.Fatalf("tail %q was dropped from %q", norm[pos:], norm)
	}
}

func FuzzSegment(f *testing.F) {
	s := New(testDict(f))
	for _, seed := range []string{"舒适的鞋垫", "iPhone 15手机壳", "ｉＰｈｏｎｅ　１５", "1,000.5元", "a-b'c.d", "\xff\xfe鞋", "卡拉OK", "。，、", "𠀋𠀋"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		toks := s.Segment(in)
		if utf8.ValidString(in) {
			checkTokens(t, in, toks)
		}
	})
}
