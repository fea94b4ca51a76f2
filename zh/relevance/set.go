package relevance

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"unicode"
)

// Query is one labelled query.
type Query struct {
	ID         string   `json:"id"`
	Domain     string   `json:"domain"`
	Query      string   `json:"query"`
	Candidates []string `json:"candidates"`
	// Relevant is the candidate that answers the query.
	Relevant string `json:"relevant"`
	// SharesChars says whether Relevant has a Han character in common with
	// Query. It is stored so that a reader of the file sees the slice, and
	// checked on load.
	SharesChars bool `json:"shares_chars"`
}

// Set is a labelled relevance set.
type Set struct {
	Name    string  `json:"name"`
	About   string  `json:"about"`
	Queries []Query `json:"queries"`
}

// Limits that keep a malformed or hostile file from costing much.
const (
	MaxFileBytes  = 16 << 20
	MaxQueries    = 100000
	MaxCandidates = 1000
	MaxTextBytes  = 4096
)

// Load reads and validates a set file.
func Load(path string) (*Set, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("relevance: %w", err)
	}
	if fi.Size() > MaxFileBytes {
		return nil, fmt.Errorf("relevance: %s is %d bytes; the limit is %d", path, fi.Size(), MaxFileBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("relevance: %w", err)
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("relevance: %s: %w", path, err)
	}
	return s, nil
}

// Parse decodes and validates a set: ids unique, at least two distinct
// candidates per query, the relevant one among them exactly once, and
// shares_chars true exactly when the query and the relevant item share a
// Han character.
func Parse(data []byte) (*Set, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("set is %d bytes; the limit is %d", len(data), MaxFileBytes)
	}
	var s Set
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decoding set: %w", err)
	}
	if len(s.Queries) == 0 {
		return nil, fmt.Errorf("set %q has no queries", s.Name)
	}
	if len(s.Queries) > MaxQueries {
		return nil, fmt.Errorf("set has %d queries; the limit is %d", len(s.Queries), MaxQueries)
	}
	ids := make(map[string]bool, len(s.Queries))
	for i, q := range s.Queries {
		where := fmt.Sprintf("query %d (%q)", i, q.ID)
		switch {
		case q.ID == "":
			return nil, fmt.Errorf("query %d has no id", i)
		case ids[q.ID]:
			return nil, fmt.Errorf("%s: duplicate id", where)
		case q.Query == "" || len(q.Query) > MaxTextBytes:
			return nil, fmt.Errorf("%s: query must be 1 to %d bytes", where, MaxTextBytes)
		case len(q.Candidates) < 2 || len(q.Candidates) > MaxCandidates:
			return nil, fmt.Errorf("%s: %d candidates; want 2 to %d", where, len(q.Candidates), MaxCandidates)
		}
		ids[q.ID] = true
		seen := make(map[string]bool, len(q.Candidates))
		for _, c := range q.Candidates {
			if c == "" || len(c) > MaxTextBytes {
				return nil, fmt.Errorf("%s: a candidate must be 1 to %d bytes", where, MaxTextBytes)
			}
			if seen[c] {
				return nil, fmt.Errorf("%s: candidate %q listed twice", where, c)
			}
			seen[c] = true
		}
		if !slices.Contains(q.Candidates, q.Relevant) {
			return nil, fmt.Errorf("%s: relevant item %q is not a candidate", where, q.Relevant)
		}
		if got := SharesHan(q.Query, q.Relevant); got != q.SharesChars {
			return nil, fmt.Errorf("%s: shares_chars is %v but the query and %q share Han characters: %v", where, q.SharesChars, q.Relevant, got)
		}
	}
	return &s, nil
}

// SharesHan reports whether a and b have a Han character in common.
func SharesHan(a, b string) bool {
	for _, r := range a {
		if unicode.Is(unicode.Han, r) && containsRune(b, r) {
			return true
		}
	}
	return false
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}
