package generate

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeAnswer feeds arbitrary bodies to the chat-answer decoder: it
// must return a text or an *APIError, never panic, and a text only for a
// 2xx status.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(200, []byte(`{"choices":[{"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`))
	f.Add(200, []byte(`{"choices":[]}`))
	f.Add(200, []byte(`{"error":{"message":"oops","code":42}}`))
	f.Add(429, []byte(`{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`))
	f.Add(500, []byte(`<html>bad gateway</html>`))
	f.Add(200, []byte(`{"choices":[{"message":{"content":"   "}}]}`))
	f.Add(200, []byte(`null`))
	f.Fuzz(func(t *testing.T, status int, raw []byte) {
		text, err := decodeAnswer(status, raw)
		if err == nil {
			if status/100 != 2 || text == "" || strings.TrimSpace(text) != text {
				t.Fatalf("status %d gave text %q", status, text)
			}
			return
		}
		if text != "" || err.Error() == "" {
			t.Fatalf("error %v with text %q", err, text)
		}
	})
}

// FuzzParseSentences checks the reader of a model's JSON array: it returns
// exactly n non-empty, bounded sentences or an error.
func FuzzParseSentences(f *testing.F) {
	f.Add(`["a","b"]`, 2)
	f.Add("```json\n[\"一\", \"二\"]\n```", 2)
	f.Add(`Here you go: ["x"] hope it helps`, 1)
	f.Add(`["a",""]`, 2)
	f.Add(`][`, 1)
	f.Add(`[1,2]`, 2)
	f.Fuzz(func(t *testing.T, text string, n int) {
		out, err := parseSentences(text, n)
		if err != nil {
			return
		}
		if len(out) != n {
			t.Fatalf("%d sentences for n=%d", len(out), n)
		}
		for _, s := range out {
			if s == "" || utf8.RuneCountInString(s) > maxReasonRunes+1 {
				t.Fatalf("sentence %q", s)
			}
		}
	})
}

func TestRetryAfter(t *testing.T) {
	for h, want := range map[string]bool{"": false, "0": false, "2": true, "soon": false, "Wed, 21 Oct 2015 07:28:00 GMT": false, "100000": true} {
		if got := retryAfter(h) > 0; got != want {
			t.Errorf("retryAfter(%q) > 0 = %v", h, got)
		}
	}
	if d := retryAfter("100000"); d.Minutes() != 1 {
		t.Errorf("Retry-After is not capped: %s", d)
	}
}

func TestTruncateUTF8(t *testing.T) {
	s := "跑鞋垫abc"
	for n := 0; n <= len(s)+1; n++ {
		got := truncateUTF8(s, n)
		if !utf8.ValidString(got) || len(got) > n || !strings.HasPrefix(s, got) {
			t.Errorf("truncateUTF8(%q, %d) = %q", s, n, got)
		}
	}
}
