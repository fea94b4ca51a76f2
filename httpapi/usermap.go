package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/driftrec/driftrec"
)

// maxMapItems bounds the recommended items on a map: the projection is
// cubic in the number of points.
const maxMapItems = 100

// mapPoint is one point of a user's map.
type mapPoint struct {
	// Kind is "interest", "session" (the short-term state), "dynamic"
	// (θ_dynamic, the fusion of session and history by α) or "item".
	Kind  string  `json:"kind"`
	ID    string  `json:"id,omitempty"`
	Label string  `json:"label"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	// Share is an interest's part of the list.
	Share float64 `json:"share,omitempty"`
	// Interest is the ID of the interest a recommended item serves.
	Interest *uint32 `json:"interest,omitempty"`
	Rank     int     `json:"rank,omitempty"`
	Score    float64 `json:"score,omitempty"`
}

type userMapJSON struct {
	User  string    `json:"user"`
	Alpha float64   `json:"alpha"`
	At    time.Time `json:"at"`
	// Explained is the share of variance along each axis.
	Explained [2]float64 `json:"explained"`
	Points    []mapPoint `json:"points"`
}

// getUserMap projects a user's interest centroids, short-term state,
// θ_dynamic and recommended items onto their first two principal
// components. It takes the recommendation knobs, so the console's map
// moves with the α slider. The projection is computed here rather than in
// the browser because the item vectors never leave the server otherwise,
// and a few dozen points of a thousand dimensions are cheaper to reduce
// than to ship.
func (s *Server) getUserMap(w http.ResponseWriter, r *http.Request) error {
	o, err := recommendOptions(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("n") == "" {
		o.N = 20
	}
	if o.N > maxMapItems {
		return driftrec.FieldErrorf("n", "a map shows at most %d items", maxMapItems)
	}
	user := r.PathValue("user")
	p, err := s.eng.Profile(r.Context(), user)
	if err != nil {
		return err
	}
	rec, err := s.eng.Recommend(r.Context(), user, o)
	if err != nil {
		return err
	}
	out := userMapJSON{User: user, Alpha: rec.Alpha, At: rec.At, Points: []mapPoint{}}
	var vecs [][]float32
	add := func(pt mapPoint, v []float32) {
		if len(v) == 0 || !finite(v) {
			return
		}
		out.Points = append(out.Points, pt)
		vecs = append(vecs, unitCopy(v))
	}
	if v := rec.View; v != nil {
		for _, q := range v.Queries {
			if q.Interest < 0 || q.Interest >= len(p.Interests) {
				continue
			}
			in := &p.Interests[q.Interest]
			add(mapPoint{Kind: "interest", ID: strconv.FormatUint(uint64(in.ID), 10), Label: s.eng.Label(in), Share: q.Share}, q.Centroid)
		}
		add(mapPoint{Kind: "session", Label: "current session"}, v.Short)
		add(mapPoint{Kind: "dynamic", Label: "θ_dynamic"}, v.Dynamic)
	}
	for i, it := range rec.Items {
		vec, ok := s.eng.Index().Vector(it.ID)
		if !ok {
			continue
		}
		pt := mapPoint{Kind: "item", ID: it.ID, Label: it.Text, Rank: i + 1, Score: it.Score}
		if e := it.Explanation; e != nil && e.Interest != nil {
			id := e.Interest.ID
			pt.Interest = &id
		}
		add(pt, vec)
	}
	xy, explained := project2D(vecs, 0)
	for i := range out.Points {
		out.Points[i].X, out.Points[i].Y = round4(xy[i][0]), round4(xy[i][1])
	}
	out.Explained = [2]float64{round4(explained[0]), round4(explained[1])}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// unitCopy returns v scaled to unit length: the map compares directions,
// as cosine similarity does.
func unitCopy(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	inv := 1 / math.Sqrt(n)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
