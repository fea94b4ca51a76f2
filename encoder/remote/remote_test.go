package remote_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/encoder/remote"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/inmem"
)

// driftrecServer serves driftrec's own /v1/embeddings with the lexical
// encoder.
func driftrecServer(t *testing.T) (*httptest.Server, *lexical.Encoder) {
	t.Helper()
	enc := lexical.New(lexical.Options{Dim: 256})
	eng, err := engine.Open(context.Background(), inmem.New(), enc, engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}).Handler())
	t.Cleanup(func() { srv.Close(); eng.Close() })
	return srv, enc
}

func TestAgainstDriftrecServer(t *testing.T) {
	srv, local := driftrecServer(t)
	ctx := context.Background()
	c, err := remote.New(ctx, remote.Config{BaseURL: srv.URL + "/v1", Model: "driftrec", BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if c.Dim() != 256 {
		t.Fatalf("learned dimension %d, want 256", c.Dim())
	}
	texts := []string{"running shoes", "跑鞋垫", "coffee mug", "bread", "camping tent", "", "insoles"}
	got, err := c.Encode(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := local.Encode(ctx, texts)
	for i := range texts {
		if len(got[i]) != 256 {
			t.Fatalf("text %d: %d dims", i, len(got[i]))
		}
		for j := range got[i] {
			if math.Abs(float64(got[i][j]-want[i][j])) > 1e-6 {
				t.Fatalf("text %q differs from the local encoder at %d", texts[i], j)
			}
		}
	}
	if !strings.HasPrefix(c.ID(), "remote:127.0.0.1:") {
		t.Fatalf("id %s", c.ID())
	}
}

func TestEmbeddingsEndpointErrors(t *testing.T) {
	srv, _ := driftrecServer(t)
	for _, tc := range []struct{ body, field string }{
		{`{"model":"m"}`, "input"},
		{`{"input":[1,2,3]}`, "input"},
		{`{"input":"x","encoding_format":"hex"}`, "encoding_format"},
		{`{"input":"x","dimensions":7}`, "dimensions"},
		{`{"input":"x","extra":1}`, "extra"},
	} {
		resp, err := http.Post(srv.URL+"/v1/embeddings", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Error struct{ Code, Field string } }
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 400 || e.Error.Field != tc.field {
			t.Errorf("%s: status %d field %q", tc.body, resp.StatusCode, e.Error.Field)
		}
	}
	// base64 answers decode to the same vectors.
	resp, err := http.Post(srv.URL+"/v1/embeddings", "application/json", strings.NewReader(`{"input":"running shoes","encoding_format":"base64"}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Data []struct{ Embedding string } }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if len(out.Data) != 1 {
		t.Fatalf("base64 answer: %+v", out)
	}
	raw, err := base64.StdEncoding.DecodeString(out.Data[0].Embedding)
	if err != nil || len(raw) != 4*256 {
		t.Fatalf("base64 vector: %d bytes, %v", len(raw), err)
	}
}

// flaky speaks the protocol but fails in scripted ways.
func flaky(t *testing.T, handler func(n int64, w http.ResponseWriter, r *http.Request)) *httptest.Server {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler(n.Add(1), w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func answer(w http.ResponseWriter, r *http.Request, dim int) {
	var req struct{ Input []string }
	json.NewDecoder(r.Body).Decode(&req)
	type item struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	var data []item
	for i := len(req.Input) - 1; i >= 0; i-- { // out of order on purpose
		v := make([]float32, dim)
		v[i%dim] = 1
		data = append(data, item{i, v})
	}
	json.NewEncoder(w).Encode(map[string]any{"data": data})
}

func TestRetriesAndChecks(t *testing.T) {
	ctx := context.Background()
	t.Run("retries 503 then succeeds, reorders by index", func(t *testing.T) {
		srv := flaky(t, func(n int64, w http.ResponseWriter, r *http.Request) {
			if n <= 2 {
				http.Error(w, `{"error":{"message":"loading"}}`, 503)
				return
			}
			answer(w, r, 4)
		})
		c, err := remote.New(ctx, remote.Config{BaseURL: srv.URL, Model: "m", Dim: 4, MaxRetries: 3})
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.Encode(ctx, []string{"a", "b"})
		if err != nil || v[0][0] != 1 || v[1][1] != 1 {
			t.Fatalf("%v %v", v, err)
		}
	})
	t.Run("gives up after retries with the server's message", func(t *testing.T) {
		srv := flaky(t, func(n int64, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			http.Error(w, `{"error":{"message":"rate limited"}}`, 429)
		})
		c, _ := remote.New(ctx, remote.Config{BaseURL: srv.URL, Model: "m", Dim: 4, MaxRetries: 1})
		_, err := c.Encode(ctx, []string{"a"})
		if err == nil || !strings.Contains(err.Error(), "rate limited") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("4xx is not retried", func(t *testing.T) {
		var calls atomic.Int64
		srv := flaky(t, func(n int64, w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			http.Error(w, `{"error":{"message":"model not found"}}`, 404)
		})
		c, _ := remote.New(ctx, remote.Config{BaseURL: srv.URL, Model: "m", Dim: 4, MaxRetries: 3})
		if _, err := c.Encode(ctx, []string{"a"}); err == nil || calls.Load() != 1 {
			t.Fatalf("err %v after %d calls", err, calls.Load())
		}
	})
	t.Run("wrong dimension", func(t *testing.T) {
		srv := flaky(t, func(n int64, w http.ResponseWriter, r *http.Request) { answer(w, r, 3) })
		c, _ := remote.New(ctx, remote.Config{BaseURL: srv.URL, Model: "m", Dim: 4})
		if _, err := c.Encode(ctx, []string{"a"}); err == nil || !strings.Contains(err.Error(), "dimensions") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("wrong count", func(t *testing.T) {
		srv := flaky(t, func(n int64, w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"data":[{"index":0,"embedding":[1,0]}]}`))
		})
		c, _ := remote.New(ctx, remote.Config{BaseURL: srv.URL, Model: "m", Dim: 2, MaxRetries: 3})
		if _, err := c.Encode(ctx, []string{"a", "b"}); err == nil || !strings.Contains(err.Error(), "asked for 2") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv := flaky(t, func(n int64, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		})
		c, _ := remote.New(ctx, remote.Config{BaseURL: srv.URL, Model: "m", Dim: 2, Timeout: 50 * time.Millisecond, MaxRetries: 1})
		if _, err := c.Encode(ctx, []string{"a"}); err == nil {
			t.Fatal("want a timeout error")
		}
	})
	t.Run("bad config", func(t *testing.T) {
		if _, err := remote.New(ctx, remote.Config{BaseURL: "ftp://x", Model: "m", Dim: 2}); err == nil {
			t.Fatal("want error for a non-HTTP URL")
		}
		if _, err := remote.New(ctx, remote.Config{BaseURL: "http://x"}); err == nil {
			t.Fatal("want error without a model")
		}
	})
}
