package eval

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/encoder/lexical"
)

// countingEncoder counts the texts it was asked to encode.
type countingEncoder struct {
	*lexical.Encoder
	n int
}

func (c *countingEncoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	c.n += len(texts)
	return c.Encoder.Encode(ctx, texts)
}

func TestCachedEncoder(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	inner := &countingEncoder{Encoder: lexical.New(lexical.Options{Dim: 64})}
	c, err := NewCachedEncoder(inner, dir)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"toy story", "heat", "toy story"}
	first, err := c.Encode(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	// A second process: a fresh cache over the same encoder finds both
	// texts on disk and encodes nothing.
	inner2 := &countingEncoder{Encoder: lexical.New(lexical.Options{Dim: 64})}
	c2, err := NewCachedEncoder(inner2, dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c2.Encode(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if inner2.n != 0 || !reflect.DeepEqual(first, again) {
		t.Fatalf("encoded %d texts again; vectors equal: %v", inner2.n, reflect.DeepEqual(first, again))
	}
	if c2.ID() != inner.ID() || c2.Dim() != 64 {
		t.Errorf("ID %q dim %d", c2.ID(), c2.Dim())
	}

	// A cache file from another encoder or a damaged one is an error.
	files, _ := filepath.Glob(filepath.Join(dir, "embeddings-*.bin"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	raw, _ := os.ReadFile(files[0])
	if err := os.WriteFile(files[0], raw[:len(raw)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewCachedEncoder(inner, dir); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated cache: %v", err)
	}
}

func FuzzEmbeddingCache(f *testing.F) {
	dir := f.TempDir()
	enc := lexical.New(lexical.Options{Dim: 8})
	c, err := NewCachedEncoder(enc, dir)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := c.Encode(context.Background(), []string{"a", "b"}); err != nil {
		f.Fatal(err)
	}
	if err := c.Save(); err != nil {
		f.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "embeddings-*.bin"))
	good, _ := os.ReadFile(files[0])
	f.Add(good)
	f.Add([]byte(cacheMagic))
	f.Add([]byte(cacheMagic + "\xff\xff\xff\xff\x0f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &CachedEncoder{inner: enc, vecs: map[[16]byte][]float32{}}
		if err := c.read(bufio.NewReader(bytes.NewReader(data))); err != nil {
			return
		}
		for _, v := range c.vecs {
			if len(v) != enc.Dim() {
				t.Fatalf("vector of length %d accepted", len(v))
			}
		}
	})
}
