package console_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/console"
)

func newConsole(t *testing.T) *httptest.Server {
	t.Helper()
	c, err := console.New()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	c.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestServesAssets(t *testing.T) {
	srv := newConsole(t)
	tests := []struct {
		path        string
		status      int
		contentType string
		contains    string
	}{
		{"/", 200, "text/html; charset=utf-8", `<script type="module" src="/assets/js/app.js">`},
		{"/assets/js/app.js", 200, "text/javascript; charset=utf-8", "function route()"},
		{"/assets/js/views/explorer.js", 200, "text/javascript; charset=utf-8", "export function render"},
		{"/assets/style.css", 200, "text/css; charset=utf-8", ":focus-visible"},
		{"/assets/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"/assets/nope.js", 404, "text/plain; charset=utf-8", "no console file"},
		{"/assets/../console.go", 404, "", ""},
		{"/v1/anything", 404, "", ""},
	}
	client := srv.Client()
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := client.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.contentType != "" && resp.Header.Get("Content-Type") != tc.contentType {
				t.Errorf("content type %q", resp.Header.Get("Content-Type"))
			}
			if !strings.Contains(string(body), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
			if tc.contentType != "" && resp.Header.Get("Content-Security-Policy") != console.ContentSecurityPolicy {
				t.Errorf("CSP %q", resp.Header.Get("Content-Security-Policy"))
			}
			if tc.status == 200 && resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("no nosniff")
			}
		})
	}
	// The index is at "/", not at a second address.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(srv.URL + "/assets/index.html")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/" {
		t.Fatalf("/assets/index.html: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestRevalidatesWithETag(t *testing.T) {
	srv := newConsole(t)
	resp, err := srv.Client().Get(srv.URL + "/assets/js/app.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("headers %v", resp.Header)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/assets/js/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional request: %d", resp.StatusCode)
	}
}

// TestAssetsFitThePolicy reads the assets as the browser will under the
// Content-Security-Policy and offline: every module import and every file
// the page names exists; there is no inline script, no style attribute,
// no HTML parsing of strings, no eval, and no address outside the server.
func TestAssetsFitThePolicy(t *testing.T) {
	root := "assets"
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	importRe := regexp.MustCompile(`(?m)^import .* from '([^']+)';`)
	refRe := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)
	forbidden := []struct{ what, re string }{
		{"innerHTML or outerHTML", `\.(inner|outer)HTML\b`},
		{"insertAdjacentHTML", `insertAdjacentHTML`},
		{"document.write", `document\.write`},
		{"eval", `\beval\(`},
		{"new Function", `new Function\(`},
		{"a style attribute", `setAttribute\('style'`},
		{"an external address", `https?://(?:[^w]|w[^w]|ww[^w]|www[^.]|www\.[^w]|www\.w[^3])`},
	}
	for name, text := range files {
		switch {
		case strings.HasSuffix(name, ".js"):
			for _, m := range importRe.FindAllStringSubmatch(text, -1) {
				target := filepath.ToSlash(filepath.Join(filepath.Dir(name), m[1]))
				if _, ok := files[target]; !ok {
					t.Errorf("%s imports %s, which is not an asset", name, m[1])
				}
			}
			for _, f := range forbidden {
				if regexp.MustCompile(f.re).MatchString(text) {
					t.Errorf("%s uses %s", name, f.what)
				}
			}
		case strings.HasSuffix(name, ".html"):
			for _, m := range refRe.FindAllStringSubmatch(text, -1) {
				if _, ok := files[strings.TrimPrefix(m[1], "/assets/")]; !ok {
					t.Errorf("%s refers to %s, which is not an asset", name, m[1])
				}
			}
			if regexp.MustCompile(`<script(?:\s+type="module")?>`).MatchString(text) || strings.Contains(text, " style=") || regexp.MustCompile(` on[a-z]+=`).MatchString(text) {
				t.Errorf("%s has inline script, style or event handler attributes", name)
			}
		}
	}
	if len(files) < 8 {
		t.Fatalf("only %d assets found", len(files))
	}
}
