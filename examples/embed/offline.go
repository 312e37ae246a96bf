package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
)

// Account names the offline setup stores its sets under.
const (
	cloudAccount   = "cloud"
	vCenterAccount = "vcenter"
)

// offline is what the program runs against with no -dsn: the in-process vCenter and
// CloudStack simulators, and an SQLite database with the appliance's tables holding their
// credentials, written the way the appliance's GUI writes them (database.Writer).
type offline struct {
	lab    *failovertest.Lab
	db     *gorm.DB
	key    []byte
	writer *database.Writer
	dir    string
}

func startOffline(ctx context.Context) (_ *offline, err error) {
	o := &offline{}
	defer func() {
		if err != nil {
			o.close()
		}
	}()
	if o.lab, err = failovertest.Start(failovertest.Options{}); err != nil {
		return nil, err
	}
	if o.dir, err = os.MkdirTemp("", "failoverkit-embed"); err != nil {
		return nil, err
	}
	if o.db, err = database.OpenSQLite(ctx, filepath.Join(o.dir, "oma.db"), &gorm.Config{Logger: logger.Discard}); err != nil {
		return nil, err
	}
	if err = database.Migrate(ctx, o.db); err != nil {
		return nil, err
	}
	// The appliance reads its key from MIGRATEKIT_CRED_ENCRYPTION_KEY; this throw-away
	// database gets a fresh one.
	o.key = make([]byte, database.KeySize)
	if _, err = rand.Read(o.key); err != nil {
		return nil, err
	}
	if o.writer, err = database.NewWriter(o.db, database.WithKey(o.key)); err != nil {
		return nil, err
	}
	cs, err := o.lab.CloudStackSet(o.lab.Sources[0].CloudAccount)
	if err != nil {
		return nil, err
	}
	if _, err = o.writer.PutCloudStack(ctx, cloudAccount, cs); err != nil {
		return nil, err
	}
	if err = o.writer.ActivateCloudStack(ctx, cloudAccount); err != nil {
		return nil, err
	}
	if _, err = o.writer.PutVSphere(ctx, vCenterAccount, o.lab.VSphereSet()); err != nil {
		return nil, err
	}
	if err = o.writer.SetDefaultVSphere(ctx, vCenterAccount); err != nil {
		return nil, err
	}
	return o, nil
}

// rotateCloudStack gives the CloudStack account new keys - the old ones stop working at
// once - and stores them, as an operator does in the GUI while the server runs.
func (o *offline) rotateCloudStack(ctx context.Context) error {
	set, err := o.lab.RotateCloudStack(o.lab.Sources[0].CloudAccount)
	if err != nil {
		return fmt.Errorf("rotate the keys in CloudStack: %w", err)
	}
	return o.writer.RotateCloudStackKeys(ctx, cloudAccount, set.APIKey, set.SecretKey)
}

// testRequest is the request body for a test failover of the lab's source VM.
func (o *offline) testRequest() testRequest {
	vm := o.lab.Sources[0]
	req := testRequest{VMPath: vm.Path}
	for i, id := range vm.VolumeIDs {
		req.Volumes = append(req.Volumes, failover.Volume{ID: id, Boot: i == 0})
	}
	return req
}

// close stops the simulators and removes the database.
func (o *offline) close() {
	if o.db != nil {
		if sqlDB, err := o.db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	}
	if o.lab != nil {
		o.lab.Close()
	}
	if o.dir != "" {
		_ = os.RemoveAll(o.dir)
	}
}
