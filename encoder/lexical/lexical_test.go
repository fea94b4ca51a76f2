package lexical

import (
	"context"
	"math"
	"testing"
)

func cos(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return d / math.Sqrt(na*nb)
}

func encode(t *testing.T, e *Encoder, texts ...string) [][]float32 {
	t.Helper()
	v, err := e.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFeatures(t *testing.T) {
	tests := []struct {
		text string
		want []string
		not  []string
	}{
		{"Running shoes", []string{"w:running", "w:shoes", "b:running shoes", "t:<ru", "t:es>"}, nil},
		{"跑鞋垫", []string{"h:跑", "h:鞋", "h:垫", "p:跑鞋", "p:鞋垫"}, []string{"p:跑垫"}},
		{"ＡＢＣ shoes", []string{"w:abc"}, nil},                  // full-width folded by NFKC
		{"don't stop", []string{"w:dont", "b:dont stop"}, nil}, // apostrophes join
		{"red, shoes", []string{"w:red", "w:shoes"}, []string{"b:red shoes"}},
		{"iPhone手机壳", []string{"w:iphone", "p:手机", "p:机壳"}, nil},
		{"", nil, []string{"w:"}},
	}
	for _, tc := range tests {
		f := Features(tc.text)
		for _, w := range tc.want {
			if f[w] == 0 {
				t.Errorf("Features(%q) lacks %q; got %v", tc.text, w, f)
			}
		}
		for _, w := range tc.not {
			if f[w] != 0 {
				t.Errorf("Features(%q) has %q", tc.text, w)
			}
		}
	}
}

func TestSeedExampleChinese(t *testing.T) {
	e := New(Options{})
	catalogue := []string{"跑步鞋", "咖啡杯", "面包", "跑鞋垫"}
	e.Fit(catalogue)
	items := encode(t, e, catalogue...)
	q := encode(t, e, "舒适的鞋垫")[0]
	best, bestSim := -1, -2.0
	for i, v := range items {
		if s := cos(q, v); s > bestSim {
			best, bestSim = i, s
		}
	}
	if catalogue[best] != "跑鞋垫" {
		t.Fatalf("query 舒适的鞋垫 matched %s, want 跑鞋垫", catalogue[best])
	}
}

func TestRelatedTextsAreCloser(t *testing.T) {
	e := New(Options{})
	e.Fit([]string{"running shoes", "coffee mug", "fresh bread", "trail running shoe", "ceramic mug"})
	v := encode(t, e, "running shoes", "running shoe for trails", "coffee mug")
	if a, b := cos(v[0], v[1]), cos(v[0], v[2]); a <= b {
		t.Fatalf("cos(running shoes, running shoe for trails)=%.3f should exceed cos(running shoes, coffee mug)=%.3f", a, b)
	}
}

func TestUnitLengthAndZero(t *testing.T) {
	e := New(Options{Dim: 64})
	v := encode(t, e, "hello world", "", "!!!")
	if n := cos(v[0], v[0]); math.Abs(n-1) > 1e-6 {
		t.Fatalf("self cosine %v", n)
	}
	var s float64
	for _, x := range v[0] {
		s += float64(x * x)
	}
	if math.Abs(s-1) > 1e-5 {
		t.Fatalf("norm² = %v, want 1", s)
	}
	for _, z := range v[1:] {
		for _, x := range z {
			if x != 0 {
				t.Fatalf("featureless text must give the zero vector")
			}
		}
	}
	if len(v[0]) != 64 || e.Dim() != 64 {
		t.Fatalf("dim %d", len(v[0]))
	}
}

func TestIDChangesWithFit(t *testing.T) {
	e := New(Options{})
	id0 := e.ID()
	e.Fit([]string{"a b c"})
	id1 := e.ID()
	e.Fit([]string{"a b c"})
	if id1 == id0 {
		t.Fatal("ID must change after fitting")
	}
	if e.ID() != id1 {
		t.Fatal("ID must be a function of the statistics")
	}
}

func TestStateRoundTrip(t *testing.T) {
	e := New(Options{})
	e.Fit([]string{"running shoes", "跑鞋垫", "coffee"})
	f := New(Options{})
	if err := f.LoadState(e.State()); err != nil {
		t.Fatal(err)
	}
	if e.ID() != f.ID() || f.Documents() != 3 {
		t.Fatalf("ids %s vs %s", e.ID(), f.ID())
	}
	a, b := encode(t, e, "running 鞋"), encode(t, f, "running 鞋")
	for i := range a[0] {
		if a[0][i] != b[0][i] {
			t.Fatal("vectors differ after state round trip")
		}
	}
	if err := New(Options{Dim: 8}).LoadState(e.State()); err == nil {
		t.Fatal("loading state of another dimension must fail")
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(Options{}).Encode(ctx, []string{"x"}); err == nil {
		t.Fatal("want error for cancelled context")
	}
}

func FuzzLoadState(f *testing.F) {
	e := New(Options{Dim: 16})
	e.Fit([]string{"a", "b c"})
	f.Add(e.State())
	f.Add([]byte("LX\x01\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = New(Options{Dim: 16}).LoadState(b)
	})
}

func FuzzEncode(f *testing.F) {
	for _, s := range []string{"跑鞋垫", "don't", "\xff\xfe", "a\u0301", "ＡＢＣ"} {
		f.Add(s)
	}
	e := New(Options{Dim: 32})
	f.Fuzz(func(t *testing.T, s string) {
		v, err := e.Encode(context.Background(), []string{s})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range v[0] {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("non-finite component for %q", s)
			}
		}
	})
}

func BenchmarkEncodeQuery(b *testing.B) {
	e := New(Options{})
	e.Fit([]string{"running shoes", "coffee mug", "跑鞋垫"})
	ctx := context.Background()
	texts := []string{"comfortable insoles for running shoes"}
	for b.Loop() {
		if _, err := e.Encode(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
}
