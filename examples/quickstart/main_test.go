package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// build compiles the quickstart into a temporary folder, as a newcomer's go run does.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quickstart")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

func TestQuickstartTellsTheStory(t *testing.T) {
	t.Parallel()
	bin := build(t)
	cmd := exec.Command(bin, "-keep")
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	raw, err := cmd.Output()
	require.NoError(t, err, "the quickstart exits 0; it printed:\n%s", raw)
	out := string(raw)

	// 1. the test failover, step by step with progress and timing.
	for i, step := range []string{"preflight", "detach_volumes", "snapshot_volumes", "create_vm", "remove_root_volume",
		"attach_volumes", "start_vm", "validate"} {
		assert.Regexp(t, regexp.MustCompile(`\[ ?`+string(rune('1'+i))+`/8\] `+step+` +done +[0-9.]+[µm]?s`), out)
	}
	assert.Contains(t, out, "is running with the replicated volumes")

	// 2 and 3. rotation, then a rollback that used the new set, and the old one refused.
	assert.Contains(t, out, "2. Rotating credentials while this program keeps running")
	for i, step := range []string{"stop_vm", "detach_from_vm", "revert_snapshots", "reattach_volumes",
		"destroy_vm", "delete_root_volume", "delete_snapshots"} {
		assert.Regexp(t, regexp.MustCompile(`\[ ?`+string(rune('1'+i))+`/7\] `+step+` +done`), out)
	}
	assert.Contains(t, out, "outcome: completed; job status: rolled_back")
	fp := regexp.MustCompile(`the (rollback|failover) used .* version (\S+) fingerprint (sha256:[0-9a-f]{12})`)
	matches := fp.FindAllStringSubmatch(out, -1)
	require.Len(t, matches, 2)
	assert.Equal(t, "rollback", matches[0][1])
	assert.NotEqual(t, matches[0][2], matches[1][2], "the rollback used another version")
	assert.NotEqual(t, matches[0][3], matches[1][3], "the rollback used another secret")
	assert.Contains(t, out, "refused by CloudStack")
	assert.Contains(t, out, "refused by vCenter")
	assert.Contains(t, out, "new cloudstack credentials work")
	assert.Contains(t, out, "new vsphere credentials work")

	// 4. the deactivated configuration: refused before any change, with the remedy.
	assert.Contains(t, out, "nothing was changed (0 ledger entries)")
	assert.Contains(t, out, "remedy: activate one")

	// -keep leaves the database and says how to look at it.
	db := regexp.MustCompile(`The database is kept at (\S+)\.`).FindStringSubmatch(out)
	require.Len(t, db, 2)
	_, err = os.Stat(db[1])
	assert.NoError(t, err)
	assert.Contains(t, out, "sqlite3 "+db[1])

	// No secret shows: the lab's fake secrets all start with fake-.
	assert.False(t, strings.Contains(out, "fake-"), "a secret value was printed")
}
