package hf

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/safetensors"
	"github.com/driftrec/driftrec/tokenizer/hftokenizer"
)

// Options adjust how Load sets an encoder up. The zero value follows the
// folder's own configuration.
type Options struct {
	// Prompt, when not nil, is prepended to every text, replacing the
	// folder's default prompt (config_sentence_transformers.json).
	Prompt *string
	// Workers bounds the forward passes one encoder runs at once;
	// 0 means GOMAXPROCS.
	Workers int
	// ChunkTokens is the token budget of one forward pass; 0 means 512.
	ChunkTokens int
}

// Encoder is a sentence-transformers (or plain transformers) folder with a
// BERT-family model. It implements driftrec.Encoder and is safe for
// concurrent use: a call's texts are split into chunks that up to Workers
// goroutines encode at once, and concurrent calls share those workers.
type Encoder struct {
	id        string
	model     *Model
	tok       *hftokenizer.Tokenizer
	maxTokens int
	lower     bool
	prompt    string
	promptLen int // tokens of the prompt to leave out of pooling
	pipe      pipeline
	dim       int
	workers   int
	chunk     int
	slots     chan *workspace
}

var _ driftrec.Encoder = (*Encoder)(nil)

// Load reads the encoder in dir: config.json, model.safetensors and
// tokenizer.json (in the Transformer module's folder), modules.json with its
// Pooling, Dense and Normalize modules, and the optional
// sentence_bert_config.json, tokenizer_config.json and
// config_sentence_transformers.json.
func Load(dir string) (*Encoder, error) {
	return LoadOptions(dir, Options{})
}

// LoadOptions is Load with options.
func LoadOptions(dir string, opts Options) (*Encoder, error) {
	e, err := load(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("hf: %s: %w", dir, err)
	}
	return e, nil
}

func load(dir string, opts Options) (*Encoder, error) {
	pipe, err := readPipeline(dir)
	if err != nil {
		return nil, err
	}
	tdir := pipe.transformerDir
	cfg, err := readConfig(filepath.Join(tdir, "config.json"))
	if err != nil {
		return nil, err
	}
	weights := filepath.Join(tdir, "model.safetensors")
	f, err := safetensors.Open(weights)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no model.safetensors (PyTorch .bin weights are not read): %w", err)
		}
		return nil, err
	}
	defer f.Close()
	m, err := loadModel(cfg, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", weights, err)
	}
	digest, err := fileDigest(weights)
	if err != nil {
		return nil, err
	}
	tok, err := hftokenizer.Load(filepath.Join(tdir, "tokenizer.json"))
	if err != nil {
		return nil, err
	}
	if n := tok.VocabSize(); n > cfg.VocabSize {
		return nil, fmt.Errorf("tokenizer has %d tokens but the model's vocabulary only %d", n, cfg.VocabSize)
	}
	st, err := readSentenceBertConfig(tdir)
	if err != nil {
		return nil, err
	}
	maxTokens, err := maxSequenceLength(tdir, st, tok, cfg)
	if err != nil {
		return nil, err
	}
	tok = tok.WithTruncation(&hftokenizer.Truncation{MaxLength: maxTokens}).WithPadding(nil)

	prompt := ""
	if opts.Prompt != nil {
		prompt = *opts.Prompt
	} else if prompt, err = defaultPrompt(dir); err != nil {
		return nil, err
	}
	return assemble(parts{
		id:        "hf:" + filepath.Base(absOrClean(dir)) + "@" + digest[:12],
		model:     m,
		tok:       tok,
		maxTokens: maxTokens,
		lower:     st.DoLowerCase,
		prompt:    prompt,
		pipe:      pipe,
	}, opts)
}

// parts are the pieces of an encoder read from a folder.
type parts struct {
	id        string
	model     *Model
	tok       *hftokenizer.Tokenizer
	maxTokens int
	lower     bool
	prompt    string
	pipe      pipeline
}

// assemble builds an encoder from its parts; tok must already truncate at
// maxTokens.
func assemble(p parts, opts Options) (*Encoder, error) {
	e := &Encoder{
		id:        p.id,
		model:     p.model,
		tok:       p.tok,
		maxTokens: p.maxTokens,
		lower:     p.lower,
		prompt:    p.prompt,
		pipe:      p.pipe,
		workers:   opts.Workers,
		chunk:     opts.ChunkTokens,
	}
	if e.workers <= 0 {
		e.workers = runtime.GOMAXPROCS(0)
	}
	if e.chunk <= 0 {
		e.chunk = 512
	}
	e.chunk = max(e.chunk, e.maxTokens)
	e.dim = e.pipe.pooling.Dim(e.model.cfg.HiddenSize)
	for i, d := range e.pipe.dense {
		if d.lin.in != e.dim {
			return nil, fmt.Errorf("Dense module %d takes %d features, the pipeline gives it %d", i, d.lin.in, e.dim)
		}
		e.dim = d.lin.out
	}
	if e.prompt != "" && !e.pipe.pooling.IncludePrompt {
		// sentence-transformers masks the prompt's tokens, counted with
		// the leading special tokens but not the closing one.
		prompt := e.prompt
		if e.lower {
			prompt = strings.ToLower(prompt)
		}
		enc, err := e.tok.Encode(prompt)
		if err != nil {
			return nil, fmt.Errorf("encoding the prompt: %w", err)
		}
		e.promptLen = max(enc.Len()-1, 0)
	}
	e.slots = make(chan *workspace, e.workers)
	for range e.workers {
		e.slots <- nil
	}
	return e, nil
}

func absOrClean(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return filepath.Clean(dir)
}

// fileDigest is the hex SHA-256 of a file.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type sentenceBertConfig struct {
	MaxSeqLength *int `json:"max_seq_length"`
	DoLowerCase  bool `json:"do_lower_case"`
}

func readSentenceBertConfig(dir string) (sentenceBertConfig, error) {
	var c sentenceBertConfig
	data, err := os.ReadFile(filepath.Join(dir, "sentence_bert_config.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("sentence_bert_config.json: %w", err)
	}
	return c, nil
}

// maxSequenceLength picks the truncation length as sentence-transformers
// does: max_seq_length if set, else the tokenizer's limit, never more than
// the position table allows.
func maxSequenceLength(dir string, st sentenceBertConfig, tok *hftokenizer.Tokenizer, cfg Config) (int, error) {
	limit := cfg.maxTokens()
	n := 0
	switch {
	case st.MaxSeqLength != nil:
		n = *st.MaxSeqLength
	case tok.Truncation() != nil:
		n = tok.Truncation().MaxLength
	default:
		data, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, err
		}
		if err == nil {
			var c struct {
				ModelMaxLength float64 `json:"model_max_length"`
			}
			if err := json.Unmarshal(data, &c); err != nil {
				return 0, fmt.Errorf("tokenizer_config.json: %w", err)
			}
			// Tokenizers without a limit store a huge placeholder.
			if c.ModelMaxLength > 0 && c.ModelMaxLength < float64(limit) {
				n = int(c.ModelMaxLength)
			}
		}
	}
	if n <= 0 || n > limit {
		n = limit
	}
	return n, nil
}

func defaultPrompt(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "config_sentence_transformers.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var c struct {
		Prompts map[string]string `json:"prompts"`
		Default *string           `json:"default_prompt_name"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return "", fmt.Errorf("config_sentence_transformers.json: %w", err)
	}
	if c.Default == nil {
		return "", nil
	}
	p, ok := c.Prompts[*c.Default]
	if !ok {
		return "", fmt.Errorf("config_sentence_transformers.json: default prompt %q is not among the prompts", *c.Default)
	}
	return p, nil
}

// ID is "hf:<folder name>@<first 12 hex digits of the SHA-256 of
// model.safetensors>".
func (e *Encoder) ID() string { return e.id }

// Dim is the length of the vectors Encode returns.
func (e *Encoder) Dim() int { return e.dim }

// MaxTokens is the truncation length, special tokens included.
func (e *Encoder) MaxTokens() int { return e.maxTokens }

// Model returns the transformer.
func (e *Encoder) Model() *Model { return e.model }

// Tokenizer returns the tokenizer, truncating at MaxTokens.
func (e *Encoder) Tokenizer() *hftokenizer.Tokenizer { return e.tok }

// Pooling returns the pooling the folder configures.
func (e *Encoder) Pooling() Pooling { return e.pipe.pooling }

// Normalizes reports whether vectors are scaled to unit length.
func (e *Encoder) Normalizes() bool { return e.pipe.normalize }

// preprocess applies the prompt and the folder's lowercasing.
func (e *Encoder) preprocess(text string) string {
	text = e.prompt + text
	if e.lower {
		text = strings.ToLower(text)
	}
	return text
}

// Tokenize encodes text as Encode does: prompt, lowercasing if the folder
// asks for it, special tokens and truncation.
func (e *Encoder) Tokenize(text string) (hftokenizer.Encoding, error) {
	return e.tok.Encode(e.preprocess(text))
}

// Encode returns one vector per text, in order.
func (e *Encoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hf: encode: %w", err)
	}
	inputs := make([]Input, len(texts))
	var tokErr error
	var tokOnce sync.Once
	parallelFor(len(texts), e.workers, func(i int) {
		enc, err := e.Tokenize(texts[i])
		if err != nil {
			tokOnce.Do(func() { tokErr = fmt.Errorf("text %d: %w", i, err) })
			return
		}
		inputs[i] = Input{IDs: enc.IDs, TypeIDs: enc.TypeIDs}
	})
	if tokErr != nil {
		return nil, fmt.Errorf("hf: encode: %w", tokErr)
	}
	out := make([][]float32, len(texts))
	chunks := planChunks(inputs, e.workers, e.chunk)
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
				if err := e.encodeChunk(ctx, chunks[c], inputs, out); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("hf: encode: %w", firstErr)
	}
	return out, nil
}

// encodeChunk runs one forward pass over the texts whose indices are in
// chunk and pools their vectors into out.
func (e *Encoder) encodeChunk(ctx context.Context, chunk []int, inputs []Input, out [][]float32) error {
	var ws *workspace
	select {
	case ws = <-e.slots:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { e.slots <- ws }()
	batch := make([]Input, len(chunk))
	total, longest := 0, 0
	for k, i := range chunk {
		batch[k] = inputs[i]
		total += len(inputs[i].IDs)
		longest = max(longest, len(inputs[i].IDs))
	}
	if !ws.fits(total, longest) {
		capTokens, capLen := max(total, e.chunk), max(longest, e.maxTokens)
		if ws != nil {
			capTokens, capLen = max(capTokens, ws.tokens), max(capLen, ws.maxLen)
		}
		ws = e.model.newWorkspace(capTokens, capLen)
	}
	if err := e.model.forward(ctx, ws, batch); err != nil {
		return err
	}
	h := e.model.cfg.HiddenSize
	row := 0
	for _, i := range chunk {
		n := len(inputs[i].IDs)
		out[i] = e.finish(ws.x[row*h : (row+n)*h])
		row += n
	}
	return nil
}

// finish pools a text's hidden state and applies the dense and
// normalisation modules.
func (e *Encoder) finish(hidden []float32) []float32 {
	v := e.pipe.pooling.Apply(hidden, e.model.cfg.HiddenSize, e.promptLen)
	for _, d := range e.pipe.dense {
		v = d.apply(v)
	}
	if e.pipe.normalize {
		normalizeL2(v)
	}
	return v
}

// planChunks groups text indices into chunks of at most budget tokens,
// longest texts first so the slowest chunks start earliest. A call smaller
// than workers·budget is split evenly so every worker gets a share.
func planChunks(inputs []Input, workers, budget int) [][]int {
	order := make([]int, len(inputs))
	total := 0
	for i := range order {
		order[i] = i
		total += len(inputs[i].IDs)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(len(inputs[b].IDs), len(inputs[a].IDs))
	})
	if even := (total + workers - 1) / workers; even < budget {
		budget = max(even, 1)
	}
	var chunks [][]int
	var cur []int
	curTokens := 0
	for _, i := range order {
		n := len(inputs[i].IDs)
		if len(cur) > 0 && curTokens+n > budget {
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

// parallelFor calls f(i) for i in [0, n) on up to workers goroutines.
func parallelFor(n, workers int, f func(i int)) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}
