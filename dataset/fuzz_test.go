package dataset

import (
	"bytes"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/importer"
)

// checkInteractions asserts what every reader promises about what it
// returns: valid IDs, finite values, orders counting from 0.
func checkInteractions(t *testing.T, xs []Interaction) {
	t.Helper()
	for i, x := range xs {
		if driftrec.ValidateID("user", x.User) != nil || driftrec.ValidateID("item", x.Item) != nil {
			t.Fatalf("invalid IDs accepted: %+v", x)
		}
		if math.IsNaN(x.Value) || math.IsInf(x.Value, 0) {
			t.Fatalf("non-finite value accepted: %+v", x)
		}
		if x.Order != i && x.Type == driftrec.EventRating {
			t.Fatalf("order %d at %d", x.Order, i)
		}
	}
}

func checkItems(t *testing.T, items []Item) {
	t.Helper()
	for _, it := range items {
		if driftrec.ValidateID("item", it.ID) != nil || !utf8.ValidString(it.Title) {
			t.Fatalf("invalid item accepted: %+v", it)
		}
		for _, g := range it.Genres {
			if g == "" || !utf8.ValidString(g) {
				t.Fatalf("invalid genre accepted: %+v", it)
			}
		}
	}
}

func FuzzMovieLensCSV(f *testing.F) {
	f.Add([]byte("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.0,964981247\n"))
	f.Add([]byte("movieId,title,genres\n1,\"Toy Story, The (1995)\",Animation|Comedy\n"))
	f.Add([]byte("userId,movieId,tag,timestamp\n2,60756,funny,1445714994\n"))
	f.Add([]byte("userId,movieId,rating,timestamp\n1,1,1e309,1\n"))
	f.Add([]byte("\ufeffuserId,movieId,rating,timestamp\r\n\"1\",\"2\",\"3\",\"4\"\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if xs, err := ReadMovieLensRatings(bytes.NewReader(data), "f"); err == nil {
			checkInteractions(t, xs)
		}
		if items, err := ReadMovieLensMovies(bytes.NewReader(data), "f"); err == nil {
			checkItems(t, items)
		}
		if tags, err := ReadMovieLensTags(bytes.NewReader(data), "f"); err == nil {
			for _, x := range tags {
				if x.Text == "" || !utf8.ValidString(x.Text) {
					t.Fatalf("invalid tag accepted: %+v", x)
				}
			}
		}
	})
}

func FuzzML100K(f *testing.F) {
	f.Add([]byte("1\t2\t5\t881250949\n2\t1\t1\t881250949\n"))
	f.Add([]byte("1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1\n2|Les Mis\xe9rables|d||u|1|1|0\n"))
	f.Add([]byte("unknown|0\nAction|1\nComedy|2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if xs, err := ReadML100KRatings(bytes.NewReader(data), "f"); err == nil {
			checkInteractions(t, xs)
		}
		if items, err := ReadML100KItems(bytes.NewReader(data), "f", []string{"unknown", "Action", "Comedy"}); err == nil {
			checkItems(t, items)
		}
		if gs, err := ReadML100KGenres(bytes.NewReader(data), "f"); err == nil && len(gs) == 0 {
			t.Fatal("no genres without an error")
		}
	})
}

func FuzzML1M(f *testing.F) {
	f.Add([]byte("1::1193::5::978300760\n1::661::3::978302109\n"))
	f.Add([]byte("661::Mis\xe9rables, Les (1995)::Drama|Musical\n"))
	f.Add([]byte("1::::5::978300760\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if xs, err := ReadML1MRatings(bytes.NewReader(data), "f"); err == nil {
			checkInteractions(t, xs)
		}
		if items, err := ReadML1MMovies(bytes.NewReader(data), "f"); err == nil {
			checkItems(t, items)
		}
	})
}

func FuzzEventLog(f *testing.F) {
	f.Add([]byte(`{"user":"u1","type":"click","item":"shoe-1","ts":"2024-01-01T10:01:00Z"}` + "\n" +
		`{"user":"u1","type":"query","text":"running shoes","ts":1704103200}` + "\n"))
	f.Add([]byte(`{"user":"u","type":"rating","item":"i","value":4.5,"ts":1}`))
	f.Add([]byte(`{"user":"u","type":"dislike","item":"i","ts":"bad"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ReadEvents(bytes.NewReader(data), importer.JSONL, "f")
		if err != nil {
			return
		}
		for _, x := range d.Interactions {
			if x.Time.IsZero() || driftrec.ValidateID("item", x.Item) != nil {
				t.Fatalf("invalid interaction accepted: %+v", x)
			}
		}
		for _, x := range d.Context {
			if x.Time.IsZero() {
				t.Fatalf("context event without time: %+v", x)
			}
		}
	})
}
