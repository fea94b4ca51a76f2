package driftrec

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
)

// TestDecodeVersion1 reads a profile written in version 1, whose event refs
// carried a vector where version 2 has the affinity: the vector is dropped.
func TestDecodeVersion1(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	b := []byte{profileMagic0, profileMagic1, profileVersion1}
	b = appendString(b, "u")
	b = appendString(b, "enc")
	b = binary.AppendUvarint(b, 3) // Version
	b = appendTime(b, t0)          // Updated
	b = binary.AppendVarint(b, 1)  // Events
	b = binary.AppendUvarint(b, 0) // NextInterestID
	b = appendLen(b, true, 0)      // Interests: nil
	b = appendString(b, "")        // Short.Session
	b = appendVector(b, nil)       // Short.Sum
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(0))
	b = appendTime(b, time.Time{})
	b = appendLen(b, true, 0) // Short.Events
	b = appendVector(b, nil)  // Negative.Sum
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(0))
	b = appendTime(b, time.Time{})
	b = appendLen(b, true, 0)  // Negative.Events
	b = appendLen(b, false, 1) // Recent: one version-1 ref
	b = appendString(b, "click")
	b = appendString(b, "A")
	b = appendString(b, "")
	b = appendTime(b, t0)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(1))
	b = appendVector(b, []float32{0.6, 0.8})
	b = appendLen(b, true, 0) // Seen: nil
	var p Profile
	if err := p.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if p.User != "u" || p.Version != 3 || len(p.Recent) != 1 || p.Recent[0].Item != "A" || p.Recent[0].Weight != 1 || p.Recent[0].Affinity != 0 {
		t.Fatalf("decoded %+v", p)
	}
}
