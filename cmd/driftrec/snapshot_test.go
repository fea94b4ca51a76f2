package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/index"
)

// TestIndexSnapshotLoader checks what the server accepts from an index
// snapshot: a graph of the configured vector storage, given the configured
// search parameters, wrapped as the configured kind; anything else is
// refused so that the engine builds the index instead.
func TestIndexSnapshotLoader(t *testing.T) {
	ctx := context.Background()
	g, err := index.NewHNSW(index.HNSWConfig{Storage: index.Int8, EfSearch: 24, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := g.Add(fmt.Sprint(i), []float32{float32(i), 1, float32(i % 7)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	var snap bytes.Buffer
	if err := g.Save(ctx, &snap); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		cfg      index.Config
		wantType string
		wantEf   int // checked where the graph is reachable (HNSW)
		wantErr  bool
	}{
		{"auto, default ef", index.Config{Kind: index.KindAuto, HNSW: index.HNSWConfig{Storage: index.Int8}}, "*index.Auto", index.DefaultEfSearch, false},
		{"hnsw, ef 40", index.Config{Kind: index.KindHNSW, HNSW: index.HNSWConfig{Storage: index.Int8, EfSearch: 40}}, "*index.HNSW", 40, false},
		{"another storage", index.Config{Kind: index.KindAuto, HNSW: index.HNSWConfig{Storage: index.Float32}}, "", 0, true},
		{"exact", index.Config{Kind: index.KindExact}, "", 0, true},
		{"same M", index.Config{Kind: index.KindHNSW, HNSW: index.HNSWConfig{Storage: index.Int8, M: 16}}, "*index.HNSW", index.DefaultEfSearch, false},
		{"another M", index.Config{Kind: index.KindAuto, HNSW: index.HNSWConfig{Storage: index.Int8, M: 10}}, "", 0, true},
	} {
		idx, err := indexSnapshotLoader(tc.cfg)(ctx, bytes.NewReader(snap.Bytes()))
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s: accepted", tc.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := fmt.Sprintf("%T", idx); got != tc.wantType {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.wantType)
		}
		if idx.Len() != 50 {
			t.Errorf("%s: %d items", tc.name, idx.Len())
		}
		switch x := idx.(type) {
		case *index.HNSW:
			if ef := x.Config().EfSearch; ef != tc.wantEf {
				t.Errorf("%s: ef %d, want %d", tc.name, ef, tc.wantEf)
			}
		case *index.Auto:
			if x.Kind() != "hnsw" {
				t.Errorf("%s: Auto serves %s", tc.name, x.Kind())
			}
		}
	}
}

func TestIndexConfigFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c       common
		wantM   int
		wantErr string
	}{
		{"defaults", common{annStorage: "int4"}, 0, ""},
		{"int8", common{annStorage: "int8"}, 0, ""},
		{"M 10", common{annStorage: "int8", annM: 10}, 10, ""},
		{"M 1", common{annStorage: "int8", annM: 1}, 0, "-ann-m"},
		{"M 500", common{annStorage: "int8", annM: 500}, 0, "-ann-m"},
		{"negative M", common{annStorage: "int8", annM: -3}, 0, "-ann-m"},
		{"negative ef", common{annStorage: "int8", annEf: -1}, 0, "-ann-ef"},
		{"unknown storage", common{annStorage: "int2"}, 0, "-ann-storage"},
	} {
		cfg, err := tc.c.indexConfig(nil)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || cfg.HNSW.M != tc.wantM {
			t.Errorf("%s: M %d, error %v", tc.name, cfg.HNSW.M, err)
		}
	}
}
