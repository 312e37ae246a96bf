package database_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/credentialstest"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// dbHarness drives the conformance suite through the Writer, so the suite also checks that
// what the Writer stores is what the Source reads. csWriter writes the CloudStack sets (a
// writer without a key stores their keys in plaintext), w everything else.
type dbHarness struct {
	t        testing.TB
	db       *gorm.DB
	src      *credentials.Provider
	w        *database.Writer
	csWriter *database.Writer
}

var (
	_ credentialstest.IDHarness     = dbHarness{}
	_ credentialstest.VMLinkHarness = dbHarness{}
	_ credentialstest.TLSHarness    = dbHarness{}
)

func (h dbHarness) Source() credentials.Source { return h.src }
func (h dbHarness) Atomic() bool               { return true }

// HoldsInsecureSkipVerify: the appliance's tables have no TLS switch; only the source's
// WithInsecureSkipVerify turns verification off, for every set.
func (h dbHarness) HoldsInsecureSkipVerify() bool { return false }

// ID reads the set's id, which credentials.AccountID selects by.
func (h dbHarness) ID(ctx context.Context, kind credentials.Kind, account string) (int64, error) {
	table, column := "ossea_configs", "name"
	if kind == credentials.KindVSphere {
		table, column = "vmware_credentials", "credential_name"
	}
	var id int64
	err := h.db.WithContext(ctx).Raw("SELECT id FROM "+table+" WHERE "+column+" = ?", account).Row().Scan(&id)
	return id, err
}

// LinkVM adds vm to replication as the appliance would (a vm_replication_contexts row
// whose context_id is vm, once), then links it with the Writer.
func (h dbHarness) LinkVM(ctx context.Context, vm, account string) error {
	var n int64
	if err := h.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM vm_replication_contexts WHERE context_id = ?", vm).Scan(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		appliancedb.InsertVMContext(h.t, h.db, appliancedb.VMContext{ContextID: vm})
	}
	return h.w.LinkVM(ctx, vm, account)
}

// PutCloudStack saves the set, which leaves it active as the appliance's save does. The
// default is the active configuration with the lowest id, so making one the default means
// deleting (deactivating) the others, as an operator would in the GUI.
func (h dbHarness) PutCloudStack(ctx context.Context, account string, c credentials.CloudStack, makeDefault bool) error {
	w := h.csWriter
	if w == nil {
		w = h.w
	}
	if _, err := w.PutCloudStack(ctx, account, c); err != nil {
		return err
	}
	if !makeDefault {
		return nil
	}
	var others []string
	if err := h.db.WithContext(ctx).Raw("SELECT name FROM ossea_configs WHERE is_active = ? AND name <> ?", true, account).
		Scan(&others).Error; err != nil {
		return err
	}
	for _, name := range others {
		if err := w.DeleteCloudStack(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (h dbHarness) PutVSphere(ctx context.Context, account string, v credentials.VSphere, makeDefault bool) error {
	if _, err := h.w.PutVSphere(ctx, account, v); err != nil {
		return err
	}
	if makeDefault {
		return h.w.SetDefaultVSphere(ctx, account)
	}
	return nil
}

func (h dbHarness) Delete(ctx context.Context, kind credentials.Kind, account string) error {
	var err error
	switch kind {
	case credentials.KindCloudStack:
		err = h.w.DeleteCloudStack(ctx, account)
	case credentials.KindVSphere:
		err = h.w.DeleteVSphere(ctx, account)
	}
	if errors.Is(err, fkerrors.NotFound) {
		return nil
	}
	return err
}

func newKey(t testing.TB) []byte {
	t.Helper()
	key := make([]byte, database.KeySize)
	_, err := rand.Read(key)
	require.NoError(t, err)
	return key
}

// newStore opens a fresh migrated database on backend with a Source and a Writer on it
// (newSourceAndWriter).
func newStore(t testing.TB, backend testdb.Backend, opts ...database.SourceOption) (*gorm.DB, *credentials.Provider, *database.Writer) {
	t.Helper()
	db := migrated(t, backend)
	src, w := newSourceAndWriter(t, db, opts...)
	return db, src, w
}

// newSourceAndWriter returns a source and a Writer on db sharing a random key; options given
// apply to the source.
func newSourceAndWriter(t testing.TB, db *gorm.DB, opts ...database.SourceOption) (*credentials.Provider, *database.Writer) {
	t.Helper()
	key := newKey(t)
	logger := slog.New(slog.DiscardHandler)
	src, err := database.New(db, append([]database.SourceOption{database.WithKey(key), database.WithLogger(logger)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = src.Close() })
	w, err := database.NewWriter(db, database.WithKey(key), database.WithLogger(logger), database.WithoutValidation())
	require.NoError(t, err)
	return src, w
}

func TestConformance(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
			db, src, w := newStore(t, backend)
			return dbHarness{t: t, db: db, src: src, w: w}
		})
	})
}

// TestConformanceWithUsageTracking runs the suite with bookkeeping on: the extra writes must
// not change versions or make any fetch fail.
func TestConformanceWithUsageTracking(t *testing.T) {
	t.Parallel()
	credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
		db, src, w := newStore(t, testdb.SQLite, database.WithUsageTracking(8))
		return dbHarness{t: t, db: db, src: src, w: w}
	})
}

// TestConformancePlaintextCloudStackKeys runs the suite with the CloudStack keys stored in
// plaintext (a writer without a key, as the appliance's other save paths store them) and a
// source that has the key: each value is read as what it is. The other runs store them
// encrypted.
func TestConformancePlaintextCloudStackKeys(t *testing.T) {
	t.Parallel()
	credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
		db, src, w := newStore(t, testdb.SQLite)
		keyless, err := database.NewWriter(db, database.WithoutValidation())
		require.NoError(t, err)
		return dbHarness{t: t, db: db, src: src, w: w, csWriter: keyless}
	})
}

// TestConformanceOnApplianceSchema runs the suite on the appliance's deployed tables rather
// than those Migrate creates.
func TestConformanceOnApplianceSchema(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
			db := appliancedb.Open(t, backend)
			src, w := newSourceAndWriter(t, db)
			return dbHarness{t: t, db: db, src: src, w: w}
		})
	})
}
