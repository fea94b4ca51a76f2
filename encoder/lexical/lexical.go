// Package lexical is driftrec's built-in encoder that needs no model files:
// it hashes word and character n-grams into a fixed number of signed
// buckets, weights them by inverse document frequency fitted on the
// catalogue, and L2-normalises the result.
//
// Features, after NFKC normalisation and lower-casing:
//   - Latin-script and digit words: the word, the pair of adjacent words,
//     and character trigrams of the word with boundary markers ("<ru", "run",
//     "unn", ..., "ng>"), which tolerate inflection and typos;
//   - CJK (Han, Kana, Hangul) runs: every character and every pair of
//     adjacent characters, since Chinese has no spaces and the characters
//     themselves carry meaning (鞋 in 运动鞋 and 跑鞋垫).
//
// Each feature is hashed with FNV-1a to two buckets, each with a sign
// (signed feature hashing keeps collisions unbiased; two buckets halve the
// variance a collision adds). The weight of a feature in a text is
// (1 + ln tf) · idf, idf = ln((N+1)/(df+1)) + 1 over the fitted catalogue;
// a feature no item has gets idf 1, the weight of the commonest features.
//
// The fitted statistics are part of the encoder's identity: ID() changes
// when Fit is called on a different catalogue, so vectors made before and
// after a refit are never mixed.
package lexical

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DefaultDim is the number of hash buckets when Options.Dim is zero.
const DefaultDim = 1024

// Options configure an Encoder. The zero value is usable.
type Options struct {
	// Dim is the vector length (number of hash buckets).
	Dim int
}

// Encoder is the lexical encoder. It is safe for concurrent use; Fit
// replaces the statistics atomically with respect to Encode.
type Encoder struct {
	dim int

	mu  sync.RWMutex
	df  map[uint64]uint32
	n   uint32
	fp  string // fingerprint of (n, df)
	idf func(h uint64) float64
}

// New returns an encoder with uniform weights (every idf is 1) until Fit is
// called.
func New(opts Options) *Encoder {
	if opts.Dim <= 0 {
		opts.Dim = DefaultDim
	}
	e := &Encoder{dim: opts.Dim}
	e.setStats(0, map[uint64]uint32{})
	return e
}

// ID implements driftrec.Encoder.
func (e *Encoder) ID() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return fmt.Sprintf("lexical/v1/d%d/idf:%s", e.dim, e.fp)
}

// Dim implements driftrec.Encoder.
func (e *Encoder) Dim() int { return e.dim }

// Documents is the number of texts the statistics were fitted on.
func (e *Encoder) Documents() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return int(e.n)
}

// Fit computes document frequencies over texts (normally every item of the
// catalogue) and replaces the current statistics.
func (e *Encoder) Fit(texts []string) {
	df := make(map[uint64]uint32)
	seen := make(map[uint64]struct{})
	for _, t := range texts {
		clear(seen)
		forEachFeature(t, func(h uint64, _ float64) {
			seen[h] = struct{}{}
		})
		for h := range seen {
			df[h]++
		}
	}
	e.setStats(uint32(len(texts)), df)
}

func (e *Encoder) setStats(n uint32, df map[uint64]uint32) {
	fp := fingerprint(n, df)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n, e.df, e.fp = n, df, fp
	if n == 0 {
		e.idf = func(uint64) float64 { return 1 }
		return
	}
	logN := math.Log(float64(n) + 1)
	e.idf = func(h uint64) float64 {
		d, ok := df[h]
		if !ok {
			// A feature no item has (a query's "well-reviewed", "cheap")
			// cannot help retrieval, and giving it the highest IDF would
			// let such modifiers decide which queries look alike.
			return 1
		}
		return logN - math.Log(float64(d)+1) + 1
	}
}

// fingerprint hashes the statistics in a canonical order.
func fingerprint(n uint32, df map[uint64]uint32) string {
	keys := make([]uint64, 0, len(df))
	for k := range df {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	h := sha256.New()
	var buf [12]byte
	binary.LittleEndian.PutUint32(buf[:4], n)
	h.Write(buf[:4])
	for _, k := range keys {
		binary.LittleEndian.PutUint64(buf[:8], k)
		binary.LittleEndian.PutUint32(buf[8:], df[k])
		h.Write(buf[:])
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// Encode implements driftrec.Encoder. A text with no features (empty, or
// only punctuation) yields the zero vector.
func (e *Encoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	e.mu.RLock()
	idf := e.idf
	e.mu.RUnlock()
	out := make([][]float32, len(texts))
	tf := make(map[uint64]float64)
	var keys []uint64
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("lexical: %w", err)
			}
		}
		clear(tf)
		forEachFeature(t, func(h uint64, w float64) { tf[h] += w })
		// Features that share a bucket add up in float32, so the order of
		// the additions shows in the last bits: a fixed order makes a text's
		// vector the same in every process (a profile replayed from the log
		// after a crash must equal the one built live).
		keys = keys[:0]
		for h := range tf {
			keys = append(keys, h)
		}
		slices.Sort(keys)
		v := make([]float32, e.dim)
		for _, h := range keys {
			c := tf[h]
			w := (1 + math.Log(c)) * idf(h) * (1 / math.Sqrt2)
			// Two buckets per feature, from the two halves of the hash:
			// a collision then shares only half of a feature's weight,
			// which halves the variance of spurious similarity.
			for _, part := range [2]uint32{uint32(h), uint32(h >> 32)} {
				b := int(part>>1) % e.dim
				if part&1 == 1 {
					v[b] -= float32(w)
				} else {
					v[b] += float32(w)
				}
			}
		}
		normalize(v)
		out[i] = v
	}
	return out, nil
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// Feature kinds are mixed into the hash so that, say, the word "on" and the
// trigram "<on" never collide by construction.
const (
	kindWord    = 'w'
	kindBigram  = 'b'
	kindTrigram = 't'
	kindHan     = 'h'
	kindHanPair = 'p'
)

// Features returns the features of a text with their raw counts, for
// inspection and tests. Keys are human-readable ("w:run", "h:鞋", ...).
func Features(text string) map[string]float64 {
	out := make(map[string]float64)
	walk(text, func(kind byte, s string, w float64) { out[string(kind)+":"+s] += w })
	return out
}

func forEachFeature(text string, fn func(h uint64, w float64)) {
	walk(text, func(kind byte, s string, w float64) { fn(hash(kind, s), w) })
}

func hash(kind byte, s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte{kind, 0})
	h.Write([]byte(s))
	return h.Sum64()
}

// Feature weights: words carry most meaning, trigrams recover near
// matches, and Han pairs matter more than single characters.
const (
	weightWord    = 1.0
	weightBigram  = 0.5
	weightTrigram = 0.25
	weightHan     = 1.0
	weightHanPair = 1.0
	// weightFunction scales features made of Chinese function characters
	// (particles, common copulas and prepositions): a catalogue-fitted IDF
	// cannot learn that 的 is empty when the catalogue is item titles that
	// rarely contain it, while queries contain it all the time.
	weightFunction = 0.1
)

// isFunctionChar reports whether r is a Chinese function character.
func isFunctionChar(r rune) bool {
	switch r {
	case '的', '了', '吗', '呢', '吧', '啊', '是', '在', '和', '与', '及', '或',
		'得', '地', '着', '过', '把', '被', '给', '也', '都', '就', '很', '又',
		'这', '那', '个', '些', '有', '我', '你', '他', '她', '它', '们':
		return true
	}
	return false
}

// walk splits text into Latin words and CJK runs and reports features.
func walk(text string, fn func(kind byte, s string, w float64)) {
	text = strings.ToLower(norm.NFKC.String(text))
	var prevWord string
	var word []rune
	var cjk []rune
	flushWord := func() {
		if len(word) == 0 {
			return
		}
		w := string(word)
		fn(kindWord, w, weightWord)
		if prevWord != "" {
			fn(kindBigram, prevWord+" "+w, weightBigram)
		}
		prevWord = w
		if len(word) >= 3 {
			padded := make([]rune, 0, len(word)+2)
			padded = append(padded, '<')
			padded = append(padded, word...)
			padded = append(padded, '>')
			for i := 0; i+3 <= len(padded); i++ {
				fn(kindTrigram, string(padded[i:i+3]), weightTrigram)
			}
		}
		word = word[:0]
	}
	flushCJK := func() {
		for i, r := range cjk {
			w := weightHan
			if isFunctionChar(r) {
				w *= weightFunction
			}
			fn(kindHan, string(r), w)
			if i+1 < len(cjk) {
				w := weightHanPair
				if isFunctionChar(r) || isFunctionChar(cjk[i+1]) {
					w *= weightFunction
				}
				fn(kindHanPair, string(cjk[i:i+2]), w)
			}
		}
		cjk = cjk[:0]
	}
	for _, r := range text {
		switch {
		case isCJK(r):
			flushWord()
			prevWord = ""
			cjk = append(cjk, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			flushCJK()
			word = append(word, r)
		case r == '\'' || r == '’':
			// Apostrophes join contractions ("don't") rather than split them.
			if len(word) > 0 {
				continue
			}
			flushCJK()
		default:
			flushWord()
			flushCJK()
			if !unicode.IsSpace(r) {
				// Punctuation ends a phrase: no bigram across it.
				prevWord = ""
			}
		}
	}
	flushWord()
	flushCJK()
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// State serialises the fitted statistics so they survive restarts.
func (e *Encoder) State() []byte {
	e.mu.RLock()
	defer e.mu.RUnlock()
	keys := make([]uint64, 0, len(e.df))
	for k := range e.df {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	buf := make([]byte, 0, 16+12*len(keys))
	buf = append(buf, 'L', 'X', 1, 0)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(e.dim))
	buf = binary.LittleEndian.AppendUint32(buf, e.n)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(keys)))
	for _, k := range keys {
		buf = binary.LittleEndian.AppendUint64(buf, k)
		buf = binary.LittleEndian.AppendUint32(buf, e.df[k])
	}
	return buf
}

// ErrState is returned by LoadState for malformed or mismatched state.
var ErrState = errors.New("lexical: invalid encoder state")

// LoadState restores statistics written by State. The state must have been
// written by an encoder of the same dimension.
func (e *Encoder) LoadState(b []byte) error {
	if len(b) < 16 || b[0] != 'L' || b[1] != 'X' || b[2] != 1 {
		return fmt.Errorf("%w: bad header", ErrState)
	}
	dim := binary.LittleEndian.Uint32(b[4:])
	if int(dim) != e.dim {
		return fmt.Errorf("%w: state has %d dimensions, encoder has %d", ErrState, dim, e.dim)
	}
	n := binary.LittleEndian.Uint32(b[8:])
	count := binary.LittleEndian.Uint32(b[12:])
	if uint64(len(b)-16) != uint64(count)*12 {
		return fmt.Errorf("%w: %d entries do not fit %d bytes", ErrState, count, len(b)-16)
	}
	df := make(map[uint64]uint32, count)
	for p := 16; p < len(b); p += 12 {
		df[binary.LittleEndian.Uint64(b[p:])] = binary.LittleEndian.Uint32(b[p+8:])
	}
	e.setStats(n, df)
	return nil
}
