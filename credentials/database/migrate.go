package database

import (
	"context"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// migrateDDL gives, per gorm dialect, the three tables Migrate creates, as the appliance's
// deployed schema has them (APPLIANCE.md): the same columns, types, nullability, defaults
// (is_active 1), keys and foreign key. vm_replication_contexts holds the columns a failover
// reads or writes, with credential_id as the per-VM link. Tests compare these tables with an
// independent rendering of the deployed schema.
var migrateDDL = map[string][]struct{ table, ddl string }{
	"mysql": {
		{tableCloudStack, `CREATE TABLE IF NOT EXISTS ossea_configs (
  id bigint(20) NOT NULL AUTO_INCREMENT,
  name longtext NOT NULL,
  api_url longtext NOT NULL,
  api_key longtext NOT NULL,
  secret_key longtext NOT NULL,
  domain longtext DEFAULT NULL,
  zone longtext NOT NULL,
  template_id longtext DEFAULT NULL,
  network_id longtext DEFAULT NULL,
  service_offering_id longtext DEFAULT NULL,
  disk_offering_id longtext DEFAULT NULL,
  oma_vm_id longtext DEFAULT NULL,
  created_at datetime(3) DEFAULT NULL,
  updated_at datetime(3) DEFAULT NULL,
  is_active tinyint(1) DEFAULT 1,
  PRIMARY KEY (id),
  UNIQUE KEY idx_ossea_configs_name (name) USING HASH
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`},
		{tableVSphere, `CREATE TABLE IF NOT EXISTS vmware_credentials (
  id int(11) NOT NULL AUTO_INCREMENT,
  credential_name varchar(255) NOT NULL,
  vcenter_host varchar(255) NOT NULL,
  username varchar(255) NOT NULL,
  password_encrypted text NOT NULL,
  datacenter varchar(255) NOT NULL,
  is_active tinyint(1) DEFAULT 1,
  is_default tinyint(1) DEFAULT 0,
  created_at timestamp NULL DEFAULT current_timestamp(),
  updated_at timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  created_by varchar(255) DEFAULT NULL,
  last_used timestamp NULL DEFAULT NULL,
  usage_count int(11) DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY credential_name (credential_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`},
		{tableVMContexts, `CREATE TABLE IF NOT EXISTS vm_replication_contexts (
  context_id varchar(64) NOT NULL DEFAULT uuid(),
  vm_name varchar(255) NOT NULL,
  vmware_vm_id varchar(255) NOT NULL,
  vm_path varchar(500) NOT NULL,
  vcenter_host varchar(255) NOT NULL,
  datacenter varchar(255) NOT NULL,
  current_status enum('discovered','replicating','ready_for_failover','failed_over_test','failed_over_live','completed','failed','cleanup_required') NOT NULL DEFAULT 'discovered',
  cpu_count int(11) DEFAULT NULL,
  memory_mb int(11) DEFAULT NULL,
  os_type varchar(255) DEFAULT NULL,
  power_state varchar(50) DEFAULT NULL,
  credential_id int(11) DEFAULT NULL,
  ossea_config_id int(11) DEFAULT NULL,
  last_operation_summary longtext DEFAULT NULL CHECK (json_valid(last_operation_summary)),
  updated_at timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (context_id),
  UNIQUE KEY uq_vm_replication_contexts_vm (vmware_vm_id,vcenter_host),
  UNIQUE KEY uq_vm_replication_contexts_name (vm_name,vcenter_host),
  CONSTRAINT fk_vm_replication_contexts_credential FOREIGN KEY (credential_id) REFERENCES vmware_credentials (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`},
	},
	"postgres": {
		{tableCloudStack, `CREATE TABLE IF NOT EXISTS ossea_configs (
  id bigserial NOT NULL,
  name text NOT NULL,
  api_url text NOT NULL,
  api_key text NOT NULL,
  secret_key text NOT NULL,
  domain text,
  zone text NOT NULL,
  template_id text,
  network_id text,
  service_offering_id text,
  disk_offering_id text,
  oma_vm_id text,
  created_at timestamp(3),
  updated_at timestamp(3),
  is_active boolean DEFAULT true,
  CONSTRAINT ossea_configs_pkey PRIMARY KEY (id),
  CONSTRAINT idx_ossea_configs_name UNIQUE (name)
)`},
		{tableVSphere, `CREATE TABLE IF NOT EXISTS vmware_credentials (
  id serial NOT NULL,
  credential_name varchar(255) NOT NULL,
  vcenter_host varchar(255) NOT NULL,
  username varchar(255) NOT NULL,
  password_encrypted text NOT NULL,
  datacenter varchar(255) NOT NULL,
  is_active boolean DEFAULT true,
  is_default boolean DEFAULT false,
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
  created_by varchar(255),
  last_used timestamp,
  usage_count integer DEFAULT 0,
  CONSTRAINT vmware_credentials_pkey PRIMARY KEY (id),
  CONSTRAINT credential_name UNIQUE (credential_name)
)`},
		{tableVMContexts, `CREATE TABLE IF NOT EXISTS vm_replication_contexts (
  context_id varchar(64) NOT NULL DEFAULT gen_random_uuid()::text,
  vm_name varchar(255) NOT NULL,
  vmware_vm_id varchar(255) NOT NULL,
  vm_path varchar(500) NOT NULL,
  vcenter_host varchar(255) NOT NULL,
  datacenter varchar(255) NOT NULL,
  current_status varchar(32) NOT NULL DEFAULT 'discovered' CONSTRAINT vm_replication_contexts_current_status CHECK (current_status IN (` +
			`'discovered','replicating','ready_for_failover','failed_over_test','failed_over_live','completed','failed','cleanup_required')),
  cpu_count integer,
  memory_mb integer,
  os_type varchar(255),
  power_state varchar(50),
  credential_id integer,
  ossea_config_id integer,
  last_operation_summary json,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT vm_replication_contexts_pkey PRIMARY KEY (context_id),
  CONSTRAINT uq_vm_replication_contexts_vm UNIQUE (vmware_vm_id, vcenter_host),
  CONSTRAINT uq_vm_replication_contexts_name UNIQUE (vm_name, vcenter_host),
  CONSTRAINT fk_vm_replication_contexts_credential FOREIGN KEY (credential_id) REFERENCES vmware_credentials (id) ON DELETE SET NULL
)`},
	},
	"sqlite": {
		{tableCloudStack, `CREATE TABLE IF NOT EXISTS ossea_configs (
  id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  name longtext NOT NULL,
  api_url longtext NOT NULL,
  api_key longtext NOT NULL,
  secret_key longtext NOT NULL,
  domain longtext DEFAULT NULL,
  zone longtext NOT NULL,
  template_id longtext DEFAULT NULL,
  network_id longtext DEFAULT NULL,
  service_offering_id longtext DEFAULT NULL,
  disk_offering_id longtext DEFAULT NULL,
  oma_vm_id longtext DEFAULT NULL,
  created_at datetime(3) DEFAULT NULL,
  updated_at datetime(3) DEFAULT NULL,
  is_active tinyint(1) DEFAULT 1,
  CONSTRAINT idx_ossea_configs_name UNIQUE (name)
)`},
		{tableVSphere, `CREATE TABLE IF NOT EXISTS vmware_credentials (
  id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  credential_name varchar(255) NOT NULL,
  vcenter_host varchar(255) NOT NULL,
  username varchar(255) NOT NULL,
  password_encrypted text NOT NULL,
  datacenter varchar(255) NOT NULL,
  is_active tinyint(1) DEFAULT 1,
  is_default tinyint(1) DEFAULT 0,
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
  created_by varchar(255) DEFAULT NULL,
  last_used timestamp DEFAULT NULL,
  usage_count int(11) DEFAULT 0,
  CONSTRAINT credential_name UNIQUE (credential_name)
)`},
		{tableVMContexts, `CREATE TABLE IF NOT EXISTS vm_replication_contexts (
  context_id varchar(64) NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
  vm_name varchar(255) NOT NULL,
  vmware_vm_id varchar(255) NOT NULL,
  vm_path varchar(500) NOT NULL,
  vcenter_host varchar(255) NOT NULL,
  datacenter varchar(255) NOT NULL,
  current_status varchar(32) NOT NULL DEFAULT 'discovered' CHECK (current_status IN (` +
			`'discovered','replicating','ready_for_failover','failed_over_test','failed_over_live','completed','failed','cleanup_required')),
  cpu_count int(11) DEFAULT NULL,
  memory_mb int(11) DEFAULT NULL,
  os_type varchar(255) DEFAULT NULL,
  power_state varchar(50) DEFAULT NULL,
  credential_id int(11) DEFAULT NULL REFERENCES vmware_credentials (id) ON DELETE SET NULL,
  ossea_config_id int(11) DEFAULT NULL,
  last_operation_summary longtext DEFAULT NULL CHECK (last_operation_summary IS NULL OR json_valid(last_operation_summary)),
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT uq_vm_replication_contexts_vm UNIQUE (vmware_vm_id, vcenter_host),
  CONSTRAINT uq_vm_replication_contexts_name UNIQUE (vm_name, vcenter_host)
)`},
	},
}

// Migrate creates ossea_configs, vmware_credentials and vm_replication_contexts, as the
// appliance's deployed schema has them, on a database that lacks them: the embedded default,
// or a new MariaDB/PostgreSQL database with no appliance. A table that exists is left exactly
// as it is - Migrate never alters, adds columns to or drops anything - so it is safe to run
// against the appliance's own database, where it does nothing.
//
// vm_replication_contexts is created with credential_id as the per-VM link and the columns a
// failover reads or writes. Its rows are the appliance's to create; on a database without an
// appliance, whoever plays that part inserts them (Writer.LinkVM only links existing ones).
//
// It supports the gorm dialects "sqlite", "mysql" (MariaDB 10.4 or later, as the appliance
// runs; the tables use its long UNIQUE keys) and "postgres" (13 or later).
func Migrate(ctx context.Context, db *gorm.DB) error {
	if db == nil {
		return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: "no database handle", Fix: "pass an open *gorm.DB to database.Migrate"}
	}
	dialect := db.Name()
	tables, ok := migrateDDL[dialect]
	if !ok {
		return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: "cannot create tables for the gorm dialect " + dialect,
			Fix:     "use SQLite (github.com/glebarez/sqlite), MariaDB or PostgreSQL, or create the appliance's tables yourself"}
	}
	for _, t := range tables {
		if db.WithContext(ctx).Migrator().HasTable(t.table) {
			continue
		}
		if err := db.WithContext(ctx).Exec(t.ddl).Error; err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				err = ctxErr
			}
			return &credentials.Error{Code: fkerrors.Unavailable, Source: sourceName,
				Problem: "creating table " + t.table + " failed",
				Fix:     "check that the database answers and that its user may create tables", Err: err}
		}
	}
	return nil
}
