package cedict

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func smallDict() *Dict {
	return New([]Entry{
		{Traditional: "鞋", Simplified: "鞋", Pinyin: "xie2", Senses: []string{"shoe"},
			Classifiers: []Ref{{"雙", "双", "shuang1"}, {"隻", "只", "zhi1"}}},
		{Traditional: "鞵", Simplified: "鞋", Pinyin: "xie2", Senses: []string{"variant of 鞋[xie2]"},
			VariantOf: []Ref{{"鞋", "鞋", "xie2"}}},
		{Traditional: "鞋墊", Simplified: "鞋垫", Pinyin: "xie2 dian4", Senses: []string{"insole", "shoe insert"}},
	}, Source{Size: 3})
}

func FuzzDecode(f *testing.F) {
	good := smallDict().Encode()
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(good[:headerSize])
	f.Add([]byte{})
	f.Add([]byte("DRCEDICT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error does not wrap ErrCorrupt or ErrVersion: %v", err)
			}
			return
		}
		// Whatever decodes must survive a round trip and every accessor.
		if !bytes.Equal(mustDecode(t, d.Encode()).Encode(), d.Encode()) {
			t.Fatal("round trip changed the dictionary")
		}
		for w := range d.Words() {
			for e := range d.Lookup(w) {
				_ = e.ProperNoun() || e.OnlyVariant()
			}
		}
	})
}

func mustDecode(t *testing.T, data []byte) *Dict {
	d, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func FuzzParseSource(f *testing.F) {
	f.Add(`export default {"all":[["鞋","鞋","xie2","shoe",[],[0]]],"variantLookup":[],"classifierLookup":[["雙","双","shuang1"]]}`)
	f.Add(`export default {"all":[["鞵","鞋","xie2",["variant of 鞋[xie2]"],[0],[]]],"variantLookup":[["鞋","鞋","xie2"]],"classifierLookup":[]}`)
	f.Add(`export default {"all":[["a","a","b","c",[5],[]]],"variantLookup":[],"classifierLookup":[]}`)
	f.Add(`export default {"all":[]}`)
	f.Add(`export default [`)
	f.Add(`module.exports = {}`)
	f.Fuzz(func(t *testing.T, src string) {
		entries, err := ParseSource(context.Background(), strings.NewReader(src))
		if err != nil {
			return
		}
		d := New(entries, Source{})
		if _, err := Decode(d.Encode()); err != nil {
			t.Fatalf("parsed source does not survive encoding: %v", err)
		}
	})
}

func TestParseSourceErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"no prefix", `{"all":[]}`, "does not start"},
		{"no entries", `export default {"all":[]}`, "no entries"},
		{"short entry", `export default {"all":[["a","a","b"]]}`, "3 fields"},
		{"bad ref", `export default {"all":[["a","a","b","c",[2],[]]],"variantLookup":[["x","x","y"]]}`, "out of range"},
		{"empty headword", `export default {"all":[["","a","b","c",[],[]]]}`, "empty headword"},
		{"bad senses", `export default {"all":[["a","a","b",7,[],[]]]}`, "senses"},
		{"truncated", `export default {"all":[["a","a"`, "decoding"},
		{"bad lookup row", `export default {"all":[["a","a","b","c",[],[]]],"classifierLookup":[["x"]]}`, "1 fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSource(context.Background(), strings.NewReader(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestIsVariantNote(t *testing.T) {
	for _, tc := range []struct {
		sense string
		want  bool
	}{
		{"variant of 鞋[xie2]", true},
		{"old variant of 為|为[wei4]", true},
		{"erhua variant of 一點|一点[yi1 dian3]", true},
		{"(literary) variant of 託|托[tuo1]", true},
		{"variant of 㛃|洁[jie2] (mostly used in given names)", true},
		{"Japanese variant of 團|团", true},
		{"to obtain (old variant of 得[de2])", false},
		{"to understand clearly (variant of 瞭|了[liao3])", false},
		{"a variant of the game", false},
		{"shoe", false},
		{"variant of", false},
	} {
		if got := IsVariantNote(tc.sense); got != tc.want {
			t.Errorf("IsVariantNote(%q) = %v, want %v", tc.sense, got, tc.want)
		}
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	good := smallDict().Encode()
	for _, tc := range []struct {
		name string
		edit func([]byte) []byte
	}{
		{"flipped body byte", func(b []byte) []byte { b[headerSize+2] ^= 1; return b }},
		{"flipped checksum", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-5] }},
		{"extended", func(b []byte) []byte { return append(b, 0) }},
		{"bad magic", func(b []byte) []byte { b[0] = 'X'; return b }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.edit(bytes.Clone(good)))
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
}
