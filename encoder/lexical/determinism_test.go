package lexical_test

import (
	"context"
	"slices"
	"testing"

	"github.com/driftrec/driftrec/encoder/lexical"
)

// TestEncodeIsDeterministic encodes texts with many features (so that
// some share a bucket) over and over: every call must give the same bits,
// or a profile rebuilt from the event log would differ from the one built
// live in its last bits.
func TestEncodeIsDeterministic(t *testing.T) {
	texts := []string{
		"two-person camping tent with a rain fly, aluminium poles and a footprint for wet ground",
		"性价比高的运动鞋 适合长跑 透气 轻便 防滑 耐磨 舒适的鞋垫",
	}
	enc := lexical.New(lexical.Options{Dim: 64}) // few buckets: many collisions
	first, err := enc.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for range 200 {
		again, err := lexical.New(lexical.Options{Dim: 64}).Encode(context.Background(), texts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range texts {
			if !slices.Equal(first[i], again[i]) {
				t.Fatalf("text %d encoded to different bits", i)
			}
		}
	}
}
