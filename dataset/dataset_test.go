package dataset

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/importer"
)

func unix(s int64) time.Time { return time.Unix(s, 0).UTC() }

func TestLoadFolders(t *testing.T) {
	tests := []struct {
		dir          string
		name         string
		items        []Item
		interactions []Interaction
		context      []ContextEvent
	}{
		{
			dir:  "ml-latest-tiny",
			name: "ml-latest-tiny",
			items: []Item{
				{ID: "1", Title: "Toy Story (1995)", Genres: []string{"Adventure", "Animation", "Children", "Comedy", "Fantasy"}},
				{ID: "2", Title: "American President, The (1995)", Genres: []string{"Comedy", "Drama", "Romance"}},
				{ID: "3", Title: "Heat (1995)", Genres: []string{"Action", "Crime", "Thriller"}},
				{ID: "4", Title: "Brief History of Time (1991)"},
			},
			interactions: []Interaction{
				{User: "1", Item: "1", Type: driftrec.EventRating, Value: 4, HasValue: true, Time: unix(964982703), Order: 0},
				{User: "1", Item: "3", Type: driftrec.EventRating, Value: 4.5, HasValue: true, Time: unix(964981247), Order: 1},
				{User: "2", Item: "2", Type: driftrec.EventRating, Value: 1, HasValue: true, Time: unix(964982224), Order: 2},
				{User: "1", Item: "2", Type: driftrec.EventRating, Value: 3, HasValue: true, Time: unix(964981247), Order: 3},
			},
			context: []ContextEvent{
				{User: "2", Item: "1", Type: driftrec.EventComment, Text: "pixar", Time: unix(1445714994), Order: 0},
				{User: "2", Item: "3", Type: driftrec.EventComment, Text: "Al Pacino, De Niro", Time: unix(1445714996), Order: 1},
			},
		},
		{
			dir:  "ml-100k-tiny",
			name: "ml-100k-tiny",
			items: []Item{
				{ID: "1", Title: "Toy Story (1995)", Genres: []string{"Comedy"}},
				{ID: "2", Title: "Les Misérables (1995)", Genres: []string{"Action", "Comedy"}},
			},
			interactions: []Interaction{
				{User: "1", Item: "2", Type: driftrec.EventRating, Value: 5, HasValue: true, Time: unix(881250949), Order: 0},
				{User: "1", Item: "1", Type: driftrec.EventRating, Value: 3, HasValue: true, Time: unix(881250950), Order: 1},
				{User: "2", Item: "1", Type: driftrec.EventRating, Value: 1, HasValue: true, Time: unix(881250949), Order: 2},
			},
		},
		{
			dir:  "ml-1m-tiny",
			name: "ml-1m-tiny",
			items: []Item{
				{ID: "1193", Title: "One Flew Over the Cuckoo's Nest (1975)", Genres: []string{"Drama"}},
				{ID: "661", Title: "Misérables, Les (1995)", Genres: []string{"Drama", "Musical"}},
			},
			interactions: []Interaction{
				{User: "1", Item: "1193", Type: driftrec.EventRating, Value: 5, HasValue: true, Time: unix(978300760), Order: 0},
				{User: "1", Item: "661", Type: driftrec.EventRating, Value: 3, HasValue: true, Time: unix(978302109), Order: 1},
				{User: "2", Item: "1193", Type: driftrec.EventRating, Value: 2, HasValue: true, Time: unix(978298413), Order: 2},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			d, err := Load(filepath.Join("testdata", tc.dir), "")
			if err != nil {
				t.Fatal(err)
			}
			if d.Name != tc.name {
				t.Errorf("name %q, want %q", d.Name, tc.name)
			}
			if !reflect.DeepEqual(d.Items, tc.items) {
				t.Errorf("items\n got %+v\nwant %+v", d.Items, tc.items)
			}
			if !reflect.DeepEqual(d.Interactions, tc.interactions) {
				t.Errorf("interactions\n got %+v\nwant %+v", d.Interactions, tc.interactions)
			}
			if !reflect.DeepEqual(d.Context, tc.context) {
				t.Errorf("context\n got %+v\nwant %+v", d.Context, tc.context)
			}
		})
	}
}

func TestLoadEventLog(t *testing.T) {
	d, err := Load(filepath.Join("testdata", "events.jsonl"), filepath.Join("testdata", "items.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	wantItems := []Item{
		{ID: "shoe-1", Title: "trail running shoe", Genres: []string{"shoes"}},
		{ID: "shoe-2", Title: "road running shoe", Genres: []string{"shoes"}},
		{ID: "mug-1", Title: "ceramic coffee mug", Genres: []string{"kitchen"}},
	}
	if !reflect.DeepEqual(d.Items, wantItems) {
		t.Errorf("items %+v", d.Items)
	}
	ts := func(s string) time.Time { x, _ := time.Parse(time.RFC3339, s); return x.UTC() }
	wantInter := []Interaction{
		{User: "u1", Item: "shoe-1", Type: driftrec.EventClick, Time: ts("2024-01-01T10:01:00Z"), Order: 1},
		{User: "u1", Item: "shoe-2", Type: driftrec.EventRating, Value: 4.5, HasValue: true, Time: ts("2024-01-01T10:03:00Z"), Order: 3},
		{User: "u2", Item: "mug-1", Type: driftrec.EventPurchase, Session: "s9", Time: ts("2024-01-02T09:00:00Z"), Order: 4},
	}
	if !reflect.DeepEqual(d.Interactions, wantInter) {
		t.Errorf("interactions\n got %+v\nwant %+v", d.Interactions, wantInter)
	}
	wantCtx := []ContextEvent{
		{User: "u1", Type: driftrec.EventQuery, Text: "running shoes", Time: ts("2024-01-01T10:00:00Z"), Order: 0},
		{User: "u1", Item: "mug-1", Type: driftrec.EventDislike, Time: ts("2024-01-01T10:02:00Z"), Order: 2},
	}
	if !reflect.DeepEqual(d.Context, wantCtx) {
		t.Errorf("context\n got %+v\nwant %+v", d.Context, wantCtx)
	}

	// Without an items file the catalogue is what the events name.
	d, err = Load(filepath.Join("testdata", "events.jsonl"), "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range d.Items {
		ids = append(ids, it.ID)
	}
	if want := []string{"shoe-1", "shoe-2", "mug-1"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("items without a file: %v, want %v", ids, want)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name string
		read func(string) error
		in   string
		want string
	}{
		{"ratings header", func(s string) error { _, err := ReadMovieLensRatings(strings.NewReader(s), "r.csv"); return err },
			"user,movie,rating,ts\n", `header is "user,movie,rating,ts"`},
		{"ratings empty", func(s string) error { _, err := ReadMovieLensRatings(strings.NewReader(s), "r.csv"); return err },
			"", "empty file"},
		{"ratings NaN", func(s string) error { _, err := ReadMovieLensRatings(strings.NewReader(s), "r.csv"); return err },
			"userId,movieId,rating,timestamp\n1,2,NaN,5\n", "r.csv:2: rating \"NaN\""},
		{"ratings time", func(s string) error { _, err := ReadMovieLensRatings(strings.NewReader(s), "r.csv"); return err },
			"userId,movieId,rating,timestamp\n1,2,3,-5\n", "timestamp \"-5\""},
		{"ratings fields", func(s string) error { _, err := ReadMovieLensRatings(strings.NewReader(s), "r.csv"); return err },
			"userId,movieId,rating,timestamp\n1,2,3\n", "wrong number of fields"},
		{"ratings empty user", func(s string) error { _, err := ReadMovieLensRatings(strings.NewReader(s), "r.csv"); return err },
			"userId,movieId,rating,timestamp\n,2,3,4\n", "user must not be empty"},
		{"ratings long line", func(s string) error { _, err := ReadMovieLensRatings(strings.NewReader(s), "r.csv"); return err },
			"userId,movieId,rating,timestamp\n" + strings.Repeat("9", maxLine+1), "longer than"},
		{"movies quote", func(s string) error { _, err := ReadMovieLensMovies(strings.NewReader(s), "m.csv"); return err },
			"movieId,title,genres\n1,\"Toy,Drama\n", "m.csv"},
		{"tags user", func(s string) error { _, err := ReadMovieLensTags(strings.NewReader(s), "t.csv"); return err },
			"userId,movieId,tag,timestamp\n\x01,2,x,3\n", "control characters"},
		{"100k fields", func(s string) error { _, err := ReadML100KRatings(strings.NewReader(s), "u.data"); return err },
			"1\t2\t3\n", "u.data:1: 3 tab-separated fields"},
		{"100k long line", func(s string) error { _, err := ReadML100KRatings(strings.NewReader(s), "u.data"); return err },
			strings.Repeat("x", maxLine+1), "u.data:1: line longer than"},
		{"100k item flags", func(s string) error {
			_, err := ReadML100KItems(strings.NewReader(s), "u.item", []string{"a", "b"})
			return err
		},
			"1|T|d||u|0|2\n", "genre flag \"2\""},
		{"100k item fields", func(s string) error {
			_, err := ReadML100KItems(strings.NewReader(s), "u.item", []string{"a", "b"})
			return err
		},
			"1|T|d||u|0\n", "6 fields, want 7"},
		{"100k genres order", func(s string) error { _, err := ReadML100KGenres(strings.NewReader(s), "u.genre"); return err },
			"a|0\nb|2\n", "out of order"},
		{"1m fields", func(s string) error { _, err := ReadML1MRatings(strings.NewReader(s), "ratings.dat"); return err },
			"1::2::3\n", "ratings.dat:1: 3 \"::\"-separated"},
		{"1m movie id", func(s string) error { _, err := ReadML1MMovies(strings.NewReader(s), "movies.dat"); return err },
			"::T::Drama\n", "movie must not be empty"},
		{"events no time", func(s string) error {
			_, err := ReadEvents(strings.NewReader(s), importer.JSONL, "e.jsonl")
			return err
		},
			`{"user":"u","type":"click","item":"i"}` + "\n", "no timestamp"},
		{"events bad type", func(s string) error {
			_, err := ReadEvents(strings.NewReader(s), importer.JSONL, "e.jsonl")
			return err
		},
			`{"user":"u","type":"poke","item":"i","ts":1}` + "\n", "unknown event type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.read(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadRejectsUnknownFolder(t *testing.T) {
	_, err := Load(t.TempDir(), "")
	if err == nil || !strings.Contains(err.Error(), "holds no ratings.csv") {
		t.Fatalf("error %v", err)
	}
	if _, err := Load(filepath.Join("testdata", "ml-latest-tiny"), "items.jsonl"); err == nil {
		t.Fatal("an items file with a MovieLens folder was accepted")
	}
}

func TestLoadMovieLensSmall(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "data", "ml-latest-small")
	d, err := Load(dir, "")
	if err != nil {
		t.Fatalf("the shared MovieLens data must load: %v", err)
	}
	if len(d.Interactions) != 100836 || len(d.Items) != 9742 || len(d.Context) != 3683 {
		t.Fatalf("%d ratings, %d movies, %d tags; want 100836, 9742, 3683", len(d.Interactions), len(d.Items), len(d.Context))
	}
}
