package hugepage

import (
	"testing"
	"unsafe"
)

func TestGrow(t *testing.T) {
	big := MinBytes / 4 // float32 elements in MinBytes
	tests := []struct {
		name     string
		len, cap int // of the starting slice
		n        int
		aligned  bool // the result must start on a huge-page boundary
	}{
		{"shrink keeps the array", 10, 10, 4, false},
		{"within capacity", 3, 100, 50, false},
		{"small reallocation", 10, 10, 11, false},
		{"large reallocation", 10, 10, big, true},
		{"grow a large array by one", big, big, big + 1, true},
		{"from nil", 0, 0, 3 * big, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := make([]float32, tt.len, tt.cap)
			for i := range s {
				s[i] = float32(i + 1)
			}
			// Dirty the spare capacity: Grow must still hand out zeros.
			full := s[:tt.cap]
			for i := tt.len; i < tt.cap; i++ {
				full[i] = -1
			}
			got := Grow(s, tt.n)
			if len(got) != tt.n {
				t.Fatalf("len %d, want %d", len(got), tt.n)
			}
			for i, v := range got {
				want := float32(0)
				if i < tt.len {
					want = float32(i + 1)
				}
				if v != want {
					t.Fatalf("element %d = %v, want %v", i, v, want)
				}
			}
			if tt.n > tt.cap && cap(got) < tt.cap+tt.cap/4 {
				t.Errorf("capacity %d after growing from %d: not amortised", cap(got), tt.cap)
			}
			addr := uintptr(unsafe.Pointer(unsafe.SliceData(got)))
			if tt.aligned && addr%Size != 0 {
				t.Errorf("array at %#x, not on a %d-byte boundary", addr, Size)
			}
			if tt.aligned && cap(got)*4%Size != 0 {
				t.Errorf("capacity %d float32s is not whole huge pages", cap(got))
			}
		})
	}
}

func TestGrowRepeatedlyKeepsContents(t *testing.T) {
	var s []uint32
	for i := range 3 * MinBytes / 4 {
		s = Grow(s, i+1)
		s[i] = uint32(i)
	}
	for i, v := range s {
		if v != uint32(i) {
			t.Fatalf("element %d = %d after repeated growth", i, v)
		}
	}
}
