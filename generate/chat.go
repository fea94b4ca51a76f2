package generate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ChatConfig configures a Chat client.
type ChatConfig struct {
	// BaseURL is the server's address up to and excluding
	// "/chat/completions", e.g. "http://127.0.0.1:11434/v1".
	BaseURL string
	// Model is the model name sent with every request.
	Model string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// Timeout bounds each attempt (default 20s). The caller's context
	// bounds the whole call, retries included.
	Timeout time.Duration
	// MaxRetries is the number of retries after a failed attempt
	// (default 2; negative for none).
	MaxRetries int
	// Backoff is the wait before the first retry (default 500ms); it
	// doubles with each retry, with ±50% jitter, and a longer Retry-After
	// from the server wins.
	Backoff time.Duration
	// MaxTokens bounds the answer's length (default 400).
	MaxTokens int
	// Temperature is sent with every request (default 0.2: the answers are
	// summaries and rewrites, not creative writing).
	Temperature float64
	// HTTPClient overrides the HTTP client.
	HTTPClient *http.Client
}

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Chat is a client for the OpenAI-compatible /chat/completions endpoint
// (OpenAI, Ollama, vLLM, llama.cpp's server, LM Studio). It is safe for
// concurrent use.
type Chat struct {
	cfg  ChatConfig
	url  string
	http *http.Client
}

// maxAnswerBytes bounds a response body; a chat answer of a few hundred
// tokens is a few kilobytes.
const maxAnswerBytes = 4 << 20

// NewChat validates cfg and returns a client. It does not contact the
// server.
func NewChat(cfg ChatConfig) (*Chat, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, errors.New("chat: base URL and model are required")
	}
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/") + "/chat/completions")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("chat: invalid base URL %q: want http(s)://host[:port]/path", cfg.BaseURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	switch {
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = 2
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = 400
	}
	if cfg.Temperature == 0 {
		cfg.Temperature = 0.2
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Chat{cfg: cfg, url: u.String(), http: hc}, nil
}

// Model returns the configured model name.
func (c *Chat) Model() string { return c.cfg.Model }

// Endpoint returns the full URL requests go to.
func (c *Chat) Endpoint() string { return c.url }

// APIError is a failed exchange with the chat server: an error status, an
// answer that is not a chat completion, or no answer at all.
type APIError struct {
	// Status is the HTTP status, or 0 when no answer arrived.
	Status int
	// Type and Code come from the server's error object, when it sent one.
	Type, Code string
	// Message says what went wrong, in the server's words when it gave any.
	Message string
	// Attempts is the number of requests made.
	Attempts int
	// Err is the underlying network or decoding error, if any.
	Err error
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("chat completion failed")
	if e.Status != 0 {
		fmt.Fprintf(&b, ": server answered %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Err }

// retryable reports whether another attempt may succeed: rate limits,
// server errors and transport failures, but not requests the server
// understood and refused.
func (e *APIError) retryable() bool {
	switch {
	case e.Status == 0:
		return !errors.Is(e.Err, errMalformed)
	case e.Status == http.StatusTooManyRequests, e.Status == http.StatusRequestTimeout, e.Status >= 500:
		return true
	}
	return false
}

var errMalformed = errors.New("malformed answer")

type chatRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	MaxTokens   int       `json:"max_tokens"`
	Temperature float64   `json:"temperature"`
	Stream      bool      `json:"stream"`
}

type chatResponse struct {
	Choices []struct {
		Message      Message `json:"message"`
		FinishReason string  `json:"finish_reason"`
	} `json:"choices"`
	Error *serverError `json:"error"`
}

// serverError is the OpenAI error object. Some servers send code as a
// number, hence RawMessage.
type serverError struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// Complete sends messages and returns the assistant's answer, trimmed.
// Failures are *APIError; a cancelled or expired ctx ends the call at once
// with an error that wraps ctx.Err().
func (c *Chat) Complete(ctx context.Context, msgs []Message) (string, error) {
	if len(msgs) == 0 {
		return "", errors.New("chat: no messages")
	}
	body, err := json.Marshal(chatRequest{Model: c.cfg.Model, Messages: msgs, MaxTokens: c.cfg.MaxTokens, Temperature: c.cfg.Temperature})
	if err != nil {
		return "", fmt.Errorf("chat: encode request: %w", err)
	}
	var last *APIError
	for attempt := 1; ; attempt++ {
		answer, retryAfter, aerr := c.once(ctx, body)
		if aerr == nil {
			return answer, nil
		}
		aerr.Attempts = attempt
		last = aerr
		if ctx.Err() != nil {
			return "", fmt.Errorf("chat: %w (last error: %v)", ctx.Err(), last)
		}
		if !last.retryable() || attempt > c.cfg.MaxRetries {
			return "", last
		}
		wait := time.Duration(float64(c.cfg.Backoff) * math.Pow(2, float64(attempt-1)) * (0.5 + rand.Float64()))
		if retryAfter > wait {
			wait = retryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", fmt.Errorf("chat: %w (last error: %v)", ctx.Err(), last)
		case <-t.C:
		}
	}
}

// once makes one attempt; it returns the server's Retry-After, if any.
func (c *Chat) once(ctx context.Context, body []byte) (string, time.Duration, *APIError) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return "", 0, &APIError{Message: "building the request", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		msg := "no answer from " + c.url
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			msg = fmt.Sprintf("no answer from %s within %s", c.url, c.cfg.Timeout)
		}
		return "", 0, &APIError{Message: msg, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return "", 0, &APIError{Status: resp.StatusCode, Message: "reading the answer", Err: err}
	}
	if len(raw) > maxAnswerBytes {
		return "", 0, &APIError{Status: resp.StatusCode, Message: fmt.Sprintf("answer exceeds %d bytes", maxAnswerBytes), Err: errMalformed}
	}
	text, aerr := decodeAnswer(resp.StatusCode, raw)
	if aerr != nil {
		return "", retryAfter(resp.Header.Get("Retry-After")), aerr
	}
	return text, 0, nil
}

// decodeAnswer reads a chat completion, or the error a server sent
// instead.
func decodeAnswer(status int, raw []byte) (string, *APIError) {
	var r chatResponse
	jerr := json.Unmarshal(raw, &r)
	if status/100 != 2 {
		e := &APIError{Status: status, Message: snippet(raw)}
		if jerr == nil && r.Error != nil {
			e.Message, e.Type, e.Code = r.Error.Message, r.Error.Type, strings.Trim(string(r.Error.Code), `"`)
			if e.Code == "null" {
				e.Code = ""
			}
		}
		return "", e
	}
	if jerr != nil {
		return "", &APIError{Status: status, Message: "the answer is not a chat completion: " + snippet(raw), Err: errMalformed}
	}
	if r.Error != nil {
		return "", &APIError{Status: status, Message: r.Error.Message, Type: r.Error.Type, Err: errMalformed}
	}
	if len(r.Choices) == 0 {
		return "", &APIError{Status: status, Message: "the answer has no choices", Err: errMalformed}
	}
	text := strings.TrimSpace(r.Choices[0].Message.Content)
	if text == "" {
		return "", &APIError{Status: status, Message: "the answer is empty (finish_reason " + strconv.Quote(r.Choices[0].FinishReason) + ")", Err: errMalformed}
	}
	return text, nil
}

// retryAfter parses a Retry-After header in seconds or as an HTTP date,
// capped at a minute so a confused server cannot park a request.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s > 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	}
	return min(max(d, 0), time.Minute)
}

// snippet shortens a body for an error message.
func snippet(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}
