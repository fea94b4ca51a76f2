package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/driftrec/driftrec"
)

// maxReportBytes bounds the evaluation report the server reads.
const maxReportBytes = 16 << 20

// plotName is the shape of a plot file the report folder may serve: a
// plain name, no folders, an image extension.
var plotName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.(svg|png)$`)

type evalReportJSON struct {
	// File is the report's file name (not its path: the server's folders
	// are not the caller's business).
	File     string          `json:"file"`
	Modified time.Time       `json:"modified"`
	Report   json.RawMessage `json:"report"`
	// Plots are the image files beside the report, served by
	// GET /v1/eval/files/{name}.
	Plots []string `json:"plots"`
}

func (s *Server) getEvalReport(w http.ResponseWriter, r *http.Request) error {
	path := s.ext.evalReport
	if path == "" {
		return driftrec.Errorf(driftrec.ENOTFOUND, "no evaluation report is configured; start the server with -eval-report FILE")
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return driftrec.Errorf(driftrec.ENOTFOUND, "no evaluation report yet: run \"driftrec eval\" to write %s", filepath.Base(path))
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxReportBytes+1))
	if err != nil {
		return err
	}
	if len(raw) > maxReportBytes {
		return driftrec.Errorf(driftrec.ETOOLARGE, "the evaluation report is over %d bytes", maxReportBytes)
	}
	raw = bytes.TrimSpace(raw)
	if !json.Valid(raw) || len(raw) == 0 || raw[0] != '{' {
		// Most likely an evaluation is writing it right now.
		return driftrec.Errorf(driftrec.EUNAVAILABLE, "the evaluation report %s is not a JSON object (is an evaluation writing it?)", filepath.Base(path))
	}
	plots, err := listPlots(filepath.Dir(path))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, evalReportJSON{File: filepath.Base(path), Modified: st.ModTime().UTC(), Report: raw, Plots: plots})
	return nil
}

func listPlots(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	plots := []string{}
	for _, e := range entries {
		if e.Type().IsRegular() && plotName.MatchString(e.Name()) {
			plots = append(plots, e.Name())
		}
	}
	sort.Strings(plots)
	return plots, nil
}

func (s *Server) getEvalFile(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if s.ext.evalReport == "" || !plotName.MatchString(name) {
		return driftrec.Errorf(driftrec.ENOTFOUND, "no plot %q", name)
	}
	// os.Root confines the lookup to the report's folder, whatever the
	// name and whatever links the folder holds.
	root, err := os.OpenRoot(filepath.Dir(s.ext.evalReport))
	if err != nil {
		return driftrec.Errorf(driftrec.ENOTFOUND, "no plot %q", name)
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		return driftrec.Errorf(driftrec.ENOTFOUND, "no plot %q", name)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return driftrec.Errorf(driftrec.ENOTFOUND, "no plot %q", name)
	}
	h := w.Header()
	if strings.HasSuffix(name, ".svg") {
		h.Set("Content-Type", "image/svg+xml")
	} else {
		h.Set("Content-Type", "image/png")
	}
	// A plot is written by a tool, not by us: opened on its own, an SVG
	// must not run scripts or load anything.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, st.ModTime(), f)
	return nil
}
