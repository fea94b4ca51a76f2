// Package hugepage grows the large flat arrays of the vector index (stored
// vectors, graph links) so that the operating system can back them with
// transparent huge pages.
//
// Why: a graph walk reads about a kilobyte at an unpredictable place for
// every node it scores. With 4 KiB pages a 100k-item catalogue of 1,024-d
// int8 vectors spans 25,000 pages, far more than the TLB covers, so almost
// every read first walks the page table; inside a virtual machine (nested
// paging) that walk is itself several dependent memory reads. With 2 MiB
// pages the same array is 50 pages. On the team's 2-core VM a dependent
// 1 KiB read costs 411 instead of 537 ns (BenchmarkDependentReads), and
// walks of a 100k × 1,024 int8 graph took 7–11 % less time with its
// arrays on huge pages than with the same arrays on small pages, measured
// in one process, alternating (docs/ann.md, "Huge pages").
//
// The Go runtime does not ask for huge pages itself, so Grow allocates an
// array from the Go heap with room to align it to a 2 MiB boundary and
// advises the kernel (madvise MADV_HUGEPAGE, then MADV_COLLAPSE for pages
// already touched). The memory stays an ordinary Go slice, owned and freed
// by the garbage collector; nothing here unmaps anything. When such an
// array is freed its range keeps the advice, and the kernel may back the
// runtime's later reuse of it with huge pages too, so resident memory can
// stay near the peak those arrays reached (never above it). The advice is
// best effort: where the kernel refuses it, or on other systems, Grow is
// an ordinary amortised append.
package hugepage

import "unsafe"

// Size is the huge-page size arrays are aligned to (x86-64 and arm64 with
// 4 KiB base pages).
const Size = 2 << 20

// MinBytes is the smallest array Grow aligns and advises: below it the
// alignment slack would be a large share of the array, and a catalogue
// that small fits the TLB anyway.
const MinBytes = 2 * Size

// Elem is what the arrays hold: plain numbers, no pointers.
type Elem interface {
	~int8 | ~uint8 | ~uint16 | ~uint32 | ~float32
}

// Grow returns s extended to length n, new elements zero, like
// append(s, make([]T, n-len(s))...). When it must reallocate it grows the
// capacity by at least a quarter, so calling it once per added item stays
// amortised linear, and a new array of MinBytes or more starts on a huge
// page boundary with the kernel advised to back it with huge pages.
func Grow[T Elem](s []T, n int) []T {
	if n <= len(s) {
		return s[:n]
	}
	if n <= cap(s) {
		t := s[:n]
		clear(t[len(s):])
		return t
	}
	var zero T
	size := int(unsafe.Sizeof(zero))
	c := max(n, cap(s)+cap(s)/4)
	if c*size < MinBytes {
		return append(s, make([]T, n-len(s))...)
	}
	// Round the capacity up to whole huge pages: the tail of the last page
	// would otherwise be wasted or shared with unrelated objects.
	c = wholePages(c*size) / size
	buf := make([]T, c+Size/size)
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % Size); r != 0 {
		off = (Size - r) / size
	}
	t := buf[off : off+c : off+c]
	// Collapse only what the old contents fill: the rest may still be
	// untouched, and then faults in as huge pages when first written,
	// rather than taking memory now.
	used := wholePages(len(s) * size)
	advise(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t))), c*size), used)
	copy(t, s)
	return t[:n]
}

// wholePages rounds a byte count up to a multiple of Size.
func wholePages(bytes int) int { return (bytes + Size - 1) / Size * Size }
