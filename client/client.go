// Package client is a small Go client for driftrec's HTTP API: typed
// methods for the main endpoints, a context on every call, a timeout, and
// errors that carry the server's code, message and offending field.
//
//	c, err := client.New("http://127.0.0.1:8080")
//	_, err = c.Ingest(ctx, []client.Event{{User: "u1", Type: "query", Text: "camping tent"}})
//	rec, err := c.Recommend(ctx, "u1", client.RecommendOptions{N: 5})
//	for _, it := range rec.Items { fmt.Println(it.ID, it.Text, it.Explanation.Interest.Label) }
//
// The package depends only on the standard library, and its types mirror
// the JSON of the API (httpapi/openapi.json) rather than importing the
// server's packages, so a program that talks to driftrec does not compile
// the engine. The client does not retry: events are not idempotent, and
// the caller knows whether a repeat is safe.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls one driftrec server. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	http      *http.Client
	apiKey    string
	userAgent string
	// strict rejects unknown fields in answers (the tests use it to keep
	// these types in step with the server).
	strict bool
}

// Option customises New.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: one with a 30 s timeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithTimeout bounds each call, answer included (default 30 s). It applies
// to the default HTTP client, or to a copy of one given by WithHTTPClient.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		hc := *c.http
		hc.Timeout = d
		c.http = &hc
	}
}

// WithAPIKey sends key as a bearer token.
func WithAPIKey(key string) Option { return func(c *Client) { c.apiKey = key } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client for the server at baseURL, e.g.
// "http://127.0.0.1:8080".
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("driftrec client: invalid base URL %q: want http(s)://host[:port]", baseURL)
	}
	c := &Client{base: u, http: &http.Client{Timeout: 30 * time.Second}, userAgent: "driftrec-go-client"}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Error is an error answer of the server.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the application error code: invalid, not_found, conflict,
	// unauthorized, forbidden, too_large, unavailable or internal.
	Code string
	// Message says what is wrong, for a person.
	Message string
	// Field is the path of the offending value in the request, such as
	// "[3].ts" or "alpha", for validation errors.
	Field string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("driftrec: %s (%d): %s", e.Code, e.StatusCode, e.Message)
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	return s
}

// ErrorCode returns the application error code of err ("not_found", ...),
// or "" when err is not an answer of the server.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether err is a not_found answer.
func IsNotFound(err error) bool { return ErrorCode(err) == "not_found" }

// maxAnswerBytes bounds an answer body.
const maxAnswerBytes = 256 << 20

// call sends a request and decodes a JSON answer into out (if not nil).
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body, out any) error {
	target := c.base.String() + path // path segments are escaped by seg
	if q := query.Encode(); q != "" {
		target += "?" + q
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("driftrec client: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fmt.Errorf("driftrec client: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("driftrec client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return fmt.Errorf("driftrec client: %s %s: reading the answer: %w", method, path, err)
	}
	if len(raw) > maxAnswerBytes {
		return fmt.Errorf("driftrec client: %s %s: answer exceeds %d bytes", method, path, maxAnswerBytes)
	}
	if resp.StatusCode/100 != 2 {
		return decodeError(resp.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if c.strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("driftrec client: %s %s: decode the answer: %w", method, path, err)
	}
	return nil
}

// decodeError reads the server's error body, or makes one from the status
// when the body is not driftrec's (a proxy's page, a bare 404).
func decodeError(status int, raw []byte) error {
	var body struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &body) == nil && body.Error != nil && body.Error.Code != "" {
		return &Error{StatusCode: status, Code: body.Error.Code, Message: body.Error.Message, Field: body.Error.Field}
	}
	msg := strings.TrimSpace(string(raw))
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "…"
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &Error{StatusCode: status, Code: codeOf(status), Message: msg}
}

func codeOf(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return "unavailable"
	}
	return "internal"
}

// seg escapes one path segment (an ID may hold any character).
func seg(s string) string { return url.PathEscape(s) }
