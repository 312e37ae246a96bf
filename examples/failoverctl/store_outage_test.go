package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// proxiedStore is a --store DSN for a fresh MariaDB database reached through a proxy that can
// be cut.
func proxiedStore(t *testing.T) (string, *testdb.Proxy) {
	t.Helper()
	cfg, proxy := testdb.MariaDBThroughProxy(t)
	return "mysql://" + cfg.FormatDSN(), proxy
}

// requireStoreFailure checks what a command reports when its job store failed: exit 7, one
// error naming --store and not the credential database, a fix, and none of the MySQL driver's
// own log lines.
func requireStoreFailure(t *testing.T, code int, stderr string) {
	t.Helper()
	assert.Equal(t, exitStore, code)
	assert.Equal(t, 1, strings.Count(stderr, "failoverctl: "), "one error:\n%s", stderr)
	assert.Equal(t, 2, strings.Count(stderr, "\n"), "the error and its fix, nothing else:\n%s", stderr)
	assert.Equal(t, 1, strings.Count(stderr, "job store (--store mysql://"), "the error names --store once:\n%s", stderr)
	assert.Regexp(t, `(?m)^fix: \S`, stderr)
	assert.NotContains(t, stderr, "[mysql]")
	assert.NotContains(t, stderr, "credentials: database")
}

// TestStoreOutage cuts the MariaDB job store in the middle of a test failover: the command
// stops with exit 7, one error naming --store and its fix; once the store is back, status
// agrees at its first read with what the command reported, and a rollback from a new process
// succeeds at once.
// A store that is down before the flow starts is reported as the store's failure too.
func TestStoreOutage(t *testing.T) {
	t.Parallel()
	f := newLabDBWith(t, failovertest.Options{CloudStackOptions: []cssim.Option{cssim.WithLatency(40 * time.Millisecond)}})
	store, proxy := proxiedStore(t)
	flags := func(args ...string) []string {
		return append(args, "--db", f.dbPath, "--key-file", f.keyPath, "--store", store, "--poll-interval", "5ms")
	}

	t.Run("down before the flow", func(t *testing.T) {
		proxy.SetCut(true)
		defer proxy.SetCut(false)
		o := cli(t, nil, flags(append([]string{"test", "--no-progress"}, f.requestFlags()...)...)...)
		requireStoreFailure(t, o.code, o.stderr)
		o = cli(t, nil, "status", "--store", store)
		requireStoreFailure(t, o.code, o.stderr)
		o = cli(t, nil, flags("rollback", "20260101-000000000000")...)
		requireStoreFailure(t, o.code, o.stderr)
		o = cli(t, nil, "status", "--json", "--store", store)
		_, res := o.jsonLines(t)
		assert.Equal(t, exitStore, res.ExitCode)
		assert.Contains(t, res.Error, "--store")
		assert.NotEmpty(t, res.Remedy)
	})

	t.Run("cut mid-flow", func(t *testing.T) {
		p := startFlow(t, flags(append([]string{"test", "--no-progress"}, f.requestFlags()...)...)...)
		if p.until(atCreateVM) != "" {
			proxy.SetCut(true)
		}
		err := p.wait()
		stderr := p.stderr.String()
		t.Logf("stdout:\n%s\nstderr:\n%s", p.stdout.String(), stderr)
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "the command failed: %v", err)
		jobID := p.jobID
		require.NotEmpty(t, jobID)
		requireStoreFailure(t, exit.ExitCode(), stderr)
		requireRemediesForUsers(t, stderr)
		assert.Contains(t, stderr, "fix: bring the job store back, then run failoverctl rollback (or failoverctl resume) "+jobID)
		assert.Contains(t, p.stdout.String(), "INTERRUPTED", "the command reports the job interrupted")

		proxy.SetCut(false)
		o := cli(t, nil, "status", jobID, "--json", "--store", store)
		require.Equal(t, exitOK, o.code)
		_, res := o.jsonLines(t)
		require.Equal(t, failover.StatusInterrupted, res.Job.Status, "status agrees with the command at once")
		o = cli(t, nil, "status", jobID, "--store", store)
		require.Equal(t, exitOK, o.code)
		assert.Contains(t, o.stdout, "INTERRUPTED")
		assert.NotRegexp(t, `Rollback|Resume`, o.stdout, "the job's error speaks in failoverctl's terms")

		start := time.Now()
		o = cli(t, nil, flags("rollback", jobID, "--json")...)
		require.Equal(t, exitOK, o.code, o.stderr)
		_, res = o.jsonLines(t)
		assert.Equal(t, failover.StatusRolledBack, res.Job.Status)
		t.Logf("rollback took %s", time.Since(start).Round(time.Millisecond))
		assert.Less(t, time.Since(start), 30*time.Second, "no wait for the dead process's lease to expire")
		state := f.lab.Cloud.State()
		src := f.lab.Sources[0]
		for _, id := range src.VolumeIDs {
			v, ok := state.Volume(id)
			require.True(t, ok)
			assert.Equal(t, src.ApplianceVMID, v.VMID, "volume %s is back on the appliance", id)
		}
	})
}
