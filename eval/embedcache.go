package eval

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/driftrec/driftrec"
)

// CachedEncoder answers Encode from a disk cache of vectors keyed by the
// encoder's ID and a hash of the text, and encodes only what is missing,
// so that a second evaluation run does not re-embed the catalogue with a
// slow neural encoder. It has the ID and dimension of the encoder it
// wraps: its vectors are that encoder's vectors.
type CachedEncoder struct {
	inner driftrec.Encoder
	path  string

	mu    sync.Mutex
	vecs  map[[16]byte][]float32
	added int
}

var _ driftrec.Encoder = (*CachedEncoder)(nil)

// cacheMagic starts every cache file; the format is the magic, the
// encoder ID (uvarint length + bytes), the dimension (uvarint), then
// records of a 16-byte text hash and dim little-endian float32s.
const cacheMagic = "driftrec-embeddings/v1\n"

// NewCachedEncoder wraps inner with the cache file for its ID in dir,
// loading what an earlier run saved. An unreadable cache file is an
// error; a missing one is an empty cache.
func NewCachedEncoder(inner driftrec.Encoder, dir string) (*CachedEncoder, error) {
	sum := sha256.Sum256([]byte(inner.ID()))
	c := &CachedEncoder{
		inner: inner,
		path:  filepath.Join(dir, "embeddings-"+hex.EncodeToString(sum[:8])+".bin"),
		vecs:  map[[16]byte][]float32{},
	}
	f, err := os.Open(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("eval: embedding cache: %w", err)
	}
	defer f.Close()
	if err := c.read(bufio.NewReader(f)); err != nil {
		return nil, fmt.Errorf("eval: embedding cache %s: %w", c.path, err)
	}
	return c, nil
}

func (c *CachedEncoder) read(r *bufio.Reader) error {
	magic := make([]byte, len(cacheMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != cacheMagic {
		return errors.New("not an embedding cache file")
	}
	n, err := binary.ReadUvarint(r)
	if err != nil || n > 4096 {
		return errors.New("bad encoder ID length")
	}
	id := make([]byte, n)
	if _, err := io.ReadFull(r, id); err != nil {
		return fmt.Errorf("encoder ID: %w", err)
	}
	if string(id) != c.inner.ID() {
		return fmt.Errorf("made by encoder %q, not %q", id, c.inner.ID())
	}
	dim, err := binary.ReadUvarint(r)
	if err != nil || dim != uint64(c.inner.Dim()) {
		return fmt.Errorf("dimension %d, want %d", dim, c.inner.Dim())
	}
	rec := make([]byte, 16+4*dim)
	for {
		if _, err := io.ReadFull(r, rec); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("truncated record: %w", err)
		}
		var key [16]byte
		copy(key[:], rec)
		v := make([]float32, dim)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(rec[16+4*i:]))
		}
		c.vecs[key] = v
	}
}

// ID implements driftrec.Encoder.
func (c *CachedEncoder) ID() string { return c.inner.ID() }

// Dim implements driftrec.Encoder.
func (c *CachedEncoder) Dim() int { return c.inner.Dim() }

func textKey(text string) [16]byte {
	s := sha256.Sum256([]byte(text))
	var k [16]byte
	copy(k[:], s[:16])
	return k
}

// Encode implements driftrec.Encoder.
func (c *CachedEncoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var missing []string
	var at []int
	c.mu.Lock()
	for i, t := range texts {
		if v, ok := c.vecs[textKey(t)]; ok {
			out[i] = v
			continue
		}
		missing = append(missing, t)
		at = append(at, i)
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	vecs, err := c.inner.Encode(ctx, missing)
	if err != nil {
		return nil, err
	}
	if len(vecs) != len(missing) {
		return nil, fmt.Errorf("eval: encoder returned %d vectors for %d texts", len(vecs), len(missing))
	}
	c.mu.Lock()
	for j, v := range vecs {
		out[at[j]] = v
		if len(v) == c.inner.Dim() {
			c.vecs[textKey(missing[j])] = v
			c.added++
		}
	}
	c.mu.Unlock()
	return out, nil
}

// Save writes the cache if anything was added, atomically (a temporary
// file renamed over the old one).
func (c *CachedEncoder) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.added == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return fmt.Errorf("eval: embedding cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".embeddings-*")
	if err != nil {
		return fmt.Errorf("eval: embedding cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	w.WriteString(cacheMagic)
	var b [binary.MaxVarintLen64]byte
	id := c.inner.ID()
	w.Write(b[:binary.PutUvarint(b[:], uint64(len(id)))])
	w.WriteString(id)
	w.Write(b[:binary.PutUvarint(b[:], uint64(c.inner.Dim()))])
	rec := make([]byte, 16+4*c.inner.Dim())
	for k, v := range c.vecs {
		copy(rec, k[:])
		for i, x := range v {
			binary.LittleEndian.PutUint32(rec[16+4*i:], math.Float32bits(x))
		}
		w.Write(rec)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("eval: embedding cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("eval: embedding cache: %w", err)
	}
	// Readable like the model files it is derived from (CreateTemp makes
	// it private).
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("eval: embedding cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("eval: embedding cache: %w", err)
	}
	c.added = 0
	return nil
}
