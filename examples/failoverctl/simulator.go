package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"

	"gorm.io/gorm"

	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
)

// simVCenterSet names the vCenter credential set simulator mode stores.
const simVCenterSet = "lab-vcenter"

// simulators is a running lab with its credential sets in an SQLite database, the way an
// appliance keeps them: CloudStack keys in ossea_configs (one row per lab account, the
// first active), the vCenter password encrypted in vmware_credentials (the default set).
type simulators struct {
	lab       *failovertest.Lab
	dir       string
	dbPath    string
	keyPath   string
	storePath string
	db        *gorm.DB
	writer    *database.Writer
	closeDB   func()
}

// startLab starts the simulators and writes their sets into dir (created if needed).
func (a *app) startLab(ctx context.Context, dir string, sources int) (*simulators, error) {
	opts := failovertest.Options{SourceVMs: sources, Logger: a.logger.With("component", "simulator")}
	if a.simLatency > 0 {
		opts.CloudStackOptions = append(opts.CloudStackOptions, cssim.WithLatency(a.simLatency))
	}
	l, err := failovertest.Start(opts)
	if err != nil {
		return nil, err
	}
	s := &simulators{lab: l, dir: dir,
		dbPath:    filepath.Join(dir, "credentials.db"),
		keyPath:   filepath.Join(dir, "key"),
		storePath: filepath.Join(dir, "jobs.db"),
	}
	if err := s.seed(ctx, a); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *simulators) seed(ctx context.Context, a *app) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	raw := make([]byte, database.KeySize)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails on supported platforms
	encoded := base64.StdEncoding.EncodeToString(raw)
	if err := os.WriteFile(s.keyPath, []byte(encoded+"\n"), 0o600); err != nil {
		return err
	}
	db, closeDB, err := openDB(ctx, s.dbPath, false, a.logger)
	if err != nil {
		return err
	}
	s.db, s.closeDB = db, closeDB
	if err := database.Migrate(ctx, db); err != nil {
		return err
	}
	w, err := database.NewWriter(db, database.WithKey(raw), database.WithLogger(a.logger))
	if err != nil {
		return err
	}
	s.writer = w
	for _, acc := range s.lab.CloudAccounts() {
		set, err := s.lab.CloudStackSet(acc)
		if err != nil {
			return err
		}
		if _, err := w.PutCloudStack(ctx, acc, set); err != nil {
			return err
		}
	}
	if err := w.ActivateCloudStack(ctx, s.lab.Sources[0].CloudAccount); err != nil {
		return err
	}
	if _, err := w.PutVSphere(ctx, simVCenterSet, s.lab.VSphereSet()); err != nil {
		return err
	}
	return w.SetDefaultVSphere(ctx, simVCenterSet)
}

// rotate gives every CloudStack account new keys and vCenter a new password, in the
// simulators only: the stored sets no longer work until store is called.
func (s *simulators) rotate() error {
	for _, acc := range s.lab.CloudAccounts() {
		if _, err := s.lab.RotateCloudStack(acc); err != nil {
			return err
		}
	}
	s.lab.RotateVCenterPassword()
	return nil
}

// store writes the simulators' current keys and password to the database, as an operator
// would in the appliance's GUI.
func (s *simulators) store(ctx context.Context) error {
	for _, acc := range s.lab.CloudAccounts() {
		set, err := s.lab.CloudStackSet(acc)
		if err != nil {
			return err
		}
		if err := s.writer.RotateCloudStackKeys(ctx, acc, set.APIKey, set.SecretKey); err != nil {
			return err
		}
	}
	return s.writer.RotateVSpherePassword(ctx, simVCenterSet, s.lab.VSphereSet().Password)
}

// close stops the simulators and closes the database; the files stay in dir.
func (s *simulators) close() {
	if s.closeDB != nil {
		s.closeDB()
	}
	s.lab.Close()
}

// startSimulators is simulator mode: a lab in a temporary folder, read through the database
// source like an appliance database, with a temporary job store. All of it goes when the
// process exits.
func (a *app) startSimulators(ctx context.Context, b *backend, sources int) error {
	dir, err := os.MkdirTemp("", "failoverctl-sim-")
	if err != nil {
		return err
	}
	b.closers = append(b.closers, func() { _ = os.RemoveAll(dir) })
	s, err := a.startLab(ctx, dir, sources)
	if err != nil {
		return fmt.Errorf("start the simulators: %w", err)
	}
	b.closers = append(b.closers, s.close)
	key, err := os.ReadFile(s.keyPath)
	if err != nil {
		return err
	}
	raw, err := database.ParseKey(string(key))
	if err != nil {
		return err
	}
	src, err := database.New(s.db, database.WithKey(raw), database.WithLogger(a.logger))
	if err != nil {
		return err
	}
	b.src, b.db, b.lab, b.storePath = src, s.db, s.lab, s.storePath
	return nil
}
