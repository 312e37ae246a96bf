package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		if remedy := fkerrors.Remedy(err); remedy != "" {
			fmt.Fprintln(os.Stderr, "fix:", remedy)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("embed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to serve on")
	driver := fs.String("driver", "mysql", "database driver for -dsn: mysql (MariaDB) or postgres")
	dsn := fs.String("dsn", "", "the appliance database; the key comes from "+database.KeyEnv+". Without it the server runs against the in-process simulators")
	selfcheck := fs.Bool("selfcheck", false, "serve on a free port, call every endpoint once against the simulators, print what happened and exit")
	verbose := fs.Bool("v", false, "log at debug level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	if *dsn != "" {
		if *selfcheck {
			return errors.New("-selfcheck runs against the simulators; drop -dsn")
		}
		return serveAppliance(ctx, *addr, *driver, *dsn, log)
	}

	o, err := startOffline(ctx)
	if err != nil {
		return err
	}
	defer o.close()
	// The simulators answer at once: poll them often so that the demo is quick.
	engine, err := newEngine(ctx, o.db, o.key, log,
		failover.WithCloudStackOptions(cloudstack.WithPollInterval(time.Millisecond, 10*time.Millisecond)),
		failover.WithVSphereOptions(vsphere.WithPollInterval(20*time.Millisecond)))
	if err != nil {
		return err
	}
	defer func() { _ = engine.Close(context.WithoutCancel(ctx)) }()
	handler := newAPIServer(engine, o.db, log).handler()

	if *selfcheck {
		return selfCheck(ctx, handler, o, stdout)
	}
	fmt.Fprintf(stdout, "serving on http://%s against the in-process simulators; try:\n", *addr)
	body, _ := json.Marshal(o.testRequest())
	fmt.Fprintf(stdout, "  curl -s http://%s/health/credentials\n", *addr)
	fmt.Fprintf(stdout, "  curl -s -XPOST http://%s/failover/test -d '%s'\n", *addr, body)
	return serve(ctx, *addr, handler)
}

// serveAppliance is the production path: the appliance's database, its key, no simulator.
func serveAppliance(ctx context.Context, addr, driver, dsn string, log *slog.Logger) error {
	var dialector gorm.Dialector
	switch driver {
	case "mysql":
		dialector = mysql.Open(dsn)
	case "postgres":
		dialector = postgres.Open(dsn)
	default:
		return fmt.Errorf("-driver %q: use mysql or postgres", driver)
	}
	db, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return err
	}
	key, err := database.KeyFromEnv() // MIGRATEKIT_CRED_ENCRYPTION_KEY
	if err != nil {
		return err
	}
	// The appliance's own tables - the VM's status, the GUI's summary and job list, the
	// volumes' rows - follow every job, as the appliance's own engine kept them.
	journal, err := appliance.NewJournal(ctx, db, appliance.WithLogger(log))
	if err != nil {
		return err
	}
	engine, err := newEngine(ctx, db, key, log, failover.WithJournal(journal))
	if err != nil {
		return err
	}
	defer func() { _ = engine.Close(context.WithoutCancel(ctx)) }()
	return serve(ctx, addr, newAPIServer(engine, db, log).handler())
}

func serve(ctx context.Context, addr string, handler http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// selfCheck serves on a free loopback port and drives the endpoints as a client would:
// health, test failover, a key rotation while serving, health again, rollback, and a
// deactivated configuration. It fails on the first answer that is not what it should be.
func selfCheck(ctx context.Context, handler http.Handler, o *offline, out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.WithoutCancel(ctx)) }()
	c := client{ctx: ctx, base: "http://" + ln.Addr().String()}

	var checks []failover.CredentialCheck
	if err := c.call("GET", "/health/credentials", nil, http.StatusOK, &checks); err != nil {
		return err
	}
	printChecks(out, checks)
	first := checks[0].Meta.Fingerprint

	var job failover.Job
	if err := c.call("POST", "/failover/test", o.testRequest(), http.StatusOK, &job); err != nil {
		return err
	}
	fmt.Fprintf(out, "test failover: %s, %d steps\n", job.Status, len(job.Steps))

	if err := o.rotateCloudStack(ctx); err != nil {
		return err
	}
	fmt.Fprintln(out, "rotated the CloudStack keys in the database; the server keeps running")
	if err := c.call("GET", "/health/credentials", nil, http.StatusOK, &checks); err != nil {
		return err
	}
	printChecks(out, checks)
	fmt.Fprintf(out, "cloudstack fingerprint changed: %t\n", checks[0].Meta.Fingerprint != first)

	var back failover.Job
	if err := c.call("POST", "/failover/"+job.ID+"/rollback", nil, http.StatusOK, &back); err != nil {
		return err
	}
	fmt.Fprintf(out, "rollback: %s, cleanup %s\n", back.Status, back.Cleanup.Outcome)

	if err := o.writer.DeactivateCloudStack(ctx, cloudAccount); err != nil {
		return err
	}
	fmt.Fprintln(out, "deactivated the CloudStack configuration")
	if err := c.call("GET", "/health/credentials", nil, http.StatusServiceUnavailable, &checks); err != nil {
		return err
	}
	printChecks(out, checks)
	fmt.Fprintln(out, "selfcheck passed")
	return nil
}

func printChecks(out io.Writer, checks []failover.CredentialCheck) {
	for _, c := range checks {
		if c.OK {
			fmt.Fprintf(out, "health: %s %s ok as %s\n", c.Kind, c.Account, c.Meta.Origin)
		} else {
			fmt.Fprintf(out, "health: %s %s failing; fix: %s\n", c.Kind, c.Account, c.Remedy)
		}
	}
}

// client calls the server and checks each answer's status.
type client struct {
	ctx  context.Context
	base string
}

func (c client) call(method, path string, body any, wantStatus int, into any) error {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, reader)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != wantStatus {
		return fmt.Errorf("%s %s answered %d, want %d: %s", method, path, resp.StatusCode, wantStatus, bytes.TrimSpace(data))
	}
	return json.Unmarshal(data, into)
}
