package client

import (
	"errors"
	"testing"
)

// FuzzDecodeError feeds arbitrary error bodies to the decoder: it always
// returns an *Error with the status and a code, and never panics.
func FuzzDecodeError(f *testing.F) {
	f.Add(400, []byte(`{"error":{"code":"invalid","message":"bad","field":"[0].ts"}}`))
	f.Add(404, []byte("404 page not found\n"))
	f.Add(502, []byte(`<html><body>Bad Gateway</body></html>`))
	f.Add(500, []byte(`{"error":null}`))
	f.Add(429, []byte(``))
	f.Add(400, []byte(`{"error":{"code":7}}`))
	f.Fuzz(func(t *testing.T, status int, raw []byte) {
		err := decodeError(status, raw)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%T", err)
		}
		if e.StatusCode != status || e.Code == "" || e.Error() == "" {
			t.Fatalf("error %+v", e)
		}
	})
}
