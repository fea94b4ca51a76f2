package hugepage

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// TestAdvised checks, where the kernel offers transparent huge pages on
// request, that a large array lands in a mapping the kernel considers
// eligible for them.
func TestAdvised(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skipf("transparent huge pages unavailable here (%q, %v): Grow falls back to small pages", mode, err)
	}
	s := Grow([]int8(nil), 3*MinBytes)
	s[len(s)-1] = 1 // touch it
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	eligible, err := thpEligible(addr)
	if err != nil {
		t.Fatal(err)
	}
	if !eligible {
		t.Errorf("mapping of the array at %#x is not THP-eligible (mode %q)", addr, strings.TrimSpace(string(mode)))
	}
}

// thpEligible reads /proc/self/smaps for the mapping containing addr.
func thpEligible(addr uintptr) (bool, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		// Mapping headers start "lo-hi perms …"; field lines "Name: …"
		// never scan as two hex numbers.
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 {
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "THPeligible:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "THPeligible:")) == "1", nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	return false, fmt.Errorf("no mapping for %#x in /proc/self/smaps", addr)
}
