package hugepage

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BenchmarkDependentReads reads 1 KiB rows of a 256 MiB array at
// pseudo-random places, each place depending on the previous read, as a
// graph walk does, from memory advised for small and for huge pages.
// Both arrays are mapped here rather than taken from the Go heap, whose
// ranges may carry earlier advice.
func BenchmarkDependentReads(b *testing.B) {
	const size, row = 256 << 20, 1024
	for _, tc := range []struct {
		name   string
		advice int
	}{{"pages=small", unix.MADV_NOHUGEPAGE}, {"pages=huge", unix.MADV_HUGEPAGE}} {
		b.Run(tc.name, func(b *testing.B) {
			raw, err := unix.Mmap(-1, 0, size+Size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
			if err != nil {
				b.Fatal(err)
			}
			defer unix.Munmap(raw)
			off := (Size - int(uintptr(unsafe.Pointer(&raw[0]))%Size)) % Size
			m := raw[off : off+size]
			if err := unix.Madvise(m, tc.advice); err != nil {
				b.Skipf("madvise: %v", err)
			}
			for i := range m {
				m[i] = byte(i * 7)
			}
			x, sum := uint64(88172645463325252), 0
			b.ResetTimer()
			for b.Loop() {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				r := int((x + uint64(sum&1)) % (size / row))
				for k := r * row; k < (r+1)*row; k += 64 { // one byte per cache line
					sum += int(m[k])
				}
			}
		})
	}
}
