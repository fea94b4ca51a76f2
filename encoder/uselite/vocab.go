package uselite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Limits on vocab.json. The shipped file is 218 KB with 8,000 pieces; the
// limits leave room for larger vocabularies while keeping a hostile file from
// costing more than a few tens of megabytes.
const (
	maxVocabBytes  = 32 << 20
	maxVocabPieces = 1 << 20
	maxPieceBytes  = 1 << 10
)

// piece is one vocabulary entry: its text and its log-probability score.
type piece struct {
	text  string
	score float64
}

// UnmarshalJSON reads an entry written as ["text", score]. A null score is
// accepted and read as 0: the shipped vocabulary has seven such entries
// (":", "://", "▁:)" …) and the reference tokenizer adds null to a number,
// which JavaScript treats as 0.
func (p *piece) UnmarshalJSON(data []byte) error {
	var fields []json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return fmt.Errorf("vocabulary entry is not an array: %w", err)
	}
	if len(fields) != 2 {
		return fmt.Errorf("vocabulary entry has %d fields, want [text, score]", len(fields))
	}
	if err := json.Unmarshal(fields[0], &p.text); err != nil {
		return fmt.Errorf("vocabulary entry text: %w", err)
	}
	if len(p.text) > maxPieceBytes {
		return fmt.Errorf("vocabulary entry of %d bytes exceeds %d", len(p.text), maxPieceBytes)
	}
	if bytes.Equal(bytes.TrimSpace(fields[1]), []byte("null")) {
		p.score = 0
		return nil
	}
	if err := json.Unmarshal(fields[1], &p.score); err != nil {
		return fmt.Errorf("vocabulary entry %q score: %w", p.text, err)
	}
	if math.IsNaN(p.score) || math.IsInf(p.score, 0) {
		return fmt.Errorf("vocabulary entry %q has a non-finite score", p.text)
	}
	return nil
}

// readVocabulary reads a vocab.json file: a JSON array of [piece, score]
// pairs whose position is the token id.
func readVocabulary(path string) ([]piece, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open vocabulary: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxVocabBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read vocabulary %s: %w", path, err)
	}
	if len(data) > maxVocabBytes {
		return nil, fmt.Errorf("vocabulary %s is larger than %d bytes", path, maxVocabBytes)
	}
	pieces, err := parseVocabulary(data)
	if err != nil {
		return nil, fmt.Errorf("vocabulary %s: %w", path, err)
	}
	return pieces, nil
}

// parseVocabulary decodes the contents of a vocab.json file.
func parseVocabulary(data []byte) ([]piece, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, errors.New("parse: top level is not an array")
	}
	var pieces []piece
	for dec.More() {
		if len(pieces) == maxVocabPieces {
			return nil, fmt.Errorf("more than %d pieces", maxVocabPieces)
		}
		var p piece
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("piece %d: %w", len(pieces), err)
		}
		pieces = append(pieces, p)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("parse: data after the array")
	}
	if len(pieces) <= reservedPieces {
		return nil, fmt.Errorf("%d pieces, need more than the %d reserved ones", len(pieces), reservedPieces)
	}
	return pieces, nil
}
