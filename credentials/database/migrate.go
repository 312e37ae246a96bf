package database

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
)

// columnTypes gives, per gorm dialect, the types the appliance's tables use.
var columnTypes = map[string]map[string]string{
	"mysql": {
		"ID": "INT NOT NULL AUTO_INCREMENT PRIMARY KEY", "NAME": "VARCHAR(191) NOT NULL UNIQUE", "STR": "VARCHAR(255) NULL",
		"TEXT": "TEXT NULL", "BOOL": "TINYINT(1) NULL", "FALSE": "0", "TRUE": "1", "TIME": "DATETIME(3) NULL",
		"INT": "INT NULL", "KEY": "VARCHAR(191) NOT NULL PRIMARY KEY", "TAIL": " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
	},
	"postgres": {
		"ID": "SERIAL PRIMARY KEY", "NAME": "VARCHAR(191) NOT NULL UNIQUE", "STR": "VARCHAR(255) NULL",
		"TEXT": "TEXT NULL", "BOOL": "BOOLEAN NULL", "FALSE": "FALSE", "TRUE": "TRUE", "TIME": "TIMESTAMPTZ NULL",
		"INT": "INTEGER NULL", "KEY": "VARCHAR(191) NOT NULL PRIMARY KEY", "TAIL": "",
	},
	"sqlite": {
		"ID": "INTEGER PRIMARY KEY AUTOINCREMENT", "NAME": "TEXT NOT NULL UNIQUE", "STR": "TEXT NULL",
		"TEXT": "TEXT NULL", "BOOL": "BOOLEAN NULL", "FALSE": "0", "TRUE": "1", "TIME": "DATETIME NULL",
		"INT": "INTEGER NULL", "KEY": "TEXT NOT NULL PRIMARY KEY", "TAIL": "",
	},
}

// tableDDL lists the tables Migrate creates, with the appliance's column names. Words in
// capitals are replaced by the dialect's types.
var tableDDL = []struct{ name, columns string }{
	{tableCloudStack, `id ID, name NAME, api_url STR, api_key TEXT, secret_key TEXT, domain STR, zone STR,
		template_id STR, network_id STR, service_offering_id STR, disk_offering_id STR, oma_vm_id STR,
		created_at TIME, updated_at TIME, is_active BOOL DEFAULT FALSE`},
	{tableVSphere, `id ID, credential_name NAME, vcenter_host STR, username STR, password_encrypted TEXT,
		datacenter STR, is_active BOOL DEFAULT TRUE, is_default BOOL DEFAULT FALSE, created_at TIME, updated_at TIME,
		created_by STR, last_used TIME, usage_count INT DEFAULT 0`},
	{tableVMContexts, `context_id KEY, vm_name STR, vmware_credential_id INT, created_at TIME, updated_at TIME`},
}

// Migrate creates ossea_configs, vmware_credentials and vm_replication_contexts with the
// appliance's column names on a database that lacks them (the embedded default). A table
// that exists is left exactly as it is: Migrate never alters, adds columns to or drops
// anything, so it is safe to run against the appliance's own database. The
// vm_replication_contexts it creates holds only the columns this package reads
// (context_id, vm_name, vmware_credential_id and timestamps).
//
// It supports the gorm dialects "sqlite", "mysql" (MariaDB) and "postgres".
func Migrate(ctx context.Context, db *gorm.DB) error {
	if db == nil {
		return &credentials.Error{Category: credentials.ErrInvalid, Source: sourceName,
			Problem: "no database handle", Remedy: "pass an open *gorm.DB to database.Migrate"}
	}
	dialect := db.Name()
	types, ok := columnTypes[dialect]
	if !ok {
		return &credentials.Error{Category: credentials.ErrInvalid, Source: sourceName,
			Problem: "cannot create tables for the gorm dialect " + dialect,
			Remedy:  "use SQLite (github.com/glebarez/sqlite), MariaDB/MySQL or PostgreSQL, or create the appliance's tables yourself"}
	}
	for _, t := range tableDDL {
		if db.WithContext(ctx).Migrator().HasTable(t.name) {
			continue
		}
		if err := db.WithContext(ctx).Exec(createTable(t.name, t.columns, types)).Error; err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				err = ctxErr
			}
			return &credentials.Error{Category: credentials.ErrUnavailable, Source: sourceName,
				Problem: "creating table " + t.name + " failed",
				Remedy:  "check that the database answers and that its user may create tables", Err: err}
		}
	}
	return nil
}

func createTable(name, columns string, types map[string]string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + name + " (")
	for i, col := range strings.Split(columns, ",") {
		if i > 0 {
			b.WriteString(", ")
		}
		words := strings.Fields(col)
		for j, w := range words {
			if j > 0 {
				b.WriteString(" ")
			}
			if j > 0 {
				if t, ok := types[w]; ok {
					w = t
				}
			}
			b.WriteString(w)
		}
	}
	b.WriteString(")" + types["TAIL"])
	return b.String()
}
