package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// forgeries are values a store, a server or a request could hold to forge the operator's
// output: terminal escapes, bells, NULs, bidi overrides, carriage returns and newlines that
// would print a line of their own, and invalid UTF-8.
var forgeries = []string{
	"\x1b[2J", "\x1b[31mred\x1b[0m", "\x1b]0;title\a", "\a", "\x00", "a\x00b", "\u202e", "evil\u202etxt.exe",
	"\u2066isolate\u2069", "\u202a\u202b\u202c\u202d", "\r", "over\rwrite", "a\nb", "ok\nfix: run rm -rf /",
	"\t", "\x7f", "\u0085", "\u009b31m", "\u2028", "\ufeff", "\xff\xfe", "\xc3", "\xe2\x80", "plain text", "",
	`back\slash \x1b`,
}

// requireUnforgeable checks output for anything that acts on a terminal (testkit.IsForging)
// other than the newline that ends a line, and for invalid UTF-8.
func requireUnforgeable(t testing.TB, what, out string) {
	t.Helper()
	require.True(t, utf8.ValidString(out), "%s: invalid UTF-8 in %q", what, out)
	for line := range strings.SplitSeq(out, "\n") {
		if !testkit.AssertNoForging(t, line, what) {
			t.FailNow()
		}
	}
}

// printAll prints v in every text column failoverctl shows: a job (its source VM, CloudStack
// VM name, credential set names, steps, ledger, cleanup and error), the job list, progress
// lines, a plan (zone, template, networks), credential checks (account, identity, settings,
// warnings) and an error with its remedy.
func printAll(v string) (stdout, stderr string) {
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, out: newPrinter(&out), errOut: newPrinter(&errOut), res: &result{Type: "result"}}
	meta := credentials.Meta{Origin: credentials.Origin{Source: "database", Account: v, Location: v}, Version: v, Fingerprint: v, Warnings: []string{v}}
	now := time.Now()
	job := &failover.Job{
		ID: v, Kind: failover.KindTestFailover, Status: failover.StatusFailed, VMKey: v,
		Facts:       failover.Facts{SourceVMPath: v, TargetName: v, Zone: v},
		Request:     failover.Request{Volumes: []failover.Volume{{ID: v, Boot: true}}, Zone: v, Name: v},
		Credentials: []failover.CredentialUse{{Kind: credentials.KindCloudStack, Account: v, Meta: meta, Step: failover.StepName(v), Reason: v}},
		FailedStep:  failover.StepName(v), Error: v,
		Steps:     []failover.Step{{Name: failover.StepName(v), Status: failover.StepStatus(v), Error: v, StartedAt: now, FinishedAt: now}},
		Ledger:    []failover.LedgerEntry{{Seq: 1, Action: failover.ActionVMCreate, State: failover.LedgerDone, Resource: v, Name: v, Volume: v + "x"}},
		Cleanup:   &failover.Cleanup{Trigger: v, Outcome: failover.Outcome(v), Failures: []string{v}},
		CreatedAt: now, UpdatedAt: now,
	}
	printJob(a.out, job, true)
	printJobs(a.out, []*failover.Job{job})
	obs := &plainLines{w: a.out, started: map[string]time.Time{}}
	for _, typ := range []failover.EventType{failover.EventJobStarted, failover.EventStepStarted, failover.EventStepFinished,
		failover.EventStepSkipped, failover.EventStepFailed, failover.EventCredentialsChanged, failover.EventJobFinished} {
		obs.Observe(failover.Event{Type: typ, JobID: v, Operation: v, Step: failover.StepName(v), Index: 1, Total: 8, Status: failover.Status(v), Error: v, At: now})
	}
	a.printPlan(&failover.Plan{
		Kind: failover.KindTestFailover,
		Facts: failover.Facts{SourceVMPath: v, SourceVMUUID: v, ApplianceVMID: v, TargetName: v, Zone: v, ServiceOfferingID: v, TemplateID: v,
			TemplateOSType: v, GuestID: v, NICs: []failover.NICFact{{SourceLabel: v, SourceNetwork: v, NetworkID: v, MACAddress: v}}},
		Credentials: []failover.CredentialUse{{Kind: credentials.KindVSphere, Meta: meta}},
		Steps:       []failover.PlannedStep{{Name: failover.StepName(v), Calls: []string{v}}},
	}, failover.Request{Volumes: []failover.Volume{{ID: v}}, CloudStack: credentials.Account(v), VCenter: credentials.Account(v)})
	a.printChecks([]failover.CredentialCheck{
		{Kind: credentials.KindCloudStack, Account: v, OK: true, Identity: v, Meta: meta},
		{Kind: credentials.KindVSphere, Account: v, Error: v, Remedy: v, Meta: meta},
		{Kind: credentials.KindCloudStack, Account: v, Identity: v, Meta: meta, Settings: []failover.SettingCheck{{Field: credentials.FieldZone, Value: v, Error: v, Remedy: v}}},
	})
	a.printError(&credentials.Error{Code: fkerrors.Unauthenticated, Source: "database", Kind: credentials.KindVSphere, Account: v, Problem: v, Fix: v})
	a.printError(&failover.Error{JobID: v, Step: failover.StepName(v), Problem: v, Fix: v, Err: errors.New(v)})
	a.printError(usagef(v, "%s", v))
	a.errOut.Printf("failoverctl: %s\n", &credentialsFailed{failed: 1, total: 2})
	a.out.flush()
	a.errOut.flush()
	a.writeJSON(&result{Type: "result", Job: job, Error: v, Remedy: v})
	return out.String(), errOut.String()
}

// FuzzOutputIsEscaped puts a value in every text column failoverctl prints and checks that
// nothing in it reaches the terminal as anything but visible text.
func FuzzOutputIsEscaped(f *testing.F) {
	for _, s := range forgeries {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		stdout, stderr := printAll(v)
		requireUnforgeable(t, "stdout", stdout)
		requireUnforgeable(t, "stderr", stderr)
	})
}

// Each forgery shows as Go's %q would show it, without quotes, and the lines printed are the
// format's: a newline in a value prints as \n.
func TestVisible(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain text": "plain text", "\x1b[2J": `\x1b[2J`, "\a": `\a`, "\x00": `\x00`, "\u202e": `\u202e`, "\r": `\r`,
		"a\nb": `a\nb`, "\xff": `\xff`, "\t": `\t`, "\x7f": `\x7f`, "héllo wörld": "héllo wörld", `a\b`: `a\b`,
	} {
		assert.Equal(t, want, fkerrors.Visible(in), "%q", in)
		assert.Equal(t, fkerrors.Visible(in), fkerrors.Visible(fkerrors.Visible(in)), "idempotent for %q", in)
	}
	var out bytes.Buffer
	p := newPrinter(&out)
	p.Printf("account %s\n", "cloud1\nfix: run this")
	p.Println("a\x1b[31mb")
	_, _ = p.Write([]byte("split \xe2\x80"))
	_, _ = p.Write([]byte("\xae rune\n"))
	p.flush()
	assert.Equal(t, "account cloud1\\nfix: run this\na\\x1b[31mb\nsplit \\u202e rune\n", out.String())
}

// TestForgedNamesEndToEnd puts a CloudStack configuration whose name holds ESC and a newline
// into the appliance's database, as other software writing the table could (the Writer
// refuses such names), and runs creds check and test with the built binary: the name is
// refused as invalid, it shows escaped, and no control byte reaches either stream.
func TestForgedNamesEndToEnd(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	const forged = "cloud\x1b[2J\nfix: forged"
	ctx := context.Background()
	db, closeDB, err := openDB(ctx, f.dbPath, false, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, db.Exec(`INSERT INTO ossea_configs (name, api_url, api_key, secret_key, domain, zone, template_id, network_id,
		service_offering_id, disk_offering_id, oma_vm_id, created_at, updated_at, is_active)
		SELECT ?, api_url, api_key, secret_key, domain, zone, template_id, network_id, service_offering_id, disk_offering_id,
		oma_vm_id, created_at, updated_at, 0 FROM ossea_configs WHERE name = ?`, forged, testCloud).Error)
	closeDB()
	check := func(o outcome, escaped string) {
		t.Helper()
		requireUnforgeable(t, "stdout", o.stdout)
		requireUnforgeable(t, "stderr", o.stderr)
		assert.Contains(t, o.stdout+o.stderr, escaped)
		for _, line := range strings.Split(o.stdout+o.stderr, "\n") {
			assert.False(t, strings.HasPrefix(line, "fix: forged"), "a value printed a line of its own")
		}
	}
	o := cli(t, nil, f.flags("creds", "check", "--cloudstack-account", forged)...)
	assert.NotEqual(t, exitOK, o.code, "a name with control characters is refused")
	check(o, `cloud\x1b[2J\nfix: forged`)

	o = cli(t, nil, f.flags(append([]string{"test", "--no-progress", "--cloudstack-account", forged}, f.requestFlags()...)...)...)
	assert.Equal(t, exitCredentials, o.code)
	check(o, `cloud\x1b[2J\nfix: forged`)

	o = cli(t, nil, f.flags(append([]string{"test", "--no-progress", "--cloudstack-account", forged + "\u202e"}, f.requestFlags()...)...)...)
	assert.Equal(t, exitCredentials, o.code)
	check(o, `fix: forged\u202e`)
}
