package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/credentials/env"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// sourceFlags choose the credential source.
type sourceFlags struct {
	// explicit records which of db and keyFile were given on the command line rather than
	// by FAILOVERCTL_DB and FAILOVERCTL_KEY_FILE; an explicit --env or --vault wins over
	// the variables.
	explicit   map[string]bool
	db         string
	keyFile    string
	env        bool
	csInsecure bool
	vcInsecure bool
	vault      vaultFlags
}

func (f *sourceFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.db, "db", os.Getenv("FAILOVERCTL_DB"),
		"credential source: the appliance's database `DSN`: an SQLite file or a mysql:// or postgres:// DSN (env FAILOVERCTL_DB)")
	fs.StringVar(&f.keyFile, "key-file", os.Getenv("FAILOVERCTL_KEY_FILE"),
		"`file` holding the base64 key that decrypts vCenter passwords in --db (default: $"+database.KeyEnv+"; env FAILOVERCTL_KEY_FILE)")
	fs.BoolVar(&f.env, "env", false, "credential source: CLOUDSTACK_* and VSPHERE_* environment variables")
	fs.BoolVar(&f.csInsecure, "cloudstack-insecure", false, "with --db: skip TLS certificate verification for CloudStack (logged)")
	fs.BoolVar(&f.vcInsecure, "vcenter-insecure", false, "with --db: skip TLS certificate verification for vCenter (logged)")
	f.vault.register(fs)
}

// mode names the source the flags chose: "database", "env", "vault", or "simulator" when
// none was given.
func (f *sourceFlags) mode() (string, error) {
	if (f.env || f.vault.addr != "") && !f.explicit["db"] {
		f.db = ""
		if !f.explicit["key-file"] {
			f.keyFile = ""
		}
	}
	var chosen []string
	if f.db != "" {
		chosen = append(chosen, "--db")
	}
	if f.env {
		chosen = append(chosen, "--env")
	}
	if f.vault.addr != "" {
		chosen = append(chosen, "--vault")
	}
	switch {
	case len(chosen) > 1:
		return "", usagef("keep one of them", "%s choose different credential sources", strings.Join(chosen, " and "))
	case f.db != "":
		return "database", nil
	case f.env:
		return "env", nil
	case f.vault.addr != "":
		return "vault", nil
	}
	return "simulator", nil
}

// backend is an opened credential source and what came with it.
type backend struct {
	mode string
	src  credentials.Source
	// db is the credential database (database and simulator modes), for listing its sets.
	db *gorm.DB
	// hasKey says whether a database source got the key that decrypts vCenter passwords.
	hasKey bool
	// journal keeps the appliance's tables in step with the jobs of commands that run them
	// (database mode, when the database has the tables); journalErr says why there is none.
	journal    *appliance.Journal
	journalErr error
	// lab is the running simulators (simulator mode).
	lab *failovertest.Lab
	// store is the job store a simulator mode run uses (a temporary file).
	storePath string
	closers   []func()
}

func (b *backend) close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
}

// openSource opens the source the flags chose. In simulator mode it starts the simulators
// and writes their credential sets to a temporary SQLite database read through the real
// database source.
func (a *app) openSource(ctx context.Context) (*backend, error) {
	mode, err := a.source.mode()
	if err != nil {
		return nil, err
	}
	if mode != "database" {
		// These say something about --db's sets only; elsewhere they would be ignored.
		for _, f := range []struct {
			set  bool
			name string
		}{{a.source.keyFile != "", "--key-file"}, {a.source.csInsecure, "--cloudstack-insecure"}, {a.source.vcInsecure, "--vcenter-insecure"}} {
			if f.set {
				return nil, usagef("drop it; with --env or --vault the sets carry their own TLS choice (CLOUDSTACK_ALLOW_UNVERIFIED_SSL, allow_unverified_ssl)",
					"%s applies to --db only", f.name)
			}
		}
	}
	b := &backend{mode: mode}
	switch mode {
	case "database":
		err = a.openDatabaseSource(ctx, b)
	case "env":
		b.src = env.New()
	case "vault":
		err = a.openVaultSource(b)
	case "simulator":
		err = a.startSimulators(ctx, b, 1)
	}
	if err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

func (a *app) openDatabaseSource(ctx context.Context, b *backend) error {
	db, closeDB, err := openDB(ctx, a.source.db, true, a.logger)
	if err != nil {
		return err
	}
	b.closers = append(b.closers, closeDB)
	b.db = db
	opts := []database.SourceOption{database.WithLogger(a.logger)}
	key, err := a.source.key()
	switch {
	case err == nil:
		opts = append(opts, database.WithKey(key))
		b.hasKey = true
	case errors.Is(err, database.ErrKeyMissing) && a.source.keyFile == "":
		// CloudStack configs read without a key; vCenter sets then fail with a remedy that
		// names the key variable, which is the message a user needs.
		a.logger.Debug("failoverctl: no encryption key given; vCenter passwords cannot be decrypted")
	default:
		return err
	}
	if a.source.csInsecure {
		opts = append(opts, database.WithInsecureSkipVerify(credentials.KindCloudStack))
	}
	if a.source.vcInsecure {
		opts = append(opts, database.WithInsecureSkipVerify(credentials.KindVSphere))
	}
	src, err := database.New(db, opts...)
	if err != nil {
		return err
	}
	b.src = src
	return nil
}

// key reads the encryption key from --key-file, else from the environment.
func (f *sourceFlags) key() ([]byte, error) {
	if f.keyFile == "" {
		return database.KeyFromEnv()
	}
	raw, err := os.ReadFile(f.keyFile)
	if err != nil {
		return nil, &credentials.Error{
			Code: fkerrors.NotFound, Source: "database", Problem: "cannot read --key-file " + f.keyFile,
			Fix: "pass the file holding the base64 key (as in " + database.KeyEnv + "), or unset --key-file to use the variable",
			Err: errors.Unwrap(err),
		}
	}
	key, err := database.ParseKey(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("--key-file %s: %w", f.keyFile, err)
	}
	return key, nil
}
