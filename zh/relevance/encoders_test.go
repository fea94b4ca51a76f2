package relevance

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/encoder/uselite"
	"github.com/driftrec/driftrec/zh/cedict"
	"github.com/driftrec/driftrec/zh/gloss"
)

func modelsRoot() string {
	if root := os.Getenv("DRIFTREC_MODELS"); root != "" {
		return root
	}
	return filepath.Join("..", "..", "models")
}

// concatEncoder joins the unit-normalised vectors of several encoders, each
// scaled by its weight, so that cosine similarity is the weighted mean of
// the parts' cosines. It is the simplest combination of lexical and
// semantic evidence, here only to show what combining buys on these sets.
type concatEncoder struct {
	parts   []driftrec.Encoder
	weights []float64
}

func (c concatEncoder) ID() string {
	var ids []string
	for i, p := range c.parts {
		ids = append(ids, fmt.Sprintf("%g·%s", c.weights[i], p.ID()))
	}
	return strings.Join(ids, " ⊕ ")
}

func (c concatEncoder) Dim() int {
	n := 0
	for _, p := range c.parts {
		n += p.Dim()
	}
	return n
}

func (c concatEncoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = make([]float32, 0, c.Dim())
	}
	for k, p := range c.parts {
		vecs, err := p.Encode(ctx, texts)
		if err != nil {
			return nil, err
		}
		w := math.Sqrt(c.weights[k])
		for i, v := range vecs {
			var n float64
			for _, x := range v {
				n += float64(x) * float64(x)
			}
			scale := 0.0
			if n > 0 {
				scale = w / math.Sqrt(n)
			}
			for _, x := range v {
				out[i] = append(out[i], float32(float64(x)*scale))
			}
		}
	}
	return out, nil
}

// TestEncodersOnRelevanceSets runs the labelled sets through the encoders
// the issue compares: lexical (character n-grams), USE-Lite on the raw text
// (Chinese is unknown to it), USE-Lite on CC-CEDICT glosses, and glosses
// combined with lexical features. It asserts the premise of the bridge:
// glossing makes USE-Lite rank better than it does on raw Chinese, above
// all where the query and the answer share no character.
func TestEncodersOnRelevanceSets(t *testing.T) {
	if testing.Short() {
		t.Skip("loads USE-Lite and CC-CEDICT; run without -short")
	}
	ctx := context.Background()
	use, err := uselite.Load(filepath.Join(modelsRoot(), "use-lite"))
	if err != nil {
		t.Fatalf("USE-Lite (run scripts/fetch-models.sh): %v", err)
	}
	dict, err := cedict.Open(ctx, filepath.Join(modelsRoot(), "cc-cedict"), cedict.Options{})
	if err != nil {
		t.Fatalf("CC-CEDICT (run scripts/fetch-models.sh): %v", err)
	}
	bridged := gloss.NewEncoder(gloss.New(dict, gloss.Options{}), use)
	bridged3 := gloss.NewEncoder(gloss.New(dict, gloss.Options{Synonyms: 3}), use)

	for _, file := range []string{"relevance-zh.json", "relevance-movielens.json"} {
		set, err := Load(filepath.Join("..", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		// The lexical encoder's IDF is fitted on the set's own texts, as it
		// would be on a catalogue.
		lex := lexical.New(lexical.Options{})
		var corpus []string
		for _, q := range set.Queries {
			corpus = append(corpus, q.Candidates...)
		}
		lex.Fit(corpus)
		encoders := []struct {
			name string
			enc  driftrec.Encoder
		}{
			{"lexical", lex},
			{"USE-Lite raw", use},
			{"USE-Lite gloss", bridged},
			{"USE-Lite gloss, 3 synonyms", bridged3},
			{"gloss ⊕ lexical (1:1)", concatEncoder{[]driftrec.Encoder{bridged, lex}, []float64{1, 1}}},
			{"gloss-3 ⊕ lexical (1:1)", concatEncoder{[]driftrec.Encoder{bridged3, lex}, []float64{1, 1}}},
		}
		results := map[string]Result{}
		t.Logf("%s (%d queries; chance top-1 0.20, MRR 0.46)", set.Name, len(set.Queries))
		t.Logf("%-28s %-13s %-13s %-13s", "encoder", "all t1/MRR", "shared", "no shared")
		for _, e := range encoders {
			r, err := Evaluate(ctx, e.enc, set)
			if err != nil {
				t.Fatal(err)
			}
			results[e.name] = r
			t.Logf("%-28s %.3f/%.3f   %.3f/%.3f   %.3f/%.3f", e.name, r.All.Top1, r.All.MRR,
				r.Shared.Top1, r.Shared.MRR, r.NoShared.Top1, r.NoShared.MRR)
		}
		raw, gl := results["USE-Lite raw"], results["USE-Lite gloss"]
		if gl.All.MRR <= raw.All.MRR || gl.NoShared.MRR <= raw.NoShared.MRR {
			t.Errorf("%s: glossing did not help USE-Lite: MRR %.3f→%.3f overall, %.3f→%.3f with no shared characters",
				set.Name, raw.All.MRR, gl.All.MRR, raw.NoShared.MRR, gl.NoShared.MRR)
		}
	}
}
