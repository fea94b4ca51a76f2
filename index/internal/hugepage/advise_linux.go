package hugepage

import "golang.org/x/sys/unix"

// advise asks for huge pages over b, which starts on a huge-page boundary
// and spans whole huge pages. MADV_HUGEPAGE makes the kernel fault the
// untouched parts in as huge pages (where /sys/kernel/mm/transparent_hugepage
// allows "madvise"); MADV_COLLAPSE (Linux 6.1+) rebuilds, synchronously,
// the first used bytes, which the Go runtime may already have touched as
// small pages when it zeroed reused memory.
// Errors only mean the kernel declined (THP disabled, an older kernel, no
// free huge page): the array works the same, just with small pages.
func advise(b []byte, used int) {
	if unix.Madvise(b, unix.MADV_HUGEPAGE) != nil || used == 0 {
		return
	}
	_ = unix.Madvise(b[:used], unix.MADV_COLLAPSE)
}
