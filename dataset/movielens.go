package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/driftrec/driftrec"
)

// LoadMovieLensLatest reads an ml-latest(-small) folder: ratings.csv and
// movies.csv are required, tags.csv is read when present.
func LoadMovieLensLatest(dir string) (*Dataset, error) {
	d := &Dataset{Name: datasetName(dir)}
	f, err := openIn(dir, "movies.csv")
	if err != nil {
		return nil, err
	}
	d.Items, err = ReadMovieLensMovies(f, "movies.csv")
	f.Close()
	if err != nil {
		return nil, err
	}
	if f, err = openIn(dir, "ratings.csv"); err != nil {
		return nil, err
	}
	d.Interactions, err = ReadMovieLensRatings(f, "ratings.csv")
	f.Close()
	if err != nil {
		return nil, err
	}
	f, err = openIn(dir, "tags.csv")
	switch {
	case errors.Is(err, os.ErrNotExist):
		return d, nil
	case err != nil:
		return nil, err
	}
	d.Context, err = ReadMovieLensTags(f, "tags.csv")
	f.Close()
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ReadMovieLensRatings reads ratings.csv (userId,movieId,rating,timestamp).
func ReadMovieLensRatings(r io.Reader, name string) ([]Interaction, error) {
	var out []Interaction
	err := readCSV(r, name, []string{"userId", "movieId", "rating", "timestamp"}, func(rec []string, line int) error {
		x, err := rating(rec[0], rec[1], rec[2], rec[3], len(out))
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

// ReadMovieLensMovies reads movies.csv (movieId,title,genres).
func ReadMovieLensMovies(r io.Reader, name string) ([]Item, error) {
	var out []Item
	err := readCSV(r, name, []string{"movieId", "title", "genres"}, func(rec []string, line int) error {
		id, err := parseID("movieId", rec[0])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		out = append(out, Item{ID: id, Title: strings.TrimSpace(latin1(rec[1])), Genres: splitGenres(latin1(rec[2]))})
		return nil
	})
	return out, err
}

// ReadMovieLensTags reads tags.csv (userId,movieId,tag,timestamp) as
// comment events about the tagged movie.
func ReadMovieLensTags(r io.Reader, name string) ([]ContextEvent, error) {
	var out []ContextEvent
	err := readCSV(r, name, []string{"userId", "movieId", "tag", "timestamp"}, func(rec []string, line int) error {
		u, err := parseID("userId", rec[0])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		it, err := parseID("movieId", rec[1])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		t, err := parseUnix(rec[3])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		tag := strings.TrimSpace(latin1(rec[2]))
		if tag == "" {
			return nil // an empty tag says nothing
		}
		if len(tag) > driftrec.MaxTextLength {
			return fmt.Errorf("%s:%d: tag longer than %d bytes", name, line, driftrec.MaxTextLength)
		}
		out = append(out, ContextEvent{User: u, Item: it, Type: driftrec.EventComment, Text: tag, Time: t, Order: len(out)})
		return nil
	})
	return out, err
}

// readCSV reads a CSV file whose header must be exactly columns and calls
// fn for every record with its line number.
func readCSV(r io.Reader, name string, columns []string, fn func(rec []string, line int) error) error {
	cr := csv.NewReader(&boundedLines{r: r, max: maxLine})
	cr.FieldsPerRecord = len(columns)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("%s: empty file", name)
	}
	if err != nil {
		return fmt.Errorf("%s: header: %w", name, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	if !slices.Equal(header, columns) {
		return fmt.Errorf("%s: header is %q, want %q", name, strings.Join(header, ","), strings.Join(columns, ","))
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if err := fn(rec, line); err != nil {
			return err
		}
	}
}

// errLineTooLong reports input with a line longer than maxLine.
var errLineTooLong = fmt.Errorf("a line is longer than %d bytes", maxLine)

// boundedLines passes a reader through but fails once a line grows beyond
// max bytes: encoding/csv itself would buffer a line of any length.
type boundedLines struct {
	r   io.Reader
	max int
	run int // bytes since the last line break
}

func (b *boundedLines) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	for _, c := range p[:n] {
		if c == '\n' {
			b.run = 0
			continue
		}
		b.run++
		if b.run > b.max {
			return 0, errLineTooLong
		}
	}
	return n, err
}
