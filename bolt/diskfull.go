package bolt

import (
	"errors"
	"strings"
	"syscall"
)

// isDiskFull reports whether a write failed for lack of space: the disk
// or quota is full, or the process's file size limit (RLIMIT_FSIZE) is
// reached. bbolt reports a failed resize as text ("file resize error:
// ..."), not as a wrapped error, hence the message check.
func isDiskFull(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{syscall.ENOSPC.Error(), syscall.EFBIG.Error(), syscall.EDQUOT.Error()} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
