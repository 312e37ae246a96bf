// Package appliancedb builds the OMA appliance's database, as deployed, on a test database,
// and snapshots its schema so that tests can prove failoverkit leaves it as it found it.
//
// The tables are written from ../shared/APPLIANCE.md (the deployed schema), not taken from
// database.Migrate, whose tables are failoverkit's own reading of the same facts and are
// checked against these.
//
//	db := appliancedb.Open(t, testdb.MariaDB) // or testdb.Open, then appliancedb.Create
//	before := appliancedb.Snapshot(t, db)
//	... run the code under test against db ...
//	appliancedb.RequireSame(t, before, appliancedb.Snapshot(t, db), "a test failover")
//
// # Backends
//
// On MariaDB Create builds every table APPLIANCE.md describes (ossea_configs,
// vmware_credentials, vm_replication_contexts, a minimal replication_jobs, failover_jobs,
// vm_disks, ossea_volumes, device_mappings, network_mappings), InnoDB, utf8mb4,
// utf8mb4_general_ci, with their keys, UNIQUEs, defaults, ON UPDATE, enums, CHECKs and
// foreign keys. On PostgreSQL and SQLite it builds ossea_configs, vmware_credentials and
// vm_replication_contexts, typed as closely as the engine allows. WithLinkColumn picks the
// per-VM link column's spelling (credential_id as deployed, vmware_credential_id as one
// migration file has it, or none).
//
// # Snapshots
//
// A Schema holds, per appliance table, canonical lines for its columns (type, nullability,
// default), indexes, constraints, foreign keys and triggers; AUTO_INCREMENT counters and
// sequence positions are left out, so writing rows never changes it. RequireSame fails a
// test with a line diff per table.
package appliancedb
