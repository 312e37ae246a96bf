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
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// omaDDL is the appliance's schema as its MariaDB dump has it (column names, types,
// nullability, defaults, extra columns this package does not read), with the PostgreSQL and
// SQLite spellings of the same types.
var omaDDL = map[testdb.Backend][]string{
	testdb.MariaDB: {
		"CREATE TABLE ossea_configs (" +
			"id int(11) NOT NULL AUTO_INCREMENT, name varchar(255) NOT NULL, api_url varchar(255) NOT NULL, " +
			"api_key varchar(255) NOT NULL, secret_key varchar(255) NOT NULL, domain varchar(255) DEFAULT NULL, " +
			"zone varchar(255) NOT NULL, template_id varchar(255) DEFAULT NULL, network_id varchar(255) DEFAULT NULL, " +
			"service_offering_id varchar(255) DEFAULT NULL, disk_offering_id varchar(255) DEFAULT NULL, " +
			"oma_vm_id varchar(255) DEFAULT NULL, created_at timestamp NULL DEFAULT current_timestamp(), " +
			"updated_at timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(), " +
			"is_active tinyint(1) DEFAULT 1, PRIMARY KEY (id), UNIQUE KEY name (name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
		"CREATE TABLE vmware_credentials (" +
			"id int(11) NOT NULL AUTO_INCREMENT, credential_name varchar(255) NOT NULL, vcenter_host varchar(255) NOT NULL, " +
			"username varchar(255) NOT NULL, password_encrypted text NOT NULL, datacenter varchar(255) NOT NULL, " +
			"is_active tinyint(1) DEFAULT 1, is_default tinyint(1) DEFAULT 0, " +
			"created_at timestamp NULL DEFAULT current_timestamp(), " +
			"updated_at timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(), " +
			"created_by varchar(255) DEFAULT NULL, last_used timestamp NULL DEFAULT NULL, usage_count int(11) DEFAULT 0, " +
			"PRIMARY KEY (id), UNIQUE KEY credential_name (credential_name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
		"CREATE TABLE vm_replication_contexts (" +
			"context_id varchar(64) NOT NULL, vm_name varchar(255) NOT NULL, vmware_vm_id varchar(255) NOT NULL, " +
			"vm_path varchar(500) NOT NULL, vcenter_host varchar(255) NOT NULL, datacenter varchar(255) NOT NULL, " +
			"current_status enum('discovered','replicating','ready_for_failover','failed_over_test','failed_over_live','completed','failed','cleanup_required') DEFAULT 'discovered', " +
			"vmware_credential_id int(11) DEFAULT NULL, created_at timestamp NULL DEFAULT current_timestamp(), " +
			"PRIMARY KEY (context_id), KEY idx_vm_name (vm_name), " +
			"CONSTRAINT fk_vmc_cred FOREIGN KEY (vmware_credential_id) REFERENCES vmware_credentials (id) ON DELETE SET NULL) ENGINE=InnoDB",
	},
	testdb.Postgres: {
		"CREATE TABLE ossea_configs (" +
			"id serial PRIMARY KEY, name varchar(255) NOT NULL UNIQUE, api_url varchar(255) NOT NULL, " +
			"api_key varchar(255) NOT NULL, secret_key varchar(255) NOT NULL, domain varchar(255), zone varchar(255) NOT NULL, " +
			"template_id varchar(255), network_id varchar(255), service_offering_id varchar(255), disk_offering_id varchar(255), " +
			"oma_vm_id varchar(255), created_at timestamp DEFAULT now(), updated_at timestamp DEFAULT now(), is_active boolean DEFAULT true)",
		"CREATE TABLE vmware_credentials (" +
			"id serial PRIMARY KEY, credential_name varchar(255) NOT NULL UNIQUE, vcenter_host varchar(255) NOT NULL, " +
			"username varchar(255) NOT NULL, password_encrypted text NOT NULL, datacenter varchar(255) NOT NULL, " +
			"is_active boolean DEFAULT true, is_default boolean DEFAULT false, created_at timestamp DEFAULT now(), " +
			"updated_at timestamp DEFAULT now(), created_by varchar(255), last_used timestamp, usage_count integer DEFAULT 0)",
		"CREATE TABLE vm_replication_contexts (" +
			"context_id varchar(64) PRIMARY KEY, vm_name varchar(255) NOT NULL, vmware_vm_id varchar(255) NOT NULL, " +
			"vm_path varchar(500) NOT NULL, vcenter_host varchar(255) NOT NULL, datacenter varchar(255) NOT NULL, " +
			"current_status varchar(32) DEFAULT 'discovered', " +
			"vmware_credential_id integer REFERENCES vmware_credentials (id) ON DELETE SET NULL, created_at timestamp DEFAULT now())",
	},
	testdb.SQLite: {
		"CREATE TABLE ossea_configs (" +
			"id integer PRIMARY KEY AUTOINCREMENT, name varchar(255) NOT NULL UNIQUE, api_url varchar(255) NOT NULL, " +
			"api_key varchar(255) NOT NULL, secret_key varchar(255) NOT NULL, domain varchar(255), zone varchar(255) NOT NULL, " +
			"template_id varchar(255), network_id varchar(255), service_offering_id varchar(255), disk_offering_id varchar(255), " +
			"oma_vm_id varchar(255), created_at datetime DEFAULT CURRENT_TIMESTAMP, updated_at datetime DEFAULT CURRENT_TIMESTAMP, " +
			"is_active tinyint(1) DEFAULT 1)",
		"CREATE TABLE vmware_credentials (" +
			"id integer PRIMARY KEY AUTOINCREMENT, credential_name varchar(255) NOT NULL UNIQUE, vcenter_host varchar(255) NOT NULL, " +
			"username varchar(255) NOT NULL, password_encrypted text NOT NULL, datacenter varchar(255) NOT NULL, " +
			"is_active tinyint(1) DEFAULT 1, is_default tinyint(1) DEFAULT 0, created_at datetime DEFAULT CURRENT_TIMESTAMP, " +
			"updated_at datetime DEFAULT CURRENT_TIMESTAMP, created_by varchar(255), last_used datetime, usage_count int DEFAULT 0)",
		"CREATE TABLE vm_replication_contexts (" +
			"context_id varchar(64) PRIMARY KEY, vm_name varchar(255) NOT NULL, vmware_vm_id varchar(255) NOT NULL, " +
			"vm_path varchar(500) NOT NULL, vcenter_host varchar(255) NOT NULL, datacenter varchar(255) NOT NULL, " +
			"current_status varchar(32) DEFAULT 'discovered', vmware_credential_id int REFERENCES vmware_credentials (id), " +
			"created_at datetime DEFAULT CURRENT_TIMESTAMP)",
	},
}

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

func createOMATables(t testing.TB, db *gorm.DB, backend testdb.Backend) {
	t.Helper()
	for _, ddl := range omaDDL[backend] {
		require.NoError(t, db.Exec(ddl).Error)
	}
}

func fakeSecret(t testing.TB, what string) string {
	t.Helper()
	b := make([]byte, 9)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "fake-" + what + "-" + base64.RawURLEncoding.EncodeToString(b)
}

func TestExistingOMADatabase(t *testing.T) {
	t.Parallel()
	for _, backend := range testdb.Backends(t) {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, backend)
			createOMATables(t, db, backend)
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
			for _, vm := range []struct {
				id, name string
				cred     any
			}{{"ctx-pgtest1-20250101-120000", "pgtest1", nil}, {"ctx-labvm-20250101-120000", "labvm", 2}} {
				require.NoError(t, db.Exec("INSERT INTO vm_replication_contexts (context_id, vm_name, vmware_vm_id, vm_path, "+
					"vcenter_host, datacenter, vmware_credential_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
					vm.id, vm.name, "vm-"+vm.name, "/DC-1/vm/"+vm.name, "vcenter.example.invalid", "DC-1", vm.cred).Error)
			}

			src, err := database.New(db, database.WithKey(key))
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
			require.NoError(t, w.ActivateCloudStack(ctx, "second-ossea"))
			active, err := src.CloudStack(ctx, credentials.Ref{})
			require.NoError(t, err)
			assert.Equal(t, "second-ossea", active.Origin.Account)

			// Migrate leaves the appliance's tables as they are.
			require.NoError(t, database.Migrate(ctx, db))
			cols, err := db.Migrator().ColumnTypes("vm_replication_contexts")
			require.NoError(t, err)
			assert.Len(t, cols, 9, "Migrate must not alter an existing table")
			again, err := src.VSphereForVM(ctx, "pgtest1")
			require.NoError(t, err)
			assert.Equal(t, password, again.Password.Reveal())
		})
	}
}

// TestUsageTrackingOnOMATables checks the bookkeeping against the appliance's columns, and
// that fetches keep working when the columns are missing.
func TestUsageTrackingOnOMATables(t *testing.T) {
	t.Parallel()
	for _, backend := range testdb.Backends(t) {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, backend)
			createOMATables(t, db, backend)
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
	for _, backend := range testdb.Backends(t) {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
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
