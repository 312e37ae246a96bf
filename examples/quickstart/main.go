// Command quickstart shows failoverkit's promise end to end on the embedded default, with no
// servers to set up: an SQLite database with the appliance's own tables (vCenter passwords
// encrypted with a generated key), and vCenter (vcsim) and CloudStack simulators running in
// this process, seeded with an appliance VM that holds a source VM's replicated volumes.
//
// It runs a test failover, rotates the CloudStack keys and the vCenter password - in the
// database and in the simulators - while it keeps running, rolls back (showing by origin,
// version and fingerprint that the rollback used the new credentials, and that the old keys
// are now refused), deactivates the CloudStack configuration to show the error and its
// remedy, and prints a summary.
//
//	go run ./examples/quickstart          # everything in a temporary folder, removed at exit
//	go run ./examples/quickstart -keep    # keep the database and print how to inspect it
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// The credential set names, as an operator would have named them in the appliance's GUI.
const (
	cloudStackConfig = "ossea-primary"
	vCenterSet       = "vcenter-primary"
)

func main() {
	keep := flag.Bool("keep", false, "keep the database after the run and print how to inspect it")
	verbose := flag.Bool("v", false, "log the library's debug output to stderr")
	flag.Parse()
	level := slog.LevelWarn + 100 // quiet: the story is told on stdout
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(context.Background(), os.Stdout, logger, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// demo is everything the story needs.
type demo struct {
	out    io.Writer
	lab    *failovertest.Lab
	db     *gorm.DB
	dbPath string
	writer *database.Writer
	src    *credentials.Provider
	engine *failover.Engine
	source failovertest.SourceVM
	done   chan failover.Event
}

func run(ctx context.Context, out io.Writer, logger *slog.Logger, keep bool) error {
	start := time.Now()
	d, cleanup, err := setUp(ctx, out, logger, keep)
	if err != nil {
		return err
	}
	defer cleanup()

	d.say("failoverkit quickstart: a test failover, a credential rotation and a rollback, in one process.\n")
	d.say("  database    %s (SQLite, the appliance's tables; vCenter passwords AES-256-GCM encrypted)", d.dbPath)
	d.say("  vCenter     simulator (vcsim); source VM %s", d.source.Path)
	d.say("  CloudStack  simulator; appliance VM holding %d replicated volumes\n", len(d.source.VolumeIDs))

	// 1. Test failover with the credentials stored now.
	d.say("1. Test failover of %s", d.source.Path)
	job, err := d.engine.TestFailover(ctx, d.request())
	d.wait()
	if err != nil {
		return fmt.Errorf("test failover: %w", err)
	}
	d.say("   test VM %s is running with the replicated volumes (job %s)", job.Facts.TargetName, job.ID)
	d.credentialsUsed("   used", job.Credentials)

	// 2. Rotate both credential sets while the program keeps running.
	d.say("\n2. Rotating credentials while this program keeps running (no restart, no reload)")
	oldCloud, err := d.currentCloudStack(ctx)
	if err != nil {
		return err
	}
	oldVCenter, err := d.currentVCenter(ctx)
	if err != nil {
		return err
	}
	if err := d.rotate(ctx); err != nil {
		return err
	}
	d.say("   CloudStack issued new API keys (the old ones are revoked); stored in ossea_configs")
	d.say("   vCenter accepts a new password (the old one no longer logs in); stored encrypted in vmware_credentials")

	// 3. Roll back: a new operation, so it fetches the new credentials.
	d.say("\n3. Rollback of job %s", job.ID)
	back, err := d.engine.Rollback(ctx, job.ID)
	d.wait()
	if err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	d.say("   outcome: %s; job status: %s", back.Cleanup.Outcome, back.Status)
	last := back.Credentials[len(back.Credentials)-1]
	d.say("   the rollback used %s", last.Meta.Describe())
	d.say("   the failover used %s", oldCloud.Meta.Describe())
	if last.Meta.Version == oldCloud.Meta.Version {
		return errors.New("the rollback used the old CloudStack credentials")
	}
	checks, err := d.engine.CheckCredentials(ctx, []credentials.Ref{{}}, []credentials.Ref{{}})
	if err != nil {
		return err
	}
	for _, c := range checks {
		if !c.OK {
			return fmt.Errorf("the new %s credentials do not work: %s", c.Kind, c.Error)
		}
		d.say("   new %s credentials work: %s, %s", c.Kind, c.Identity, c.Meta.Describe())
	}
	if err := d.oldRefused(ctx, oldCloud, oldVCenter); err != nil {
		return err
	}

	// 4. Deactivate the CloudStack configuration: a clear error, before anything changes.
	d.say("\n4. Deactivating the CloudStack configuration %q", cloudStackConfig)
	if err := d.writer.DeactivateCloudStack(ctx, cloudStackConfig); err != nil {
		return err
	}
	refused, err := d.engine.TestFailover(ctx, d.request())
	d.wait()
	if err == nil || !errors.Is(err, fkerrors.NotFound) {
		return fmt.Errorf("a test failover without an active CloudStack configuration was not refused: %v", err)
	}
	d.say("   the test failover is refused in preflight; nothing was changed (%d ledger entries)", len(refused.Ledger))
	d.say("   remedy: %s", fkerrors.Remedy(err))

	d.say("\nSummary")
	d.say("   test failover ran with the stored credentials; rotation took effect on the next operation")
	d.say("   rollback used the new keys and password; the old ones are refused; nothing was restarted")
	d.say("   a missing active configuration fails loudly, with the fix, before any change")
	d.say("   done in %s", time.Since(start).Round(time.Millisecond))
	if keep {
		d.say("\nThe database is kept at %s. Inspect it with:", d.dbPath)
		d.say("   sqlite3 %s 'SELECT id, name, is_active, updated_at FROM ossea_configs;'", d.dbPath)
		d.say("   sqlite3 %s 'SELECT id, credential_name, is_default, substr(password_encrypted, 1, 16) FROM vmware_credentials;'", d.dbPath)
		d.say("   sqlite3 %s 'SELECT id, kind, status FROM failoverkit_jobs;'", d.dbPath)
	}
	return nil
}

// setUp creates the database, the simulators, the credential sets and the engine.
func setUp(ctx context.Context, out io.Writer, logger *slog.Logger, keep bool) (*demo, func(), error) {
	dir, err := os.MkdirTemp("", "failoverkit-quickstart-")
	if err != nil {
		return nil, nil, err
	}
	var closers []func()
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		if !keep {
			_ = os.RemoveAll(dir)
		}
	}
	fail := func(err error) (*demo, func(), error) {
		cleanup()
		return nil, nil, err
	}

	d := &demo{out: out, dbPath: filepath.Join(dir, "oma.db"), done: make(chan failover.Event, 1)}
	d.db, err = database.OpenSQLite(ctx, d.dbPath, &gorm.Config{Logger: gormlogger.Discard})
	if err != nil {
		return fail(fmt.Errorf("open %s: %w", d.dbPath, err))
	}
	if sqlDB, err := d.db.DB(); err == nil {
		closers = append(closers, func() { _ = sqlDB.Close() })
	}
	if err := database.Migrate(ctx, d.db); err != nil {
		return fail(err)
	}
	key := make([]byte, database.KeySize)
	if _, err := rand.Read(key); err != nil {
		return fail(err)
	}

	d.lab, err = failovertest.Start(failovertest.Options{Logger: logger})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, d.lab.Close)
	d.source = d.lab.Sources[0]

	d.writer, err = database.NewWriter(d.db, database.WithKey(key))
	if err != nil {
		return fail(err)
	}
	cs, err := d.lab.CloudStackSet(d.source.CloudAccount)
	if err != nil {
		return fail(err)
	}
	if _, err := d.writer.PutCloudStack(ctx, cloudStackConfig, cs); err != nil {
		return fail(err)
	}
	if err := d.writer.ActivateCloudStack(ctx, cloudStackConfig); err != nil {
		return fail(err)
	}
	if _, err := d.writer.PutVSphere(ctx, vCenterSet, d.lab.VSphereSet()); err != nil {
		return fail(err)
	}
	if err := d.writer.SetDefaultVSphere(ctx, vCenterSet); err != nil {
		return fail(err)
	}

	d.src, err = database.New(d.db, database.WithKey(key), database.WithLogger(logger))
	if err != nil {
		return fail(err)
	}
	store, err := failover.NewGormStore(ctx, d.db)
	if err != nil {
		return fail(err)
	}
	d.engine, err = failover.New(d.src,
		failover.WithStore(store),
		failover.WithLogger(logger),
		failover.WithObserver(progress{out: out, done: d.done}),
		failover.WithVSphereOptions(vsphere.WithLogger(logger), vsphere.WithPollInterval(50*time.Millisecond)),
		failover.WithCloudStackOptions(cloudstack.WithLogger(logger), cloudstack.WithPollInterval(10*time.Millisecond, 100*time.Millisecond)),
	)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { _ = d.engine.Close(context.Background()) })
	return d, cleanup, nil
}

// request fails over the lab's source VM using the default credential sets: the active
// CloudStack configuration and the default vCenter set.
func (d *demo) request() failover.Request {
	req := failover.Request{VM: d.source.Locator()}
	for i, id := range d.source.VolumeIDs {
		req.Volumes = append(req.Volumes, failover.Volume{ID: id, Boot: i == 0})
	}
	return req
}

// rotate changes the keys in CloudStack and the password in vCenter, and stores both, as an
// operator would after a security review.
func (d *demo) rotate(ctx context.Context) error {
	cs, err := d.lab.RotateCloudStack(d.source.CloudAccount)
	if err != nil {
		return err
	}
	if err := d.writer.RotateCloudStackKeys(ctx, cloudStackConfig, cs.APIKey, cs.SecretKey); err != nil {
		return err
	}
	vc := d.lab.RotateVCenterPassword()
	return d.writer.RotateVSpherePassword(ctx, vCenterSet, vc.Password)
}

func (d *demo) currentCloudStack(ctx context.Context) (credentials.CloudStack, error) {
	return d.src.CloudStack(ctx, credentials.Account(cloudStackConfig))
}

func (d *demo) currentVCenter(ctx context.Context) (credentials.VSphere, error) {
	return d.src.VSphere(ctx, credentials.Account(vCenterSet))
}

// oldRefused shows that the sets from before the rotation no longer work.
func (d *demo) oldRefused(ctx context.Context, oldCloud credentials.CloudStack, oldVCenter credentials.VSphere) error {
	client, err := cloudstack.New(oldCloud)
	if err != nil {
		return err
	}
	if _, err := client.Zones(ctx); !errors.Is(err, fkerrors.Unauthenticated) {
		return fmt.Errorf("the old CloudStack keys were not refused: %v", err)
	}
	d.say("   old CloudStack keys (%s): refused by CloudStack", oldCloud.Meta.Fingerprint)
	pool := vsphere.NewPool(vsphere.WithLogger(slog.New(slog.DiscardHandler)))
	defer func() { _ = pool.Close(context.WithoutCancel(ctx)) }()
	if _, err := pool.Client(ctx, oldVCenter); !errors.Is(err, fkerrors.Unauthenticated) {
		return fmt.Errorf("the old vCenter password was not refused: %v", err)
	}
	d.say("   old vCenter password (%s): refused by vCenter", oldVCenter.Meta.Fingerprint)
	return nil
}

func (d *demo) credentialsUsed(prefix string, uses []failover.CredentialUse) {
	for _, u := range uses {
		d.say("%s %s", prefix, u.Meta.Describe())
	}
}

// wait lets the progress printer catch up with the operation that just returned.
func (d *demo) wait() {
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
	}
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, format+"\n", args...) }
