package cedict

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// FormatVersion is the version of the binary file layout. Bump it whenever
// the layout or the meaning of a field changes; older files are then stale.
const FormatVersion = 1

// MaxBinaryBytes bounds the binary file Decode accepts.
const MaxBinaryBytes = 256 << 20

const magic = "DRCEDICT"

// headerSize: magic, version, source size, mod time, SHA-256, entry count,
// ref count, blob length, body length.
const headerSize = 8 + 4 + 8 + 8 + 32 + 4 + 4 + 4 + 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is wrapped by every error Decode returns for a file that is not
// a well-formed dictionary of the current format version.
var ErrCorrupt = errors.New("cedict: corrupt binary dictionary")

// ErrVersion is wrapped by the error Decode returns for a well-formed file of
// another format version.
var ErrVersion = errors.New("cedict: binary dictionary has another format version")

// Encode serialises the dictionary into the binary format Decode reads.
func (d *Dict) Encode() []byte {
	refs, refIndex := collectRefs(d.entries)
	var blob []byte
	// Interning repeats (most traditional forms equal the simplified one, and
	// classifier refs recur) keeps the file and the loaded strings small.
	interned := make(map[string][2]uint32)
	str := func(body []byte, s string) []byte {
		loc, ok := interned[s]
		if !ok {
			loc = [2]uint32{uint32(len(blob)), uint32(len(s))}
			blob = append(blob, s...)
			interned[s] = loc
		}
		body = binary.AppendUvarint(body, uint64(loc[0]))
		return binary.AppendUvarint(body, uint64(loc[1]))
	}
	var body []byte
	for _, r := range refs {
		body = str(body, r.Traditional)
		body = str(body, r.Simplified)
		body = str(body, r.Pinyin)
	}
	for i := range d.entries {
		e := &d.entries[i]
		body = str(body, e.Traditional)
		body = str(body, e.Simplified)
		body = str(body, e.Pinyin)
		body = binary.AppendUvarint(body, uint64(len(e.Senses)))
		for _, s := range e.Senses {
			body = str(body, s)
		}
		for _, list := range [][]Ref{e.VariantOf, e.Classifiers} {
			body = binary.AppendUvarint(body, uint64(len(list)))
			for _, r := range list {
				body = binary.AppendUvarint(body, uint64(refIndex[r]))
			}
		}
	}
	out := make([]byte, 0, headerSize+len(blob)+len(body)+4)
	out = append(out, magic...)
	out = binary.LittleEndian.AppendUint32(out, FormatVersion)
	out = binary.LittleEndian.AppendUint64(out, uint64(d.source.Size))
	out = binary.LittleEndian.AppendUint64(out, uint64(d.source.ModTime.UnixNano()))
	out = append(out, d.source.SHA256[:]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(d.entries)))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(refs)))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(blob)))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	out = append(out, blob...)
	out = append(out, body...)
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

func collectRefs(entries []Entry) ([]Ref, map[Ref]int) {
	index := make(map[Ref]int)
	var refs []Ref
	for i := range entries {
		for _, list := range [][]Ref{entries[i].VariantOf, entries[i].Classifiers} {
			for _, r := range list {
				if _, ok := index[r]; !ok {
					index[r] = len(refs)
					refs = append(refs, r)
				}
			}
		}
	}
	return refs, index
}

// Header is what a binary file says about itself before its body is read.
type Header struct {
	Version int
	Source  Source
	Entries int
}

// ReadHeader parses the fixed-size header at the start of a binary file,
// without checking the body, so that staleness can be judged cheaply.
func ReadHeader(data []byte) (Header, error) {
	if len(data) < headerSize || string(data[:len(magic)]) != magic {
		return Header{}, fmt.Errorf("%w: bad magic or short header", ErrCorrupt)
	}
	le := binary.LittleEndian
	h := Header{
		Version: int(le.Uint32(data[8:])),
		Source: Source{
			Size:    int64(le.Uint64(data[12:])),
			ModTime: time.Unix(0, int64(le.Uint64(data[20:]))),
			SHA256:  [32]byte(data[28:60]),
		},
		Entries: int(le.Uint32(data[60:])),
	}
	return h, nil
}

// Decode parses a binary dictionary. Every count and offset is checked
// against the file's size, so corrupt input yields an error wrapping
// ErrCorrupt (or ErrVersion), never a panic or an allocation larger than a
// small multiple of len(data).
func Decode(data []byte) (*Dict, error) {
	if len(data) > MaxBinaryBytes {
		return nil, fmt.Errorf("%w: %d bytes exceeds the limit of %d", ErrCorrupt, len(data), MaxBinaryBytes)
	}
	h, err := ReadHeader(data)
	if err != nil {
		return nil, err
	}
	if h.Version != FormatVersion {
		return nil, fmt.Errorf("%w: version %d, this build reads %d", ErrVersion, h.Version, FormatVersion)
	}
	if len(data) < headerSize+4 {
		return nil, fmt.Errorf("%w: no checksum", ErrCorrupt)
	}
	le := binary.LittleEndian
	payload, sum := data[:len(data)-4], le.Uint32(data[len(data)-4:])
	if crc32.Checksum(payload, castagnoli) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	nEntries := uint64(le.Uint32(data[60:]))
	nRefs := uint64(le.Uint32(data[64:]))
	blobLen := uint64(le.Uint32(data[68:]))
	bodyLen := uint64(le.Uint32(data[72:]))
	if headerSize+blobLen+bodyLen != uint64(len(payload)) {
		return nil, fmt.Errorf("%w: section lengths %d+%d do not match the file", ErrCorrupt, blobLen, bodyLen)
	}
	// Each ref takes at least 6 bytes of body and each entry at least 9, so
	// these bounds keep the allocations below proportional to the file.
	if nRefs*6 > bodyLen || nEntries*9 > bodyLen {
		return nil, fmt.Errorf("%w: %d entries and %d refs cannot fit in %d bytes", ErrCorrupt, nEntries, nRefs, bodyLen)
	}
	// One string holds every headword, reading and sense; the entries' fields
	// are substrings of it, which saves an allocation per string.
	blob := string(payload[headerSize : headerSize+blobLen])
	r := &bodyReader{buf: payload[headerSize+blobLen:], blob: blob}
	refs := make([]Ref, nRefs)
	for i := range refs {
		refs[i] = Ref{Traditional: r.str(), Simplified: r.str(), Pinyin: r.str()}
	}
	entries := make([]Entry, nEntries)
	// Senses and ref lists of all entries share three backing arrays, grown
	// as the body is read and then sliced, so that a corrupt count cannot
	// make one huge allocation up front.
	type bounds struct{ senses, variants, classifiers [2]int }
	spans := make([]bounds, nEntries)
	var senses []string
	var refIdx []Ref
	for i := range entries {
		e := &entries[i]
		e.Traditional, e.Simplified, e.Pinyin = r.str(), r.str(), r.str()
		n := r.count()
		spans[i].senses[0] = len(senses)
		for range n {
			senses = append(senses, r.str())
		}
		spans[i].senses[1] = len(senses)
		for _, dst := range []*[2]int{&spans[i].variants, &spans[i].classifiers} {
			n := r.count()
			dst[0] = len(refIdx)
			for range n {
				j := r.uvarint()
				if j >= nRefs {
					r.fail("ref index out of range")
					break
				}
				refIdx = append(refIdx, refs[j])
			}
			dst[1] = len(refIdx)
		}
		if r.err == nil && (e.Traditional == "" || e.Simplified == "") {
			r.fail("empty headword")
		}
		if r.err != nil {
			return nil, fmt.Errorf("%w: entry %d: %s", ErrCorrupt, i, r.err)
		}
	}
	if len(r.buf) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes in body", ErrCorrupt, len(r.buf))
	}
	for i := range entries {
		s := spans[i]
		entries[i].Senses = senses[s.senses[0]:s.senses[1]:s.senses[1]]
		if s.variants[1] > s.variants[0] {
			entries[i].VariantOf = refIdx[s.variants[0]:s.variants[1]:s.variants[1]]
		}
		if s.classifiers[1] > s.classifiers[0] {
			entries[i].Classifiers = refIdx[s.classifiers[0]:s.classifiers[1]:s.classifiers[1]]
		}
	}
	return New(entries, h.Source), nil
}

// bodyReader decodes uvarints and blob references, remembering the first
// error so that the decoding loop stays readable.
type bodyReader struct {
	buf  []byte
	blob string
	err  error
}

func (r *bodyReader) fail(msg string) {
	if r.err == nil {
		r.err = errors.New(msg)
	}
	r.buf = nil
}

func (r *bodyReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

// count reads a list length, which can never exceed the bytes left because
// each element takes at least one.
func (r *bodyReader) count() uint64 {
	n := r.uvarint()
	if n > uint64(len(r.buf)) {
		r.fail("list length exceeds the data left")
		return 0
	}
	return n
}

func (r *bodyReader) str() string {
	off, n := r.uvarint(), r.uvarint()
	if r.err != nil {
		return ""
	}
	if off > uint64(len(r.blob)) || n > uint64(len(r.blob))-off {
		r.fail("string outside the blob")
		return ""
	}
	return r.blob[off : off+n]
}
