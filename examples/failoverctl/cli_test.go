package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds failoverctl once per test run, as a user would with go build.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "failoverctl-test-"); buildErr != nil {
			return
		}
		buildPath = filepath.Join(buildDir, "failoverctl")
		out, err := exec.Command(goTool(), "build", "-o", buildPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	require.NoError(t, buildErr)
	return buildPath
}

// goTool finds the go command: on PATH, else in GOROOT (which go test sets).
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// outcome is what one invocation printed and returned.
type outcome struct {
	stdout, stderr string
	code           int
}

// cli runs failoverctl with a clean environment (only PATH, a private HOME and env) so that
// nothing of the developer's own settings leaks in.
func cli(t *testing.T, env []string, args ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := outcome{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		o.code = exit.ExitCode()
	default:
		require.NoError(t, err)
	}
	t.Logf("failoverctl %s -> exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), o.code, o.stdout, o.stderr)
	requireRemediesForUsers(t, o.stderr)
	return o
}

// flowProcess is failoverctl running in its own process, its stdout read line by line as it
// prints them, so that a test can act at a chosen point of a flow.
type flowProcess struct {
	cmd    *exec.Cmd
	lines  *bufio.Scanner
	stdout strings.Builder // the lines read so far
	stderr strings.Builder
	jobID  string // the job the flow named, once that line is read
}

// startFlow starts failoverctl with args in the clean environment cli gives it; the process
// is killed after 60 seconds or when the test ends, whichever is first.
func startFlow(t *testing.T, args ...string) *flowProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	p := &flowProcess{cmd: exec.CommandContext(ctx, binary(t), args...)}
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	t.Cleanup(func() { cancel(); _ = p.cmd.Wait() })
	p.lines = bufio.NewScanner(stdout)
	return p
}

// until reads stdout up to the first line stop accepts and returns it, or "" when stdout
// ends first.
func (p *flowProcess) until(stop func(line string) bool) string {
	for p.lines.Scan() {
		line := p.lines.Text()
		p.stdout.WriteString(line + "\n")
		for _, kind := range []failover.Kind{failover.KindTestFailover, failover.KindLiveFailover} {
			if id, ok := strings.CutPrefix(line, string(kind)+" job "); ok {
				p.jobID, _, _ = strings.Cut(id, ":")
			}
		}
		if stop(line) {
			return line
		}
	}
	return ""
}

// wait reads the rest of stdout and waits for the process to end.
func (p *flowProcess) wait() error {
	p.until(func(string) bool { return false })
	return p.cmd.Wait()
}

// atCreateVM is the line a test failover prints as it starts creating the VM.
func atCreateVM(line string) bool { return strings.HasPrefix(line, "[4/8] create_vm ...") }

// goIdentifier matches what a remedy for a Go program names and a failoverctl user cannot
// type: Type.Member, a With... option, an Engine method.
var goIdentifier = regexp.MustCompile(`\b[A-Z][A-Za-z]+\.[A-Z][A-Za-z]+\b|\bWith[A-Z][A-Za-z]*\(|\bEngine\.`)

// requireRemediesForUsers checks that every remedy failoverctl printed speaks in its own
// terms: flags and subcommands, not the library's Go identifiers.
func requireRemediesForUsers(t *testing.T, stderr string) {
	t.Helper()
	for _, line := range strings.Split(stderr, "\n") {
		if fix, ok := strings.CutPrefix(line, "fix: "); ok {
			assert.False(t, goIdentifier.MatchString(fix), "a remedy names a Go identifier %q: %s", goIdentifier.FindString(fix), fix)
		}
	}
}

// TestCLITermsFollowTheLibrary: every library phrase the translation table knows is still in
// the library's source, and the translation leaves no Go identifier behind.
func TestCLITermsFollowTheLibrary(t *testing.T) {
	t.Parallel()
	var source strings.Builder
	for _, dir := range []string{"../../failover", "../../credentials", "../../cloudstack", "../../vsphere"} {
		require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			source.Write(b)
			return err
		}))
	}
	flat := strings.Join(strings.Fields(strings.ReplaceAll(source.String(), "\" +\n\t", "")), " ")
	for _, term := range cliTerms {
		assert.True(t, strings.Contains(flat, term.lib), "the library no longer says %q", term.lib)
		assert.False(t, goIdentifier.MatchString(term.cli), "%q still names a Go identifier", term.cli)
	}
}

// jsonLines decodes every stdout line and returns them with the final result.
func (o outcome) jsonLines(t *testing.T) ([]map[string]any, result) {
	t.Helper()
	var lines []map[string]any
	var last string
	sc := bufio.NewScanner(strings.NewReader(o.stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "stdout line is not JSON: %s", sc.Text())
		lines = append(lines, m)
		last = sc.Text()
	}
	require.NotEmpty(t, lines, "no JSON output")
	var res result
	require.NoError(t, json.Unmarshal([]byte(last), &res))
	require.Equal(t, "result", res.Type, "the last line is the result")
	return lines, res
}

// labDB is a lab whose credential sets sit in an SQLite file, as an appliance keeps them,
// with the key in a file: what --db and --key-file point at.
type labDB struct {
	lab     *failovertest.Lab
	dir     string
	dbPath  string
	keyPath string
	store   string
	writer  *database.Writer
}

const (
	testCloud   = "cloud1"
	testVCenter = "vc-test"
)

func newLabDB(t *testing.T) *labDB {
	t.Helper()
	return newLabDBWith(t, failovertest.Options{})
}

func newLabDBWith(t *testing.T, opts failovertest.Options) *labDB {
	t.Helper()
	l, err := failovertest.Start(opts)
	require.NoError(t, err)
	t.Cleanup(l.Close)
	dir := t.TempDir()
	f := &labDB{lab: l, dir: dir, dbPath: filepath.Join(dir, "oma.db"), keyPath: filepath.Join(dir, "key"), store: filepath.Join(dir, "jobs.db")}
	key := make([]byte, database.KeySize)
	_, _ = rand.Read(key)
	require.NoError(t, os.WriteFile(f.keyPath, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600))
	ctx := context.Background()
	db, closeDB, err := openDB(ctx, f.dbPath, false, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(closeDB)
	require.NoError(t, database.Migrate(ctx, db))
	f.writer, err = database.NewWriter(db, database.WithKey(key))
	require.NoError(t, err)
	cs, err := l.CloudStackSet(testCloud)
	require.NoError(t, err)
	_, err = f.writer.PutCloudStack(ctx, testCloud, cs)
	require.NoError(t, err)
	require.NoError(t, f.writer.ActivateCloudStack(ctx, testCloud))
	_, err = f.writer.PutVSphere(ctx, testVCenter, l.VSphereSet())
	require.NoError(t, err)
	require.NoError(t, f.writer.SetDefaultVSphere(ctx, testVCenter))
	return f
}

// flags are the credential source and store flags for this lab.
func (f *labDB) flags(args ...string) []string {
	return append(args, "--db", f.dbPath, "--key-file", f.keyPath, "--store", f.store, "--poll-interval", "5ms")
}

// requestFlags name the lab's source VM and its volumes.
func (f *labDB) requestFlags() []string {
	s := f.lab.Sources[0]
	args := []string{"--vm-path", s.Path}
	for _, v := range s.VolumeIDs {
		args = append(args, "--volume", v)
	}
	return args
}

// sets are the lab's current credential sets: testCloud's and vCenter's.
func (f *labDB) sets(t *testing.T) (credentials.CloudStack, credentials.VSphere) {
	t.Helper()
	cs, err := f.lab.CloudStackSet(testCloud)
	require.NoError(t, err)
	return cs, f.lab.VSphereSet()
}

// secrets are the lab's current secret values, none of which may ever be printed.
func (f *labDB) secrets(t *testing.T) []string {
	cs, vc := f.sets(t)
	return []string{cs.APIKey.Reveal(), cs.SecretKey.Reveal(), vc.Password.Reveal()}
}

// rollBack rolls jobID back with the CLI and requires the job to end rolled back.
func (f *labDB) rollBack(t *testing.T, jobID string) {
	t.Helper()
	o := cli(t, nil, f.flags("rollback", jobID, "--json")...)
	require.Equal(t, exitOK, o.code, "stderr: %s", o.stderr)
	_, res := o.jsonLines(t)
	assert.Equal(t, failover.StatusRolledBack, res.Job.Status)
}

func requireNoSecret(t *testing.T, o outcome, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		require.NotContains(t, o.stdout, s, "a secret was printed on stdout")
		require.NotContains(t, o.stderr, s, "a secret was printed on stderr")
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "no command given"},
		{"unknown command", []string{"failback"}, `unknown command "failback"`},
		{"unknown flag", []string{"test", "--no-such-flag"}, "unknown flag"},
		{"two sources", []string{"creds", "check", "--db", "x.db", "--env"}, "--db and --env"},
		{"two locators", []string{"test", "--env", "--vm-path", "/DC0/vm/a", "--vm-name", "a", "--volume", "v1"}, "2 source VM locators"},
		{"no volumes", []string{"plan", "--env", "--vm-path", "/DC0/vm/a"}, "no volumes given"},
		{"boot not a volume", []string{"test", "--env", "--vm-path", "/DC0/vm/a", "--volume", "v1", "--boot", "v9"}, "--boot v9"},
		{"bad account id", []string{"test", "--env", "--cloudstack-account", "id:x"}, "is not an id"},
		{"rollback without job", []string{"rollback"}, "one job id"},
		{"rollback in simulator mode", []string{"rollback", "20260101-abc"}, "needs a credential source"},
		{"vault without login", []string{"creds", "check", "--vault", "http://127.0.0.1:1"}, "exactly one way to log in"},
		{"status with two jobs", []string{"status", "a", "b"}, "at most one job id"},
		{"key file without db", []string{"creds", "check", "--env", "--key-file", "k"}, "--key-file applies to --db only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := cli(t, nil, tc.args...)
			assert.Equal(t, exitUsage, o.code)
			assert.Contains(t, o.stderr, tc.want)
			assert.Contains(t, o.stderr, "\nfix: ", "a usage error says how to fix it")
		})
	}
	t.Run("json result", func(t *testing.T) {
		t.Parallel()
		o := cli(t, nil, "test", "--json", "--env", "--vm-path", "/DC0/vm/a")
		require.Equal(t, exitUsage, o.code)
		_, res := o.jsonLines(t)
		assert.False(t, res.OK)
		assert.Equal(t, exitUsage, res.ExitCode)
		assert.Contains(t, res.Error, "no volumes given")
		assert.NotEmpty(t, res.Remedy)

		o = cli(t, nil, "test", "--no-such-flag", "--json")
		require.Equal(t, exitUsage, o.code)
		_, res = o.jsonLines(t)
		assert.Contains(t, res.Error, "unknown flag")
	})
}

func TestSimulatorModeTestThenRollback(t *testing.T) {
	t.Parallel()
	o := cli(t, nil, "test", "--then-rollback", "--no-progress")
	require.Equal(t, exitOK, o.code, o.stderr)
	for _, want := range []string{"[1/8] preflight done in", "[8/8] validate done in", "rollback job", "[7/7] delete_snapshots done in", "ROLLED_BACK", "database account cloud1"} {
		assert.Contains(t, o.stdout, want)
	}
	assert.Empty(t, o.stderr)
}

func TestSimulatorModeJSON(t *testing.T) {
	t.Parallel()
	o := cli(t, nil, "test", "--json")
	require.Equal(t, exitOK, o.code, o.stderr)
	lines, res := o.jsonLines(t)
	assert.True(t, res.OK)
	assert.Equal(t, "simulator", res.Source)
	require.NotNil(t, res.Job)
	assert.Equal(t, failover.StatusSucceeded, res.Job.Status)
	var finished []float64
	for _, l := range lines[:len(lines)-1] {
		assert.Equal(t, res.Job.ID, l["job_id"])
		if l["type"] == string(failover.EventStepFinished) {
			finished = append(finished, l["index"].(float64))
			assert.EqualValues(t, 8, l["total"])
			assert.Contains(t, l, "duration_ms")
		}
	}
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6, 7, 8}, finished, "every step reported in order")
}

func readFileTrim(path string) (string, error) {
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}
