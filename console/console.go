// Package console serves driftrec's web console: a small single-page
// application, embedded in the binary, that talks to the JSON API of the
// same server. It shows the catalogue (semantic search and nearest
// neighbours), users (interests as labelled clusters, their importance
// over time, the session, rejections, recent events and a 2-D map), a
// recommendation explorer whose α, diversity, category and exclude-seen
// controls re-rank live (for a stored user or for events typed in), and
// the latest offline evaluation report.
//
// The assets are plain HTML, CSS and JavaScript modules with no build
// step and no third-party code, so the binary serves them as they are in
// the repository and works offline. Every console response carries a
// strict Content-Security-Policy: scripts, styles and images only from
// this origin, no inline code, no framing.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed assets
var assets embed.FS

// ContentSecurityPolicy is sent with every console response. The console
// needs nothing beyond its own origin: scripts and styles come from
// /assets, data from /v1, plots from /v1/eval/files; inline scripts and
// style attributes are refused (the code sets styles through the CSSOM,
// which the policy allows).
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// asset is an embedded file with its validator.
type asset struct {
	body        []byte
	etag        string
	contentType string
}

// Console serves the embedded assets.
type Console struct {
	files map[string]asset // by path under /assets/, and "index.html"
}

// New loads the embedded assets and hashes them for ETags.
func New() (*Console, error) {
	c := &Console{files: map[string]asset{}}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) { // the system's MIME table may lack or differ on these
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".html":
			ct = "text/html; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		c.files[strings.TrimPrefix(p, "assets/")] = asset{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console: load assets: %w", err)
	}
	if _, ok := c.files["index.html"]; !ok {
		return nil, fmt.Errorf("console: index.html is missing from the embedded assets")
	}
	return c, nil
}

// Register adds the console's routes to mux: the application at "/" and
// its files under "/assets/".
func (c *Console) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { c.serve(w, r, "index.html") })
	mux.HandleFunc("GET /assets/{file...}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if name == "index.html" {
			http.Redirect(w, r, "/", http.StatusMovedPermanently)
			return
		}
		c.serve(w, r, name)
	})
}

func (c *Console) serve(w http.ResponseWriter, r *http.Request, name string) {
	h := w.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	a, ok := c.files[name]
	if !ok {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "no console file %q\n", name)
		return
	}
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	// Revalidate every time: the files are small, and a new binary must
	// never run against a cached old script.
	h.Set("Cache-Control", "no-cache")
	// No modification time: the ETag alone validates.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}
