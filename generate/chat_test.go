package generate_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driftrec/driftrec/generate"
)

// chatServer speaks the chat-completions protocol: it checks each request
// like a real server would and answers with reply(attempt), attempt
// counting from 1.
type chatServer struct {
	t        *testing.T
	attempts atomic.Int32
	lastReq  atomic.Value // chatRequest
	reply    func(attempt int, w http.ResponseWriter)
}

type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	MaxTokens   int     `json:"max_tokens"`
	Temperature float64 `json:"temperature"`
	Stream      bool    `json:"stream"`
}

func (s *chatServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.attempts.Add(1))
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, `{"error":{"message":"no route"}}`, http.StatusNotFound)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer sekrit" {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
		return
	}
	var req chatRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Model == "" || len(req.Messages) == 0 || req.Stream {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"message":"bad request"}}`)
		return
	}
	s.lastReq.Store(req)
	s.reply(n, w)
}

func answer(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "model": "tiny",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]string{"role": "assistant", "content": text}}},
	})
}

func newChat(t *testing.T, reply func(int, http.ResponseWriter), tweak func(*generate.ChatConfig)) (*generate.Chat, *chatServer) {
	t.Helper()
	s := &chatServer{t: t, reply: reply}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg := generate.ChatConfig{BaseURL: srv.URL + "/v1/", Model: "tiny", APIKey: "sekrit", Backoff: time.Millisecond, Timeout: 5 * time.Second}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := generate.NewChat(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

var hello = []generate.Message{{Role: "user", Content: "hello"}}

func TestChatComplete(t *testing.T) {
	c, s := newChat(t, func(_ int, w http.ResponseWriter) { answer(w, "  hi there \n") }, nil)
	got, err := c.Complete(context.Background(), hello)
	if err != nil {
		t.Fatal(err)
	}
	if got != "hi there" {
		t.Fatalf("answer %q", got)
	}
	req := s.lastReq.Load().(chatRequest)
	if req.Model != "tiny" || req.Messages[0].Content != "hello" || req.MaxTokens != 400 || req.Temperature != 0.2 {
		t.Fatalf("request %+v", req)
	}
	if c.Endpoint() != strings.TrimSuffix(c.Endpoint(), "/") || !strings.HasSuffix(c.Endpoint(), "/v1/chat/completions") {
		t.Fatalf("endpoint %s", c.Endpoint())
	}
}

func TestChatFailures(t *testing.T) {
	tests := []struct {
		name         string
		reply        func(attempt int, w http.ResponseWriter)
		tweak        func(*generate.ChatConfig)
		wantText     string // success after retries
		wantAttempts int
		wantStatus   int
		wantMessage  string
		wantCode     string
	}{
		{
			name: "5xx then success",
			reply: func(n int, w http.ResponseWriter) {
				if n < 3 {
					http.Error(w, "upstream overloaded", http.StatusBadGateway)
					return
				}
				answer(w, "ok")
			},
			wantText: "ok", wantAttempts: 3,
		},
		{
			name: "429 with Retry-After then success",
			reply: func(n int, w http.ResponseWriter) {
				if n == 1 {
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusTooManyRequests)
					io.WriteString(w, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`)
					return
				}
				answer(w, "ok")
			},
			wantText: "ok", wantAttempts: 2,
		},
		{
			name: "retries exhausted",
			reply: func(_ int, w http.ResponseWriter) {
				http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			},
			tweak: func(c *generate.ChatConfig) { c.MaxRetries = 1 },
			// one try and one retry
			wantAttempts: 2, wantStatus: 503, wantMessage: "down for maintenance",
		},
		{
			name: "wrong key is not retried",
			reply: func(_ int, w http.ResponseWriter) {
				t.Error("the server must not be asked with a wrong key")
			},
			tweak:        func(c *generate.ChatConfig) { c.APIKey = "wrong" },
			wantAttempts: 1, wantStatus: 401, wantMessage: "Incorrect API key provided", wantCode: "invalid_api_key",
		},
		{
			name:         "not a chat completion",
			reply:        func(_ int, w http.ResponseWriter) { io.WriteString(w, `<html>proxy login</html>`) },
			wantAttempts: 1, wantStatus: 200, wantMessage: "not a chat completion",
		},
		{
			name:         "no choices",
			reply:        func(_ int, w http.ResponseWriter) { io.WriteString(w, `{"choices":[]}`) },
			wantAttempts: 1, wantStatus: 200, wantMessage: "no choices",
		},
		{
			name:         "empty content",
			reply:        func(_ int, w http.ResponseWriter) { answer(w, "   ") },
			wantAttempts: 1, wantStatus: 200, wantMessage: "empty",
		},
		{
			name: "timeout per attempt",
			reply: func(n int, w http.ResponseWriter) {
				if n == 1 {
					time.Sleep(300 * time.Millisecond)
				}
				answer(w, "late but fine")
			},
			tweak:    func(c *generate.ChatConfig) { c.Timeout = 50 * time.Millisecond },
			wantText: "late but fine", wantAttempts: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, s := newChat(t, tc.reply, tc.tweak)
			got, err := c.Complete(context.Background(), hello)
			if n := int(s.attempts.Load()); n != tc.wantAttempts {
				t.Errorf("%d attempts, want %d", n, tc.wantAttempts)
			}
			if tc.wantText != "" {
				if err != nil || got != tc.wantText {
					t.Fatalf("got %q, %v; want %q", got, err, tc.wantText)
				}
				return
			}
			var ae *generate.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not an *APIError", err, err)
			}
			if ae.Status != tc.wantStatus || !strings.Contains(ae.Message, tc.wantMessage) || ae.Code != tc.wantCode || ae.Attempts != tc.wantAttempts {
				t.Fatalf("error %+v", ae)
			}
			if !strings.Contains(err.Error(), tc.wantMessage) {
				t.Fatalf("message %q lacks %q", err, tc.wantMessage)
			}
		})
	}
}

func TestChatUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	c, err := generate.NewChat(generate.ChatConfig{BaseURL: url + "/v1", Model: "m", Backoff: time.Millisecond, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Complete(context.Background(), hello)
	var ae *generate.APIError
	if !errors.As(err, &ae) || ae.Status != 0 || ae.Attempts != 2 || !strings.Contains(err.Error(), "no answer from") {
		t.Fatalf("error %v", err)
	}
}

func TestChatContextCancelledDuringBackoff(t *testing.T) {
	c, _ := newChat(t, func(_ int, w http.ResponseWriter) { http.Error(w, "busy", http.StatusServiceUnavailable) },
		func(c *generate.ChatConfig) { c.Backoff = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Complete(ctx, hello)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("error %v: want the deadline, naming the last failure", err)
	}
}

func TestNewChatValidates(t *testing.T) {
	for _, cfg := range []generate.ChatConfig{
		{Model: "m"},
		{BaseURL: "http://x/v1"},
		{BaseURL: "ftp://x/v1", Model: "m"},
		{BaseURL: "http://", Model: "m"},
		{BaseURL: "::not a url", Model: "m"},
	} {
		if _, err := generate.NewChat(cfg); err == nil {
			t.Errorf("NewChat(%+v) accepted a bad configuration", cfg)
		}
	}
}
