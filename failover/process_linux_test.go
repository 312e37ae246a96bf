//go:build linux

package failover

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A holder killed but not yet reaped by its parent (a zombie) is gone: it runs nothing and
// will never renew its lease, however long its parent takes to wait for it.
func TestZombieHolderIsGone(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessSleeps$")
	cmd.Env = append(os.Environ(), "FAILOVERKIT_TEST_SLEEP=1")
	require.NoError(t, cmd.Start())
	pid := cmd.Process.Pid
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	started, ok := processIdentity(pid)
	require.True(t, ok, "the helper process is running")
	require.False(t, processGone(pid, started), "a running holder is not gone")

	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	require.Eventually(t, func() bool { return processGone(pid, started) }, 10*time.Second, 10*time.Millisecond,
		"a killed holder is gone before its parent reaps it")
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	require.NoError(t, err, "not reaped yet: the process is a zombie")
	require.Contains(t, string(b), ") Z ")
}
