//go:build !linux

package failover

import (
	"errors"
	"os"
	"syscall"
)

// processIdentity has nothing beyond the pid to offer without /proc.
func processIdentity(int) (string, bool) { return "", true }

// processGone reports whether process pid is provably no longer running on this host. Without
// /proc a reused pid cannot be told apart, so only a missing process counts.
func processGone(pid int, _ string) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}
