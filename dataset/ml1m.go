package dataset

import (
	"io"
	"strings"
)

// LoadML1M reads an ml-1m folder: ratings.dat and movies.dat.
func LoadML1M(dir string) (*Dataset, error) {
	d := &Dataset{Name: datasetName(dir)}
	f, err := openIn(dir, "movies.dat")
	if err != nil {
		return nil, err
	}
	d.Items, err = ReadML1MMovies(f, "movies.dat")
	f.Close()
	if err != nil {
		return nil, err
	}
	if f, err = openIn(dir, "ratings.dat"); err != nil {
		return nil, err
	}
	d.Interactions, err = ReadML1MRatings(f, "ratings.dat")
	f.Close()
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ReadML1MRatings reads ratings.dat: UserID::MovieID::Rating::Timestamp.
func ReadML1MRatings(r io.Reader, name string) ([]Interaction, error) {
	lr := newLineReader(r, name)
	var out []Interaction
	for {
		s, ok := lr.next()
		if !ok {
			break
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		f := strings.Split(s, "::")
		if len(f) != 4 {
			return nil, lr.errorf("%d \"::\"-separated fields, want 4 (user, movie, rating, timestamp)", len(f))
		}
		x, err := rating(f[0], f[1], f[2], f[3], len(out))
		if err != nil {
			return nil, lr.errorf("%v", err)
		}
		out = append(out, x)
	}
	return out, lr.err()
}

// ReadML1MMovies reads movies.dat: MovieID::Title::Genres.
func ReadML1MMovies(r io.Reader, name string) ([]Item, error) {
	lr := newLineReader(r, name)
	var out []Item
	for {
		s, ok := lr.next()
		if !ok {
			break
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		f := strings.Split(latin1(s), "::")
		if len(f) != 3 {
			return nil, lr.errorf("%d \"::\"-separated fields, want 3 (movie, title, genres)", len(f))
		}
		id, err := parseID("movie", f[0])
		if err != nil {
			return nil, lr.errorf("%v", err)
		}
		out = append(out, Item{ID: id, Title: strings.TrimSpace(f[1]), Genres: splitGenres(f[2])})
	}
	return out, lr.err()
}
