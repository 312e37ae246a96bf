package appliancedb

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// The per-VM link column of vm_replication_contexts, in the two spellings deployed databases
// have.
const (
	// LinkCredentialID is the column deployed databases have, and the fixture's default.
	LinkCredentialID = "credential_id"
	// LinkVMwareCredentialID is the name one of the appliance's migration files gives it.
	LinkVMwareCredentialID = "vmware_credential_id"
	// NoLink builds vm_replication_contexts without either column, to test the error a
	// reader gives for such a table.
	NoLink = ""
)

// Option configures Create and Open.
type Option func(*config)

type config struct {
	link string
}

// WithLinkColumn names the per-VM link column of vm_replication_contexts:
// LinkCredentialID (the default), LinkVMwareCredentialID or NoLink.
func WithLinkColumn(column string) Option {
	return func(c *config) { c.link = column }
}

// AllTables lists every appliance table a snapshot covers, whichever of them exist.
func AllTables() []string { return slices.Clone(allTables) }

// Tables lists the appliance tables Create builds on db's backend: all of them on MariaDB,
// the credential tables and vm_replication_contexts on PostgreSQL and SQLite.
func Tables(db *gorm.DB) []string {
	if db.Dialector.Name() == "mysql" {
		return AllTables()
	}
	return slices.Clone(credentialTables)
}

// Open returns a fresh, isolated database of backend (testdb.Open) holding the appliance's
// tables (Create).
func Open(t testing.TB, backend testdb.Backend, opts ...Option) *gorm.DB {
	t.Helper()
	db := testdb.Open(t, backend)
	Create(t, db, opts...)
	return db
}

// EachLink runs test once per backend (testdb.Backends) and link column in links, each as
// a parallel subtest named backend/link, on a fresh database holding the appliance's tables
// with that link column (Open).
func EachLink(t *testing.T, links []string, test func(t *testing.T, b testdb.Backend, db *gorm.DB, link string)) {
	t.Helper()
	testdb.EachBackend(t, func(t *testing.T, b testdb.Backend) {
		for _, link := range links {
			name := link
			if link == NoLink {
				name = "no-link"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				test(t, b, Open(t, b, WithLinkColumn(link)), link)
			})
		}
	})
}

// Create builds the appliance's tables, empty, on db, which must not have them yet: on
// MariaDB every table APPLIANCE.md describes, with its keys, defaults, enums, CHECKs and
// foreign keys; on PostgreSQL and SQLite the credential tables and vm_replication_contexts,
// typed as closely as the engine allows.
func Create(t testing.TB, db *gorm.DB, opts ...Option) {
	t.Helper()
	cfg := config{link: LinkCredentialID}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.link != LinkCredentialID && cfg.link != LinkVMwareCredentialID && cfg.link != NoLink {
		t.Fatalf("appliancedb: link column %q: want LinkCredentialID, LinkVMwareCredentialID or NoLink", cfg.link)
	}
	var ddl []string
	dialect := db.Dialector.Name()
	switch dialect {
	case "mysql":
		ddl = mariaDBDDL
	case "postgres":
		ddl = postgresDDL
	case "sqlite":
		ddl = sqliteDDL
	default:
		t.Fatalf("appliancedb: no appliance schema for the gorm dialect %q", dialect)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// One connection: FOREIGN_KEY_CHECKS is a session setting, and replication_jobs and
	// vm_replication_contexts reference each other, so neither can be created first with
	// the checks on.
	err := db.WithContext(ctx).Connection(func(tx *gorm.DB) error {
		if dialect == "mysql" {
			if err := tx.Exec("SET FOREIGN_KEY_CHECKS=0").Error; err != nil {
				return err
			}
			defer tx.Exec("SET FOREIGN_KEY_CHECKS=1")
		}
		for _, stmt := range withLink(ddl, cfg.link) {
			if err := tx.Exec(stmt).Error; err != nil {
				return fmt.Errorf("%w\n%s", err, stmt)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("appliancedb: create the appliance's tables: %v", err)
	}
}

// VMContext is a vm_replication_contexts row as the appliance creates it when a VM is added
// to replication: the NOT NULL columns, the rest left to their defaults. Empty fields are
// derived from ContextID.
type VMContext struct {
	// ContextID is context_id, the row's key; required.
	ContextID string
	// VMName is vm_name (default "vm-<ContextID>").
	VMName string
	// VMwareVMID is vmware_vm_id (default "vmid-<ContextID>").
	VMwareVMID string
	// VMPath is vm_path (default "/dc/vm/<VMName>").
	VMPath string
	// VCenterHost is vcenter_host (default "vcenter.example.invalid"); (vm_name,
	// vcenter_host) and (vmware_vm_id, vcenter_host) are UNIQUE.
	VCenterHost string
	// Datacenter is datacenter (default "dc").
	Datacenter string
}

// InsertVMContext inserts c into vm_replication_contexts, as the appliance would; failoverkit
// itself never inserts such a row. It works on the fixture's table and on the one
// database.Migrate creates.
func InsertVMContext(t testing.TB, db *gorm.DB, c VMContext) {
	t.Helper()
	if c.ContextID == "" {
		t.Fatalf("appliancedb: InsertVMContext needs a ContextID")
	}
	or := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	name := or(c.VMName, "vm-"+c.ContextID)
	err := db.Exec("INSERT INTO vm_replication_contexts (context_id, vm_name, vmware_vm_id, vm_path, vcenter_host, datacenter) "+
		"VALUES (?, ?, ?, ?, ?, ?)", c.ContextID, name, or(c.VMwareVMID, "vmid-"+c.ContextID),
		or(c.VMPath, "/dc/vm/"+name), or(c.VCenterHost, "vcenter.example.invalid"), or(c.Datacenter, "dc")).Error
	if err != nil {
		t.Fatalf("appliancedb: insert replication context %s: %v", c.ContextID, err)
	}
}
