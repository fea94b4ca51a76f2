// Package remote is a client for embedding servers that speak the
// OpenAI-compatible /v1/embeddings protocol (Ollama, vLLM, Hugging Face
// TEI, OpenAI, and driftrec itself), as a driftrec.Encoder.
//
// Texts are sent in batches; each request has a timeout; 429 and 5xx
// answers and network errors are retried with exponential backoff and
// jitter (honouring Retry-After); every answer is checked for the number,
// order and dimension of its vectors, so a misconfigured server fails
// loudly instead of corrupting profiles.
package remote

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config configures a Client.
type Config struct {
	// BaseURL is the server's address up to and excluding "/embeddings",
	// e.g. "http://127.0.0.1:11434/v1".
	BaseURL string
	// Model is the model name sent with every request.
	Model string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// Dim is the expected dimension; 0 learns it from the first answer and
	// then holds every later answer to it.
	Dim int
	// BatchSize is the number of texts per request (default 64).
	BatchSize int
	// Timeout bounds each request (default 30s).
	Timeout time.Duration
	// MaxRetries is the number of retries after a failed request
	// (default 3).
	MaxRetries int
	// HTTPClient overrides the HTTP client (default: one with Timeout).
	HTTPClient *http.Client
}

// Client is a remote encoder. It is safe for concurrent use.
type Client struct {
	cfg  Config
	url  string
	http *http.Client
	dim  chan int // holds the dimension once known (capacity 1)
}

// New returns a client. If cfg.Dim is 0 the dimension is learned by an
// initial request for one short text, so that Dim() is known before use;
// ctx bounds that probe.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, errors.New("remote encoder: base URL and model are required")
	}
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/") + "/embeddings")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("remote encoder: invalid base URL %q", cfg.BaseURL)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	} else if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	c := &Client{cfg: cfg, url: u.String(), http: hc, dim: make(chan int, 1)}
	if cfg.Dim > 0 {
		c.dim <- cfg.Dim
		return c, nil
	}
	vecs, err := c.request(ctx, []string{"dimension probe"})
	if err != nil {
		return nil, fmt.Errorf("remote encoder: probing the dimension: %w", err)
	}
	c.dim <- len(vecs[0])
	return c, nil
}

// ID implements driftrec.Encoder: the server's host and the model.
func (c *Client) ID() string {
	u, _ := url.Parse(c.url)
	return "remote:" + u.Host + "/" + c.cfg.Model
}

// Dim implements driftrec.Encoder.
func (c *Client) Dim() int {
	d := <-c.dim
	c.dim <- d
	return d
}

// Encode implements driftrec.Encoder.
func (c *Client) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += c.cfg.BatchSize {
		end := min(start+c.cfg.BatchSize, len(texts))
		vecs, err := c.request(ctx, texts[start:end])
		if err != nil {
			return nil, err
		}
		want := c.Dim()
		for i, v := range vecs {
			if len(v) != want {
				return nil, fmt.Errorf("remote encoder: vector %d has %d dimensions, expected %d (is the model right?)", start+i, len(v), want)
			}
		}
		out = append(out, vecs...)
	}
	return out, nil
}

type request struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	EncodingFormat string   `json:"encoding_format"`
}

type response struct {
	Data []struct {
		Index     int             `json:"index"`
		Embedding json.RawMessage `json:"embedding"`
	} `json:"data"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// statusError is a non-2xx answer.
type statusError struct {
	code       int
	msg        string
	retryAfter time.Duration
}

func (e *statusError) Error() string {
	return fmt.Sprintf("server answered %d: %s", e.code, e.msg)
}

func retryable(err error) (bool, time.Duration) {
	var se *statusError
	if errors.As(err, &se) {
		return se.code == http.StatusTooManyRequests || se.code >= 500, se.retryAfter
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		return false, 0
	}
	return true, 0 // network errors, timeouts
}

// permanentError is a well-formed exchange whose content is wrong.
type permanentError struct{ error }

func (c *Client) request(ctx context.Context, texts []string) ([][]float32, error) {
	body, err := json.Marshal(request{Model: c.cfg.Model, Input: texts, EncodingFormat: "float"})
	if err != nil {
		return nil, fmt.Errorf("remote encoder: %w", err)
	}
	var last error
	for attempt := 0; attempt <= c.cfg.MaxRetries; attempt++ {
		if attempt > 0 {
			ok, after := retryable(last)
			if !ok {
				break
			}
			wait := time.Duration(float64(200*time.Millisecond) * math.Pow(2, float64(attempt-1)) * (0.5 + rand.Float64()))
			if after > wait {
				wait = after
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("remote encoder: %w (last error: %v)", ctx.Err(), last)
			case <-time.After(wait):
			}
		}
		vecs, err := c.once(ctx, body, len(texts))
		if err == nil {
			return vecs, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("remote encoder: %w", ctx.Err())
		}
		last = err
	}
	return nil, fmt.Errorf("remote encoder %s: %w", c.url, last)
}

func (c *Client) once(ctx context.Context, body []byte, n int) ([][]float32, error) {
	rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, &permanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	// 64 MiB bounds an answer: 64 texts × 4096 floats as JSON is ~5 MiB.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	var r response
	jerr := json.Unmarshal(raw, &r)
	if resp.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(raw))
		if jerr == nil && r.Error != nil {
			msg = r.Error.Message
		}
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		var after time.Duration
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			after = time.Duration(s) * time.Second
		}
		return nil, &statusError{code: resp.StatusCode, msg: msg, retryAfter: after}
	}
	if jerr != nil {
		return nil, &permanentError{fmt.Errorf("malformed answer: %v", jerr)}
	}
	if len(r.Data) != n {
		return nil, &permanentError{fmt.Errorf("asked for %d vectors, got %d", n, len(r.Data))}
	}
	out := make([][]float32, n)
	for _, d := range r.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, &permanentError{fmt.Errorf("answer has a missing or repeated index %d", d.Index)}
		}
		v, err := decodeVector(d.Embedding)
		if err != nil {
			return nil, &permanentError{fmt.Errorf("vector %d: %v", d.Index, err)}
		}
		out[d.Index] = v
	}
	return out, nil
}

// decodeVector reads a JSON array of numbers or a base64 string of
// little-endian float32s (encoding_format "base64").
func decodeVector(raw json.RawMessage) ([]float32, error) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b)%4 != 0 {
			return nil, errors.New("invalid base64 vector")
		}
		v := make([]float32, len(b)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return v, nil
	}
	var f []float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, err
	}
	if len(f) == 0 {
		return nil, errors.New("empty vector")
	}
	v := make([]float32, len(f))
	for i, x := range f {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errors.New("non-finite component")
		}
		v[i] = float32(x)
	}
	return v, nil
}
