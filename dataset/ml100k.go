package dataset

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ml100kGenres are the genre columns of u.item, in order, for folders
// without u.genre.
var ml100kGenres = []string{
	"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
	"Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
	"Romance", "Sci-Fi", "Thriller", "War", "Western",
}

// LoadML100K reads an ml-100k folder: u.data and u.item, and u.genre when
// present.
func LoadML100K(dir string) (*Dataset, error) {
	d := &Dataset{Name: datasetName(dir)}
	genres := ml100kGenres
	if f, err := openIn(dir, "u.genre"); err == nil {
		genres, err = ReadML100KGenres(f, "u.genre")
		f.Close()
		if err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	f, err := openIn(dir, "u.item")
	if err != nil {
		return nil, err
	}
	d.Items, err = ReadML100KItems(f, "u.item", genres)
	f.Close()
	if err != nil {
		return nil, err
	}
	if f, err = openIn(dir, "u.data"); err != nil {
		return nil, err
	}
	d.Interactions, err = ReadML100KRatings(f, "u.data")
	f.Close()
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ReadML100KRatings reads u.data: user, item, rating, timestamp separated
// by tabs.
func ReadML100KRatings(r io.Reader, name string) ([]Interaction, error) {
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
		f := strings.Split(s, "\t")
		if len(f) != 4 {
			return nil, lr.errorf("%d tab-separated fields, want 4 (user, item, rating, timestamp)", len(f))
		}
		x, err := rating(f[0], f[1], f[2], f[3], len(out))
		if err != nil {
			return nil, lr.errorf("%v", err)
		}
		out = append(out, x)
	}
	return out, lr.err()
}

// ReadML100KGenres reads u.genre ("name|index" per line).
func ReadML100KGenres(r io.Reader, name string) ([]string, error) {
	lr := newLineReader(r, name)
	var out []string
	for {
		s, ok := lr.next()
		if !ok {
			break
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		g, idx, ok := strings.Cut(s, "|")
		if !ok {
			return nil, lr.errorf("want name|index")
		}
		i, err := strconv.Atoi(strings.TrimSpace(idx))
		if err != nil || i != len(out) {
			return nil, lr.errorf("genre index %q out of order (want %d)", idx, len(out))
		}
		out = append(out, latin1(strings.TrimSpace(g)))
	}
	if err := lr.err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no genres", name)
	}
	return out, nil
}

// ReadML100KItems reads u.item: id|title|release date|video release
// date|IMDb URL followed by one 0/1 flag per genre.
func ReadML100KItems(r io.Reader, name string, genres []string) ([]Item, error) {
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
		f := strings.Split(latin1(s), "|")
		if len(f) != 5+len(genres) {
			return nil, lr.errorf("%d fields, want %d (5 + one flag per genre)", len(f), 5+len(genres))
		}
		id, err := parseID("item", f[0])
		if err != nil {
			return nil, lr.errorf("%v", err)
		}
		it := Item{ID: id, Title: strings.TrimSpace(f[1])}
		for g, flag := range f[5:] {
			switch strings.TrimSpace(flag) {
			case "1":
				it.Genres = append(it.Genres, genres[g])
			case "0":
			default:
				return nil, lr.errorf("genre flag %q is not 0 or 1", flag)
			}
		}
		out = append(out, it)
	}
	return out, lr.err()
}
