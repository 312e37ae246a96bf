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
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// dbHarness drives the conformance suite through the Writer, so the suite also checks that
// what the Writer stores is what the Source reads.
type dbHarness struct {
	src *database.Source
	w   *database.Writer
}

func (h dbHarness) Source() credentials.Source { return h.src }
func (h dbHarness) Atomic() bool               { return true }

func (h dbHarness) PutCloudStack(ctx context.Context, account string, c credentials.CloudStack, makeDefault bool) error {
	if _, err := h.w.PutCloudStack(ctx, account, c); err != nil {
		return err
	}
	if makeDefault {
		return h.w.ActivateCloudStack(ctx, account)
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
	if errors.Is(err, credentials.ErrNotFound) {
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

// newStore opens a fresh migrated database on backend with a Source and a Writer sharing a
// random key.
// Options given apply to both.
func newStore(t testing.TB, backend testdb.Backend, opts ...database.Option) (*gorm.DB, *database.Source, *database.Writer) {
	t.Helper()
	db := testdb.Open(t, backend)
	require.NoError(t, database.Migrate(context.Background(), db))
	key := newKey(t)
	opts = append([]database.Option{database.WithKey(key), database.WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	src, err := database.New(db, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = src.Close() })
	w, err := database.NewWriter(db, append(opts, database.WithoutValidation())...)
	require.NoError(t, err)
	return db, src, w
}

func TestConformance(t *testing.T) {
	t.Parallel()
	for _, backend := range testdb.Backends(t) {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
				_, src, w := newStore(t, backend)
				return dbHarness{src: src, w: w}
			})
		})
	}
}

// TestConformanceWithUsageTracking runs the suite with bookkeeping on: the extra writes must
// not change versions or make any fetch fail.
func TestConformanceWithUsageTracking(t *testing.T) {
	t.Parallel()
	credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
		_, src, w := newStore(t, testdb.SQLite, database.WithUsageTracking(8))
		return dbHarness{src: src, w: w}
	})
}

// TestConformanceWithEncryptedCloudStackKeys runs the suite with encrypted api_key and
// secret_key columns.
func TestConformanceWithEncryptedCloudStackKeys(t *testing.T) {
	t.Parallel()
	credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
		_, src, w := newStore(t, testdb.SQLite, database.WithEncryptedCloudStackKeys())
		return dbHarness{src: src, w: w}
	})
}
