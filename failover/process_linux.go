//go:build linux

package failover

import (
	"os"
	"strconv"
	"strings"
)

// bootID distinguishes boots of one host, so that a pid from before a reboot is never taken
// for a live process.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// processStart returns the start time of process pid in clock ticks since boot (field 22 of
// /proc/<pid>/stat), and false when there is no such process or it has exited: a zombie
// (state Z, not yet reaped by its parent) or a dead one (X) runs nothing and renews no lease.
func processStart(pid int) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	// The command name (field 2) is in parentheses and may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", true
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state); starttime is field 22.
	if len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X") {
		return "", false
	}
	if len(fields) < 20 {
		return "", true
	}
	return fields[19], true
}

// processIdentity identifies process pid beyond its number: the boot and the start time, so
// that neither a reboot nor a reused pid is mistaken for it. ok is false when there is no such
// process.
func processIdentity(pid int) (id string, ok bool) {
	start, ok := processStart(pid)
	if !ok {
		return "", false
	}
	return bootID() + "/" + start, true
}

// processGone reports whether process pid, whose identity was started (as processIdentity
// gave it), is provably no longer running on this host. A process that cannot be inspected
// counts as running.
func processGone(pid int, started string) bool {
	now, ok := processIdentity(pid)
	if !ok {
		return true
	}
	return started != "" && now != started
}
