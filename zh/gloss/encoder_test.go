package gloss

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// recorder is an inner encoder that remembers what it was asked to encode.
type recorder struct{ got []string }

func (r *recorder) ID() string { return "rec/1" }
func (r *recorder) Dim() int   { return 2 }
func (r *recorder) Encode(_ context.Context, texts []string) ([][]float32, error) {
	r.got = append(r.got, texts...)
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1, float32(len(texts[i]))}
	}
	return out, nil
}

func TestEncoderGlossesOnlyChinese(t *testing.T) {
	rec := &recorder{}
	enc := NewEncoder(New(realDict(t), Options{}), rec)
	in := []string{"舒适的鞋垫", "running shoes", "iPhone 15手机壳", "的了吗", ""}
	vecs, err := enc.Encode(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cozy insole", "running shoes", "iPhone 15 cell phone case", "的了吗", ""}
	if !slices.Equal(rec.got, want) || len(vecs) != len(in) {
		t.Errorf("inner encoder saw %q, want %q", rec.got, want)
	}
	if !strings.HasPrefix(enc.ID(), "rec/1+cedict-gloss/v1/") || !strings.HasSuffix(enc.ID(), "/s1") || enc.Dim() != 2 {
		t.Errorf("ID %q, Dim %d", enc.ID(), enc.Dim())
	}
	if NewEncoder(New(realDict(t), Options{Synonyms: 3}), rec).ID() == enc.ID() {
		t.Error("encoders with different synonym counts share an ID")
	}
}

// TestGlossConcurrent runs one glosser from several goroutines; with -race
// it checks that glossing shares nothing mutable.
func TestGlossConcurrent(t *testing.T) {
	g := New(realDict(t), Options{Synonyms: 2})
	want, _ := g.Gloss("舒适的鞋垫")
	done := make(chan string, 8)
	for range 8 {
		go func() {
			var got string
			for range 50 {
				got, _ = g.Gloss("舒适的鞋垫")
			}
			done <- got
		}()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Errorf("concurrent gloss %q, want %q", got, want)
		}
	}
}
