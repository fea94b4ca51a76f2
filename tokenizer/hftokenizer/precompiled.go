package hftokenizer

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// precompiledNormalizer applies a SentencePiece precompiled_charsmap: a
// darts-clone double-array trie over UTF-8 byte strings whose values are
// offsets into a pool of NUL-terminated replacement strings.
//
// The lookup reproduces the reference's quirks exactly, because they decide
// token ids: each grapheme cluster shorter than 6 bytes is looked up whole,
// and the first (shortest) key that is a prefix of it wins, replacing the
// entire cluster; otherwise each character is looked up on its own.
type precompiledNormalizer struct {
	units []uint32
	pool  []byte
}

func parsePrecompiled(b64 string) (*precompiledNormalizer, error) {
	blob, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("precompiled_charsmap is not base64: %w", err)
	}
	if len(blob) < 4 {
		return nil, fmt.Errorf("precompiled_charsmap of %d bytes has no trie size", len(blob))
	}
	trieSize := binary.LittleEndian.Uint32(blob)
	if trieSize%4 != 0 || int64(trieSize) > int64(len(blob)-4) {
		return nil, fmt.Errorf("precompiled_charsmap declares a %d-byte trie in %d bytes", trieSize, len(blob)-4)
	}
	p := &precompiledNormalizer{units: make([]uint32, trieSize/4), pool: blob[4+trieSize:]}
	for i := range p.units {
		p.units[i] = binary.LittleEndian.Uint32(blob[4+4*i:])
	}
	if !utf8.Valid(p.pool) {
		return nil, fmt.Errorf("precompiled_charsmap replacement strings are not UTF-8")
	}
	return p, nil
}

func unitHasLeaf(u uint32) bool { return (u>>8)&1 == 1 }
func unitValue(u uint32) uint32 { return u & (1<<31 - 1) }
func unitLabel(u uint32) uint32 { return u & (1<<31 | 0xFF) }
func unitOffset(u uint32) uint32 {
	return (u >> 10) << ((u & (1 << 9)) >> 6)
}

// firstPrefixValue walks the trie along key and returns the value of the
// shortest key in the trie that is a prefix of it. A malformed trie (an
// index past the end) ends the walk as a miss.
func (p *precompiledNormalizer) firstPrefixValue(key string) (uint32, bool) {
	if len(p.units) == 0 {
		return 0, false
	}
	pos := unitOffset(p.units[0])
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == 0 {
			break
		}
		pos ^= uint32(c)
		if int64(pos) >= int64(len(p.units)) {
			return 0, false
		}
		u := p.units[pos]
		if unitLabel(u) != uint32(c) {
			return 0, false
		}
		pos ^= unitOffset(u)
		if unitHasLeaf(u) {
			if int64(pos) >= int64(len(p.units)) {
				return 0, false
			}
			return unitValue(p.units[pos]), true
		}
	}
	return 0, false
}

// lookup returns the replacement for chunk, if the trie has one.
func (p *precompiledNormalizer) lookup(chunk string) (string, bool) {
	v, ok := p.firstPrefixValue(chunk)
	if !ok || int64(v) >= int64(len(p.pool)) {
		return "", false
	}
	end := int(v)
	for end < len(p.pool) && p.pool[end] != 0 {
		end++
	}
	s := p.pool[v:end]
	if !utf8.Valid(s) {
		return "", false
	}
	return string(s), true
}

func (p *precompiledNormalizer) normalize(n *normStr) error {
	if len(n.runes) == 0 {
		return nil
	}
	src := string(n.runes)
	var edits []edit
	modified := false
	// push appends the replacement of count old characters, with the
	// reference's change counts (which misplace origins when a replacement
	// is longer than what it replaces; only offsets are affected).
	push := func(repl string, count int) {
		newCount := utf8.RuneCountInString(repl)
		k := 0
		for _, r := range repl {
			c := k
			if k == 0 {
				c = newCount - count
			}
			edits = append(edits, edit{r, c})
			k++
		}
	}
	state := -1
	rest := src
	for len(rest) > 0 {
		var cluster string
		cluster, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if len(cluster) < 6 {
			if repl, ok := p.lookup(cluster); ok {
				modified = true
				push(repl, utf8.RuneCountInString(cluster))
				continue
			}
		}
		for _, r := range cluster {
			part := string(r)
			if repl, ok := p.lookup(part); ok {
				modified = true
				push(repl, 1)
			} else {
				edits = append(edits, edit{r, 0})
			}
		}
	}
	if modified {
		n.transform(edits, 0)
	}
	return nil
}
