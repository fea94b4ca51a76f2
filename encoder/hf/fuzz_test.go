package hf

import "testing"

// FuzzParsePooling feeds arbitrary bytes to the Pooling config parser: it
// must fail or return modes that Apply can use.
func FuzzParsePooling(f *testing.F) {
	f.Add([]byte(`{"embedding_dimension": 64, "pooling_mode": "mean", "include_prompt": true}`))
	f.Add([]byte(`{"word_embedding_dimension": 32, "pooling_mode_max_tokens": true, "pooling_mode_cls_token": true}`))
	f.Add([]byte(`{"pooling_mode": ["cls_token", "lasttoken"], "include_prompt": false}`))
	f.Add([]byte(`{"pooling_mode": 7}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parsePooling(data)
		if err != nil {
			return
		}
		hidden := []float32{1, 2, 3, 4, 5, 6}
		for skip := range 4 {
			if got := p.Apply(hidden, 2, skip); len(got) != p.Dim(2) {
				t.Fatalf("pooled %d values, Dim says %d", len(got), p.Dim(2))
			}
		}
	})
}
