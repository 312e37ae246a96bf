package database_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// omaEncrypt encrypts the way the appliance does, written out here independently of the
// package's Cipher: base64(nonce || AES-256-GCM seal).
func omaEncrypt(t testing.TB, key []byte, plaintext string) string {
	t.Helper()
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	gcm, err := cipher.NewGCM(block)
	require.NoError(t, err)
	nonce := make([]byte, gcm.NonceSize())
	_, err = rand.Read(nonce)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(plaintext), nil))
}

// omaDecrypt is the appliance's decryption, independent of the package's Cipher.
func omaDecrypt(t testing.TB, key []byte, stored string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(stored)
	require.NoError(t, err)
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	gcm, err := cipher.NewGCM(block)
	require.NoError(t, err)
	require.Greater(t, len(raw), gcm.NonceSize())
	plain, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], nil)
	require.NoError(t, err)
	return string(plain)
}

func fakeSecret(t testing.TB, what string) string {
	t.Helper()
	b := make([]byte, 9)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "fake-" + what + "-" + base64.RawURLEncoding.EncodeToString(b)
}

// TestExistingOMADatabase reads and writes rows as the appliance has them, on its deployed
// tables.
func TestExistingOMADatabase(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := appliancedb.Open(t, backend)
		before := appliancedb.Snapshot(t, db)
		key := newKey(t)
		apiKey, secretKey := fakeSecret(t, "apikey"), fakeSecret(t, "secretkey")
		password, otherPassword := fakeSecret(t, "password"), fakeSecret(t, "password")

		// Rows as the appliance writes them: GUI-saved config, defaults from the DDL.
		require.NoError(t, db.Exec("INSERT INTO ossea_configs (name, api_url, api_key, secret_key, domain, zone, template_id, "+
			"network_id, service_offering_id, disk_offering_id, oma_vm_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			"production-ossea", "https://cloud.example.invalid/client/api", apiKey, secretKey, "OSSEA", "zone-1",
			"tmpl-1", "net-1", "so-1", "do-1", "oma-vm-1").Error)
		require.NoError(t, db.Exec("INSERT INTO vmware_credentials (credential_name, vcenter_host, username, password_encrypted, "+
			"datacenter, is_default, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
			"Production-vCenter", "vcenter.example.invalid", "administrator@vsphere.local", omaEncrypt(t, key, password),
			"DC-1", true, "system").Error)
		require.NoError(t, db.Exec("INSERT INTO vmware_credentials (credential_name, vcenter_host, username, password_encrypted, "+
			"datacenter) VALUES (?, ?, ?, ?, ?)",
			"Lab-vCenter", "lab-vc.example.invalid:8443", "svc-migrate", omaEncrypt(t, key, otherPassword), "LAB").Error)
		appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-pgtest1-20250101-120000", VMName: "pgtest1"})
		appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-labvm-20250101-120000", VMName: "labvm"})
		require.NoError(t, db.Exec("UPDATE vm_replication_contexts SET credential_id = 2 WHERE vm_name = 'labvm'").Error)

		src, err := database.New(db, database.WithKey(key), database.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)

		cs, err := src.CloudStack(ctx, credentials.Ref{})
		require.NoError(t, err)
		assert.Equal(t, "https://cloud.example.invalid/client/api", cs.APIURL)
		assert.Equal(t, apiKey, cs.APIKey.Reveal())
		assert.Equal(t, secretKey, cs.SecretKey.Reveal())
		assert.Equal(t, []string{"OSSEA", "zone-1", "oma-vm-1", "tmpl-1", "net-1", "so-1", "do-1"},
			[]string{cs.Domain, cs.Zone, cs.ApplianceVMID, cs.TemplateID, cs.NetworkID, cs.ServiceOfferingID, cs.DiskOfferingID})
		assert.Equal(t, credentials.Origin{Source: "database", Account: "production-ossea", Location: "ossea_configs id=1"}, cs.Origin)
		assert.False(t, cs.InsecureSkipVerify)

		vc, err := src.VSphere(ctx, credentials.Ref{})
		require.NoError(t, err)
		assert.Equal(t, password, vc.Password.Reveal())
		assert.Equal(t, "administrator@vsphere.local", vc.Username)
		assert.Equal(t, "DC-1", vc.Datacenter)
		assert.Equal(t, credentials.Origin{Source: "database", Account: "Production-vCenter", Location: "vmware_credentials id=1"}, vc.Origin)

		lab, err := src.VSphere(ctx, credentials.AccountID(2))
		require.NoError(t, err)
		assert.Equal(t, otherPassword, lab.Password.Reveal())
		assert.Equal(t, "lab-vc.example.invalid:8443", lab.Host)

		byVM, err := src.VSphereForVM(ctx, "labvm")
		require.NoError(t, err)
		assert.Equal(t, otherPassword, byVM.Password.Reveal())
		assert.Contains(t, byVM.Origin.Location, "ctx-labvm-20250101-120000")
		defaultVM, err := src.VSphereForVM(ctx, "ctx-pgtest1-20250101-120000")
		require.NoError(t, err)
		assert.Equal(t, password, defaultVM.Password.Reveal(), "a NULL link selects the default set")

		// The writer keeps the appliance's format: the appliance can decrypt what it wrote.
		w, err := database.NewWriter(db, database.WithKey(key))
		require.NoError(t, err)
		rotated := fakeSecret(t, "password")
		require.NoError(t, w.RotateVSpherePassword(ctx, "Lab-vCenter", credentials.NewSecret(rotated)))
		var stored string
		require.NoError(t, db.Raw("SELECT password_encrypted FROM vmware_credentials WHERE id = 2").Scan(&stored).Error)
		assert.Equal(t, rotated, omaDecrypt(t, key, stored))
		assert.NotContains(t, stored, rotated)
		_, err = w.PutVSphere(ctx, "added-by-writer", credentials.VSphere{Host: "vc3.example.invalid", Username: "u",
			Password: credentials.NewSecret(fakeSecret(t, "password")), Datacenter: "DC-3"})
		require.NoError(t, err)
		_, err = w.PutCloudStack(ctx, "second-ossea", credentials.CloudStack{APIURL: "https://c2.example.invalid/client/api",
			APIKey: credentials.NewSecret(fakeSecret(t, "k")), SecretKey: credentials.NewSecret(fakeSecret(t, "s")), Zone: "z"})
		require.NoError(t, err)
		active, err := src.CloudStack(ctx, credentials.Ref{})
		require.NoError(t, err)
		assert.Equal(t, "production-ossea", active.Origin.Account, "the appliance keeps using the lowest id")
		assert.NotEmpty(t, active.Warnings, "and the ambiguity is reported")
		second, err := src.CloudStack(ctx, credentials.Account("second-ossea"))
		require.NoError(t, err, "the writer's encrypted keys read back")
		assert.Empty(t, second.Warnings)

		// Migrate and every write left the appliance's tables as they were.
		require.NoError(t, database.Migrate(ctx, db))
		appliancedb.RequireSame(t, before, appliancedb.Snapshot(t, db), "reading and writing the appliance's rows, and Migrate,")
	})
}

// TestUsageTrackingOnOMATables checks the bookkeeping against the appliance's columns, and
// that fetches keep working when the columns are missing.
func TestUsageTrackingOnOMATables(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := appliancedb.Open(t, backend)
		key := newKey(t)
		require.NoError(t, db.Exec("INSERT INTO vmware_credentials (credential_name, vcenter_host, username, password_encrypted, "+
			"datacenter, is_default) VALUES (?, ?, ?, ?, ?, ?)",
			"vc", "vc.example.invalid", "u", omaEncrypt(t, key, fakeSecret(t, "password")), "DC", true).Error)
		clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		src, err := database.New(db, database.WithKey(key), database.WithUsageTracking(16),
			database.WithClock(func() time.Time { return clock }))
		require.NoError(t, err)
		t.Cleanup(func() { _ = src.Close() })

		first, err := src.VSphere(ctx, credentials.Ref{})
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			var n int64
			return db.Raw("SELECT COALESCE(usage_count, 0) FROM vmware_credentials WHERE id = 1").Scan(&n).Error == nil && n >= 1
		}, 10*time.Second, 10*time.Millisecond, "usage_count is bumped after a fetch")
		var lastUsed *time.Time
		require.NoError(t, db.Raw("SELECT last_used FROM vmware_credentials WHERE id = 1").Scan(&lastUsed).Error)
		require.NotNil(t, lastUsed)
		assert.True(t, lastUsed.Equal(clock), "last_used %v, want %v", lastUsed, clock)

		second, err := src.VSphere(ctx, credentials.Ref{})
		require.NoError(t, err)
		assert.Equal(t, first.Version, second.Version, "bookkeeping must not change the version")
	})
}

func TestUsageTrackingNeverFailsFetch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	key := newKey(t)
	// A table without last_used and usage_count: every bookkeeping update fails.
	require.NoError(t, db.Exec("CREATE TABLE vmware_credentials (id integer PRIMARY KEY, credential_name text, vcenter_host text, "+
		"username text, password_encrypted text, datacenter text, is_active boolean, is_default boolean)").Error)
	require.NoError(t, db.Exec("INSERT INTO vmware_credentials VALUES (1, 'vc', 'vc.example.invalid', 'u', ?, 'DC', 1, 1)",
		omaEncrypt(t, key, fakeSecret(t, "password"))).Error)
	logs := &recorder{}
	src, err := database.New(db, database.WithKey(key), database.WithUsageTracking(4), database.WithLogger(slog.New(logs)))
	require.NoError(t, err)
	for range 50 {
		_, err := src.VSphere(ctx, credentials.Ref{})
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return logs.count(slog.LevelWarn, "bookkeeping") == 1 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, src.Close())
	require.NoError(t, src.Close(), "Close is idempotent")
	_, err = src.VSphere(ctx, credentials.Ref{})
	require.NoError(t, err, "the source keeps answering after Close")
	assert.Equal(t, 1, logs.count(slog.LevelWarn, "bookkeeping"), "a failing bookkeeping update warns once, not per fetch")
}

func TestMigrateLeavesExistingTables(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := testdb.Open(t, backend)
		require.NoError(t, db.Exec("CREATE TABLE ossea_configs (id integer PRIMARY KEY, name varchar(64), extra varchar(64))").Error)
		require.NoError(t, db.Exec("INSERT INTO ossea_configs (id, name, extra) VALUES (7, 'kept', 'kept')").Error)

		require.NoError(t, database.Migrate(ctx, db))
		require.NoError(t, database.Migrate(ctx, db), "Migrate is idempotent")

		cols, err := db.Migrator().ColumnTypes("ossea_configs")
		require.NoError(t, err)
		assert.Len(t, cols, 3, "the existing table is not altered")
		var extra string
		require.NoError(t, db.Raw("SELECT extra FROM ossea_configs WHERE id = 7").Scan(&extra).Error)
		assert.Equal(t, "kept", extra)
		for _, table := range []string{"vmware_credentials", "vm_replication_contexts"} {
			assert.True(t, db.Migrator().HasTable(table), "%s created", table)
		}
		vcols, err := db.Migrator().ColumnTypes("vmware_credentials")
		require.NoError(t, err)
		var names []string
		for _, c := range vcols {
			names = append(names, c.Name())
		}
		assert.ElementsMatch(t, strings.Fields("id credential_name vcenter_host username password_encrypted datacenter "+
			"is_active is_default created_at updated_at created_by last_used usage_count"), names)
	})
}

// recorder is a slog.Handler that keeps the records it is given.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}

// count returns how many records at level mention substr in their message.
func (r *recorder) count(level slog.Level, substr string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.records {
		if rec.Level == level && strings.Contains(rec.Message, substr) {
			n++
		}
	}
	return n
}

// text renders every record with its attributes.
func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, rec := range r.records {
		b.WriteString(rec.Message)
		rec.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		b.WriteString("\n")
	}
	return b.String()
}
