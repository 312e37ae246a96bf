package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
)

// TestTestRollbackStatusAcrossInvocations runs a job's life as separate commands sharing a
// credential database and a job store: test, status, a second test that fails, rollback,
// a rollback too many, and the job list.
func TestTestRollbackStatusAcrossInvocations(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	src := f.lab.Sources[0]

	o := cli(t, nil, f.flags(append([]string{"test", "--json"}, f.requestFlags()...)...)...)
	require.Equal(t, exitOK, o.code)
	lines, res := o.jsonLines(t)
	require.NotNil(t, res.Job)
	jobID := res.Job.ID
	assert.Equal(t, failover.StatusSucceeded, res.Job.Status)
	assert.Equal(t, "database", res.Source)
	var types []string
	for _, l := range lines[:len(lines)-1] {
		types = append(types, l["type"].(string))
	}
	assert.Equal(t, "job_started", types[0])
	assert.Equal(t, "job_finished", types[len(types)-1])
	assert.Equal(t, 8, strings.Count(strings.Join(types, " "), "step_finished"))
	requireNoSecret(t, o, f.secrets(t))
	vm, ok := f.lab.Cloud.State().VM(createdVM(res.Job))
	require.True(t, ok, "the test VM exists in CloudStack")
	assert.Equal(t, cloudstack.VMRunning, vm.State)

	o = cli(t, nil, "status", jobID, "--store", f.store)
	require.Equal(t, exitOK, o.code)
	for _, want := range []string{"job " + jobID, "SUCCEEDED", src.Path, "snapshot_volumes", "ledger:", "database account " + testCloud} {
		assert.Contains(t, o.stdout, want)
	}

	// The volumes are on the test VM now, so a second test of the same VM fails preflight.
	o = cli(t, nil, f.flags(append([]string{"test", "--no-progress"}, f.requestFlags()...)...)...)
	assert.Equal(t, exitFailed, o.code)
	assert.Contains(t, o.stdout, "preflight FAILED")
	assert.Contains(t, o.stderr, "failoverctl: ")

	o = cli(t, nil, f.flags("rollback", jobID, "--no-progress")...)
	require.Equal(t, exitOK, o.code)
	for _, want := range []string{"rollback job " + jobID + ": started", "[1/7] stop_vm done in", "[7/7] delete_snapshots done in", "ROLLED_BACK"} {
		assert.Contains(t, o.stdout, want)
	}
	assert.Regexp(t, `\n  rollback +completed\n`, o.stdout)
	state := f.lab.Cloud.State()
	for i, id := range src.VolumeIDs {
		v, ok := state.Volume(id)
		require.True(t, ok)
		assert.Equal(t, src.ApplianceVMID, v.VMID, "volume %s is back on the appliance", id)
		assert.Equal(t, src.DeviceIDs[i], v.DeviceID)
	}
	requireNoSecret(t, o, f.secrets(t))

	o = cli(t, nil, f.flags("rollback", jobID)...)
	assert.Equal(t, exitJob, o.code)
	assert.Contains(t, o.stderr, "already rolled back")
	assert.Contains(t, o.stderr, "\nfix: ")

	o = cli(t, nil, "status", "--json", "--store", f.store)
	require.Equal(t, exitOK, o.code)
	_, res = o.jsonLines(t)
	require.Len(t, res.Jobs, 2)
	assert.Equal(t, jobID, res.Jobs[0].ID)
	assert.Equal(t, failover.StatusRolledBack, res.Jobs[0].Status)
	assert.Equal(t, failover.StatusFailed, res.Jobs[1].Status)

	o = cli(t, nil, "status", "--store", f.store, "--status", "rolled_back")
	require.Equal(t, exitOK, o.code)
	assert.Contains(t, o.stdout, jobID)
	assert.Equal(t, 2, strings.Count(o.stdout, "\n"), "a header and one job")

	o = cli(t, nil, "status", "20260101-000000000000", "--store", f.store)
	assert.Equal(t, exitJob, o.code)
	assert.Contains(t, o.stderr, "fix: list the jobs")
}

// TestLabServe keeps the simulators up in one process and drives them from others with the
// settings it prints.
func TestLabServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	serve := exec.CommandContext(ctx, binary(t), "lab", "serve", "--json", "--dir", dir, "--sources", "1")
	serve.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	stdout, err := serve.StdoutPipe()
	require.NoError(t, err)
	stdin, err := serve.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, serve.Start())
	t.Cleanup(func() { _ = serve.Process.Kill(); _ = serve.Wait() })

	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan(), "lab serve printed nothing")
	var ready struct {
		Type string  `json:"type"`
		Lab  labInfo `json:"lab"`
	}
	require.NoError(t, json.Unmarshal(sc.Bytes(), &ready))
	require.Equal(t, "lab_ready", ready.Type)
	require.Len(t, ready.Lab.Sources, 1)
	var env []string
	for k, v := range ready.Lab.Env {
		env = append(env, k+"="+v)
	}

	o := cli(t, env, "creds", "check")
	require.Equal(t, exitOK, o.code)
	assert.Contains(t, o.stdout, "ok      cloudstack default")
	assert.Contains(t, o.stdout, "ok      vsphere default ("+simVCenterSet+")")

	s := ready.Lab.Sources[0]
	args := []string{"test", "--json", "--vm-path", s.Path}
	for _, v := range s.Volumes {
		args = append(args, "--volume", v)
	}
	o = cli(t, env, args...)
	require.Equal(t, exitOK, o.code)
	_, res := o.jsonLines(t)
	require.NotNil(t, res.Job)

	o = cli(t, env, "rollback", res.Job.ID, "--json")
	require.Equal(t, exitOK, o.code)
	_, res = o.jsonLines(t)
	assert.Equal(t, failover.StatusRolledBack, res.Job.Status)

	// Rotated in the simulators only: the stored sets are stale until "store".
	said := func(command, want string) {
		t.Helper()
		_, err := io.WriteString(stdin, command+"\n")
		require.NoError(t, err)
		require.True(t, sc.Scan())
		var m map[string]string
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		require.Equal(t, want, m["type"], m["message"])
	}
	said("rotate", "lab_rotated")
	o = cli(t, env, "creds", "check")
	assert.Equal(t, exitCredentials, o.code)
	assert.Contains(t, o.stdout, "FAILED  cloudstack default")
	assert.Contains(t, o.stdout, "FAILED  vsphere default")
	said("store", "lab_stored")
	o = cli(t, env, "creds", "check")
	assert.Equal(t, exitOK, o.code)

	require.NoError(t, serve.Process.Signal(syscall.SIGINT))
	for sc.Scan() {
		var last result
		if json.Unmarshal(sc.Bytes(), &last) == nil && last.Type == "result" {
			assert.True(t, last.OK)
		}
	}
	require.NoError(t, serve.Wait())
	_, err = os.Stat(ready.Lab.Store)
	assert.NoError(t, err, "--dir keeps the job store")
}

// TestInterruptThenResume interrupts a test failover with SIGINT, as Ctrl-C would, and
// resumes the job from another invocation.
func TestInterruptThenResume(t *testing.T) {
	t.Parallel()
	f := newLabDBWith(t, failovertest.Options{CloudStackOptions: []cssim.Option{cssim.WithLatency(40 * time.Millisecond)}})
	p := startFlow(t, f.flags(append([]string{"test", "--no-progress"}, f.requestFlags()...)...)...)
	if p.until(atCreateVM) != "" {
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	}
	err := p.wait()
	t.Logf("interrupted run:\n%s\nstderr:\n%s", p.stdout.String(), p.stderr.String())
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, exitFailed, exit.ExitCode())
	jobID := p.jobID
	assert.Contains(t, p.stderr.String(), "fix: the operation was interrupted and left as it was: failoverctl resume "+jobID)
	require.NotEmpty(t, jobID)

	o := cli(t, nil, "status", jobID, "--json", "--store", f.store)
	require.Equal(t, exitOK, o.code)
	_, res := o.jsonLines(t)
	require.Equal(t, failover.StatusInterrupted, res.Job.Status)

	o = cli(t, nil, f.flags("resume", jobID, "--no-progress")...)
	require.Equal(t, exitOK, o.code)
	assert.Contains(t, o.stdout, "[1/8] preflight skipped (done before)")
	assert.Contains(t, o.stdout, "[8/8] validate done in")
	assert.Contains(t, o.stdout, "SUCCEEDED")

	f.rollBack(t, jobID)
}

// TestOperationCredentialsProblem: an operation whose credential set is gone exits 3 and
// says how to fix it.
func TestOperationCredentialsProblem(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	require.NoError(t, f.writer.DeactivateCloudStack(context.Background(), testCloud))
	for _, args := range [][]string{
		append([]string{"plan"}, f.requestFlags()...),
		append([]string{"test"}, f.requestFlags()...),
	} {
		o := cli(t, nil, f.flags(args...)...)
		assert.Equal(t, exitCredentials, o.code)
		assert.Contains(t, o.stderr, "ossea_configs")
		assert.Contains(t, o.stderr, "\nfix: ")
		requireNoSecret(t, o, f.secrets(t))
	}
	o := cli(t, nil, f.flags(append([]string{"test", "--json", "--cloudstack-account", "elsewhere"}, f.requestFlags()...)...)...)
	assert.Equal(t, exitCredentials, o.code)
	_, res := o.jsonLines(t)
	assert.Equal(t, exitCredentials, res.ExitCode)
	assert.Contains(t, res.Error, "elsewhere")
	assert.NotEmpty(t, res.Remedy)
}

// --vm-context makes the operation use the vCenter set the database links to the VM.
func TestVMContextUsesTheLinkedSet(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	ctx := context.Background()
	_, err := f.writer.PutVSphere(ctx, "vc-linked", f.lab.VSphereSet())
	require.NoError(t, err)
	// The appliance creates replication contexts; failoverkit only links them.
	db, closeDB, err := openDB(ctx, f.dbPath, false, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(closeDB)
	src := f.lab.Sources[0]
	require.NoError(t, db.Exec("INSERT INTO vm_replication_contexts (context_id, vm_name, vmware_vm_id, vm_path, vcenter_host, datacenter) VALUES (?, ?, ?, ?, ?, ?)",
		"ctx-1", src.Name, "vm-ctx-1", src.Path, "vcenter.example.invalid", "DC0").Error)
	require.NoError(t, f.writer.LinkVM(ctx, "ctx-1", "vc-linked"))

	o := cli(t, nil, f.flags(append([]string{"plan", "--json", "--vm-context", "ctx-1"}, f.requestFlags()...)...)...)
	require.Equal(t, exitOK, o.code, o.stderr)
	assert.Contains(t, o.stdout, "vc-linked", "the plan names the linked set")

	o = cli(t, nil, f.flags(append([]string{"plan", "--vm-context", "ctx-1", "--vcenter-account", testVCenter}, f.requestFlags()...)...)...)
	assert.Equal(t, exitUsage, o.code, "naming the set both ways is a usage error")

	require.NoError(t, f.writer.DeactivateVSphere(ctx, "vc-linked"))
	o = cli(t, nil, f.flags(append([]string{"plan", "--vm-context", "ctx-1"}, f.requestFlags()...)...)...)
	assert.Equal(t, exitCredentials, o.code, "a broken link is a credentials problem, never the default set")
	requireNoSecret(t, o, f.secrets(t))
}
