package relevance

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// toyEncoder maps a text to counts of a few marker words, so that expected
// ranks can be worked out by hand.
type toyEncoder struct{ err error }

var toyVocab = []string{"鞋", "杯", "面包", "shoe"}

func (toyEncoder) ID() string { return "toy" }
func (toyEncoder) Dim() int   { return len(toyVocab) }
func (e toyEncoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	if e.err != nil {
		return nil, e.err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = make([]float32, len(toyVocab))
		for k, w := range toyVocab {
			out[i][k] = float32(strings.Count(t, w))
		}
	}
	return out, nil
}

const toySet = `{"name": "toy", "queries": [
 {"id": "a", "domain": "shop", "query": "鞋", "candidates": ["杯", "运动鞋", "面包"], "relevant": "运动鞋", "shares_chars": true},
 {"id": "b", "domain": "shop", "query": "杯子", "candidates": ["面包", "鞋", "玻璃杯"], "relevant": "玻璃杯", "shares_chars": true},
 {"id": "c", "domain": "food", "query": "吃的", "candidates": ["鞋", "面包", "杯"], "relevant": "面包", "shares_chars": false},
 {"id": "d", "domain": "food", "query": "鞋", "candidates": ["皮鞋", "跑鞋", "杯"], "relevant": "跑鞋", "shares_chars": true}
]}`

func TestEvaluateToy(t *testing.T) {
	set, err := Parse([]byte(toySet))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), toyEncoder{}, set)
	if err != nil {
		t.Fatal(err)
	}
	// a: 运动鞋 alone matches → rank 1. b: 玻璃杯 alone → 1.
	// c: 吃的 is the zero vector, every score is 0 → 1 + 2/2 = 2.
	// d: 皮鞋 and 跑鞋 tie → 1 + 1/2 = 1.5.
	want := map[string]float64{"a": 1, "b": 1, "c": 2, "d": 1.5}
	for id, r := range want {
		if res.Ranks[id] != r {
			t.Errorf("rank of %s = %v, want %v", id, res.Ranks[id], r)
		}
	}
	near := func(name string, got, want float64) {
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("all top1", res.All.Top1, 0.5)
	near("all MRR", res.All.MRR, (1+1+0.5+1/1.5)/4)
	near("shared top1", res.Shared.Top1, 2.0/3)
	near("no-shared MRR", res.NoShared.MRR, 0.5)
	if res.Shared.Queries != 3 || res.NoShared.Queries != 1 {
		t.Errorf("slices hold %d and %d queries", res.Shared.Queries, res.NoShared.Queries)
	}
	near("food MRR", res.ByDomain["food"].MRR, (0.5+1/1.5)/2)
}

func TestEvaluateErrors(t *testing.T) {
	set, err := Parse([]byte(toySet))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if _, err := Evaluate(context.Background(), toyEncoder{err: boom}, set); !errors.Is(err, boom) {
		t.Errorf("encoder error not passed on: %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ name, set, want string }{
		{"not json", `{`, "decoding"},
		{"no queries", `{"name": "x", "queries": []}`, "no queries"},
		{"no id", `{"queries": [{"query": "鞋", "candidates": ["鞋", "杯"], "relevant": "鞋", "shares_chars": true}]}`, "no id"},
		{"duplicate id", `{"queries": [{"id": "a", "query": "鞋", "candidates": ["鞋", "杯"], "relevant": "鞋", "shares_chars": true},
			{"id": "a", "query": "鞋", "candidates": ["鞋", "杯"], "relevant": "鞋", "shares_chars": true}]}`, "duplicate"},
		{"one candidate", `{"queries": [{"id": "a", "query": "鞋", "candidates": ["鞋"], "relevant": "鞋", "shares_chars": true}]}`, "candidates"},
		{"repeated candidate", `{"queries": [{"id": "a", "query": "鞋", "candidates": ["鞋", "鞋"], "relevant": "鞋", "shares_chars": true}]}`, "twice"},
		{"relevant missing", `{"queries": [{"id": "a", "query": "鞋", "candidates": ["跑鞋", "杯"], "relevant": "鞋", "shares_chars": true}]}`, "not a candidate"},
		{"wrong slice", `{"queries": [{"id": "a", "query": "机票", "candidates": ["航班", "杯"], "relevant": "航班", "shares_chars": true}]}`, "shares_chars"},
		{"empty query", `{"queries": [{"id": "a", "query": "", "candidates": ["航班", "杯"], "relevant": "航班"}]}`, "query must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.set))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(toySet)
	f.Add(`{"queries": [{"id": "a", "query": "鞋", "candidates": ["鞋", "杯"], "relevant": "鞋", "shares_chars": true}]}`)
	f.Add(`{"queries": null}`)
	f.Fuzz(func(t *testing.T, data string) {
		set, err := Parse([]byte(data))
		if err != nil {
			return
		}
		if _, err := Evaluate(context.Background(), toyEncoder{}, set); err != nil {
			t.Fatalf("a valid set failed to evaluate: %v", err)
		}
	})
}

// TestCommittedSets checks the labelled sets against what the issue asks
// for: over 100 Chinese queries across shopping, video, news and travel,
// both slices well populated, and a cross-lingual MovieLens set.
func TestCommittedSets(t *testing.T) {
	zh, err := Load(filepath.Join("..", "testdata", "relevance-zh.json"))
	if err != nil {
		t.Fatal(err)
	}
	domains := map[string]int{}
	shared := 0
	english := 0
	for _, q := range zh.Queries {
		domains[q.Domain]++
		if q.SharesChars {
			shared++
		}
		if !strings.ContainsFunc(q.Relevant, func(r rune) bool { return r > 0x2e80 }) {
			english++
		}
	}
	if len(zh.Queries) < 100 {
		t.Errorf("%d queries; want at least 100", len(zh.Queries))
	}
	for _, d := range []string{"shopping", "video", "news", "travel"} {
		if domains[d] < 25 {
			t.Errorf("%s has %d queries; want at least 25", d, domains[d])
		}
	}
	if shared < 40 || len(zh.Queries)-shared < 40 {
		t.Errorf("%d shared and %d no-shared queries; want at least 40 of each", shared, len(zh.Queries)-shared)
	}
	if english < 10 {
		t.Errorf("%d queries have an English relevant item; want at least 10", english)
	}
	ml, err := Load(filepath.Join("..", "testdata", "relevance-movielens.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ml.Queries) < 40 {
		t.Errorf("MovieLens set has %d queries; want at least 40", len(ml.Queries))
	}
	t.Logf("zh: %d queries (%d shared, %d no-shared, %d with an English answer), domains %v; movielens: %d queries",
		len(zh.Queries), shared, len(zh.Queries)-shared, english, domains, len(ml.Queries))
}
