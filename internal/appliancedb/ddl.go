package appliancedb

import "strings"

// Every table of the appliance's database that APPLIANCE.md describes, in the order a
// snapshot lists them. replication_jobs is minimal: only enough for the reference between it
// and vm_replication_contexts.
var allTables = []string{
	"ossea_configs",
	"vmware_credentials",
	"vm_replication_contexts",
	"replication_jobs",
	"failover_jobs",
	"vm_disks",
	"ossea_volumes",
	"device_mappings",
	"network_mappings",
}

// credentialTables are the tables the fixture builds on PostgreSQL and SQLite.
var credentialTables = []string{"ossea_configs", "vmware_credentials", "vm_replication_contexts"}

// linkPlaceholder stands for the per-VM link column in the DDL below; a missing link column
// removes every line that mentions it.
const linkPlaceholder = "LINK_COLUMN"

const mariaDBTail = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"

// mariaDBDDL is the deployed schema as APPLIANCE.md states it, written as MariaDB's dump
// would have it. Columns APPLIANCE.md mentions only as "others exist" (the job counters and
// scheduler fields of vm_replication_contexts) are represented by a few of their kind, so
// that inserts which omit them must rely on their defaults, as the appliance's do.
var mariaDBDDL = []string{
	`CREATE TABLE ossea_configs (
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
)` + mariaDBTail,
	`CREATE TABLE vmware_credentials (
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
)` + mariaDBTail,
	`CREATE TABLE vm_replication_contexts (
  context_id varchar(64) NOT NULL DEFAULT uuid(),
  vm_name varchar(255) NOT NULL,
  vmware_vm_id varchar(255) NOT NULL,
  vm_path varchar(500) NOT NULL,
  vcenter_host varchar(255) NOT NULL,
  datacenter varchar(255) NOT NULL,
  current_status enum('discovered','replicating','ready_for_failover','failed_over_test','failed_over_live','completed','failed','cleanup_required') NOT NULL DEFAULT 'discovered',
  current_job_id varchar(191) DEFAULT NULL,
  total_jobs_run int(11) DEFAULT 0,
  successful_jobs int(11) DEFAULT 0,
  failed_jobs int(11) DEFAULT 0,
  cpu_count int(11) DEFAULT NULL,
  memory_mb int(11) DEFAULT NULL,
  os_type varchar(255) DEFAULT NULL,
  power_state varchar(50) DEFAULT NULL,
  LINK_COLUMN int(11) DEFAULT NULL,
  ossea_config_id int(11) DEFAULT NULL,
  scheduler_enabled tinyint(1) DEFAULT 1,
  next_scheduled_at timestamp NULL DEFAULT NULL,
  last_operation_summary longtext DEFAULT NULL CHECK (json_valid(last_operation_summary)),
  created_at timestamp NULL DEFAULT current_timestamp(),
  updated_at timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (context_id),
  UNIQUE KEY uq_vm_replication_contexts_vm (vmware_vm_id,vcenter_host),
  UNIQUE KEY uq_vm_replication_contexts_name (vm_name,vcenter_host),
  CONSTRAINT fk_vm_replication_contexts_credential FOREIGN KEY (LINK_COLUMN) REFERENCES vmware_credentials (id) ON DELETE SET NULL,
  CONSTRAINT fk_vm_replication_contexts_current_job FOREIGN KEY (current_job_id) REFERENCES replication_jobs (id) ON DELETE SET NULL
)` + mariaDBTail,
	`CREATE TABLE replication_jobs (
  id varchar(191) NOT NULL,
  vm_context_id varchar(64) DEFAULT NULL,
  source_vm_name varchar(255) NOT NULL,
  status varchar(50) NOT NULL DEFAULT 'pending',
  created_at timestamp NULL DEFAULT current_timestamp(),
  updated_at timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (id),
  CONSTRAINT fk_replication_jobs_vm_context FOREIGN KEY (vm_context_id) REFERENCES vm_replication_contexts (context_id) ON DELETE CASCADE
)` + mariaDBTail,
	`CREATE TABLE failover_jobs (
  id bigint(20) NOT NULL AUTO_INCREMENT,
  vm_context_id varchar(64) DEFAULT NULL,
  job_id varchar(255) NOT NULL,
  vm_id varchar(255) NOT NULL,
  replication_job_id varchar(255) DEFAULT NULL,
  job_type enum('live','test') NOT NULL,
  status enum('pending','validating','snapshotting','creating_vm','switching_volume','powering_on','completed','failed','cleanup','reverting') NOT NULL DEFAULT 'pending',
  source_vm_name varchar(255) NOT NULL,
  source_vm_spec text DEFAULT NULL,
  destination_vm_id varchar(255) DEFAULT NULL,
  ossea_snapshot_id varchar(255) DEFAULT NULL,
  linstor_snapshot_name varchar(255) DEFAULT NULL,
  linstor_config_id int(11) DEFAULT NULL,
  network_mappings text DEFAULT NULL,
  error_message text DEFAULT NULL,
  created_at timestamp NULL DEFAULT current_timestamp(),
  updated_at timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  started_at timestamp NULL DEFAULT NULL,
  completed_at timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY job_id (job_id),
  CONSTRAINT fk_failover_jobs_vm_context FOREIGN KEY (vm_context_id) REFERENCES vm_replication_contexts (context_id) ON DELETE CASCADE
)` + mariaDBTail,
	`CREATE TABLE vm_disks (
  id bigint(20) NOT NULL AUTO_INCREMENT,
  vm_context_id varchar(64) NOT NULL,
  job_id varchar(191) DEFAULT NULL,
  disk_id longtext NOT NULL,
  vmdk_path longtext DEFAULT NULL,
  size_gb bigint(20) DEFAULT NULL,
  capacity_bytes bigint(20) DEFAULT NULL,
  datastore longtext DEFAULT NULL,
  unit_number bigint(20) DEFAULT NULL,
  label longtext DEFAULT NULL,
  provisioning_type longtext DEFAULT NULL,
  ossea_volume_id bigint(20) DEFAULT NULL,
  cpu_count bigint(20) DEFAULT NULL,
  memory_mb bigint(20) DEFAULT NULL,
  os_type longtext DEFAULT NULL,
  network_config text DEFAULT NULL,
  bios_setup text DEFAULT NULL,
  vmware_uuid varchar(255) DEFAULT NULL,
  created_at datetime(3) DEFAULT NULL,
  updated_at datetime(3) DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_vm_disks_context_disk (vm_context_id,disk_id) USING HASH,
  CONSTRAINT fk_vm_disks_vm_context FOREIGN KEY (vm_context_id) REFERENCES vm_replication_contexts (context_id) ON DELETE CASCADE,
  CONSTRAINT fk_vm_disks_ossea_volume FOREIGN KEY (ossea_volume_id) REFERENCES ossea_volumes (id) ON DELETE SET NULL
)` + mariaDBTail,
	`CREATE TABLE ossea_volumes (
  id bigint(20) NOT NULL AUTO_INCREMENT,
  vm_context_id varchar(64) DEFAULT NULL,
  volume_id longtext NOT NULL,
  volume_name longtext NOT NULL,
  size_gb bigint(20) NOT NULL,
  volume_type longtext DEFAULT NULL,
  device_path longtext DEFAULT NULL,
  mount_point longtext DEFAULT NULL,
  status longtext DEFAULT 'creating',
  snapshot_id varchar(191) DEFAULT NULL,
  snapshot_created_at datetime(3) DEFAULT NULL,
  snapshot_status enum('none','creating','ready','failed','rollback_complete') DEFAULT 'none',
  created_at datetime(3) DEFAULT NULL,
  updated_at datetime(3) DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY idx_ossea_volumes_volume_id (volume_id) USING HASH,
  CONSTRAINT fk_ossea_volumes_vm_context FOREIGN KEY (vm_context_id) REFERENCES vm_replication_contexts (context_id) ON DELETE CASCADE
)` + mariaDBTail,
	`CREATE TABLE device_mappings (
  id varchar(64) NOT NULL DEFAULT uuid(),
  vm_context_id varchar(64) DEFAULT NULL,
  volume_uuid varchar(64) NOT NULL,
  vm_id varchar(64) NOT NULL,
  operation_mode enum('oma','failover') NOT NULL DEFAULT 'oma',
  cloudstack_device_id int(11) DEFAULT NULL,
  device_path varchar(255) NOT NULL,
  cloudstack_state varchar(32) NOT NULL,
  linux_state varchar(32) NOT NULL,
  size bigint(20) NOT NULL,
  ossea_snapshot_id varchar(191) DEFAULT NULL,
  snapshot_status varchar(32) DEFAULT 'none',
  last_sync timestamp NULL DEFAULT NULL,
  created_at timestamp NULL DEFAULT current_timestamp(),
  updated_at timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (id),
  UNIQUE KEY volume_uuid (volume_uuid),
  UNIQUE KEY device_path (device_path),
  CONSTRAINT fk_device_mappings_vm_context FOREIGN KEY (vm_context_id) REFERENCES vm_replication_contexts (context_id) ON DELETE CASCADE
)` + mariaDBTail,
	`CREATE TABLE network_mappings (
  id int(11) NOT NULL AUTO_INCREMENT,
  vm_id varchar(255) NOT NULL,
  vm_context_id varchar(64) DEFAULT NULL,
  source_network_name varchar(255) NOT NULL,
  destination_network_id varchar(255) NOT NULL,
  destination_network_name varchar(255) DEFAULT NULL,
  is_test_network tinyint(1) DEFAULT 0,
  created_at timestamp NULL DEFAULT current_timestamp(),
  updated_at timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (id),
  UNIQUE KEY unique_network_mapping (vm_context_id,source_network_name,is_test_network),
  CONSTRAINT fk_network_mappings_vm_context FOREIGN KEY (vm_context_id) REFERENCES vm_replication_contexts (context_id) ON DELETE CASCADE
)` + mariaDBTail,
}

// statusCheck spells the current_status enum as a CHECK where the engine has no inline enum.
const statusCheck = "CHECK (current_status IN ('discovered','replicating','ready_for_failover','failed_over_test'," +
	"'failed_over_live','completed','failed','cleanup_required'))"

// postgresDDL is the credential side of the deployed schema in PostgreSQL's types: boolean
// for tinyint(1), text for longtext, timestamp(3) for datetime(3), a CHECK for the enum and
// json for the json_valid CHECK. PostgreSQL has no ON UPDATE for columns; the appliance's
// writers set updated_at themselves.
var postgresDDL = []string{
	`CREATE TABLE ossea_configs (
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
)`,
	`CREATE TABLE vmware_credentials (
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
)`,
	`CREATE TABLE vm_replication_contexts (
  context_id varchar(64) NOT NULL DEFAULT gen_random_uuid()::text,
  vm_name varchar(255) NOT NULL,
  vmware_vm_id varchar(255) NOT NULL,
  vm_path varchar(500) NOT NULL,
  vcenter_host varchar(255) NOT NULL,
  datacenter varchar(255) NOT NULL,
  current_status varchar(32) NOT NULL DEFAULT 'discovered' CONSTRAINT vm_replication_contexts_current_status ` + statusCheck + `,
  total_jobs_run integer DEFAULT 0,
  cpu_count integer,
  memory_mb integer,
  os_type varchar(255),
  power_state varchar(50),
  LINK_COLUMN integer,
  ossea_config_id integer,
  last_operation_summary json,
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT vm_replication_contexts_pkey PRIMARY KEY (context_id),
  CONSTRAINT uq_vm_replication_contexts_vm UNIQUE (vmware_vm_id, vcenter_host),
  CONSTRAINT uq_vm_replication_contexts_name UNIQUE (vm_name, vcenter_host),
  CONSTRAINT fk_vm_replication_contexts_credential FOREIGN KEY (LINK_COLUMN) REFERENCES vmware_credentials (id) ON DELETE SET NULL
)`,
}

// sqliteDDL is the credential side in SQLite. SQLite keeps declared type names as written,
// so they are MariaDB's own; id columns must be "integer" to be AUTOINCREMENT row ids. The
// enum and json_valid are CHECKs; there is no ON UPDATE.
var sqliteDDL = []string{
	`CREATE TABLE ossea_configs (
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
)`,
	`CREATE TABLE vmware_credentials (
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
)`,
	`CREATE TABLE vm_replication_contexts (
  context_id varchar(64) NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
  vm_name varchar(255) NOT NULL,
  vmware_vm_id varchar(255) NOT NULL,
  vm_path varchar(500) NOT NULL,
  vcenter_host varchar(255) NOT NULL,
  datacenter varchar(255) NOT NULL,
  current_status varchar(32) NOT NULL DEFAULT 'discovered' ` + statusCheck + `,
  total_jobs_run int(11) DEFAULT 0,
  cpu_count int(11) DEFAULT NULL,
  memory_mb int(11) DEFAULT NULL,
  os_type varchar(255) DEFAULT NULL,
  power_state varchar(50) DEFAULT NULL,
  LINK_COLUMN int(11) DEFAULT NULL REFERENCES vmware_credentials (id) ON DELETE SET NULL,
  ossea_config_id int(11) DEFAULT NULL,
  last_operation_summary longtext DEFAULT NULL CHECK (last_operation_summary IS NULL OR json_valid(last_operation_summary)),
  created_at timestamp DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT uq_vm_replication_contexts_vm UNIQUE (vmware_vm_id, vcenter_host),
  CONSTRAINT uq_vm_replication_contexts_name UNIQUE (vm_name, vcenter_host)
)`,
}

// withLink puts column in for the link placeholder, or drops every line naming it when
// column is "".
func withLink(ddl []string, column string) []string {
	out := make([]string, 0, len(ddl))
	for _, stmt := range ddl {
		if column != "" {
			out = append(out, strings.ReplaceAll(stmt, linkPlaceholder, column))
			continue
		}
		lines := strings.Split(stmt, "\n")
		kept := lines[:0]
		for _, l := range lines {
			if !strings.Contains(l, linkPlaceholder) {
				kept = append(kept, l)
			}
		}
		// The line before the closing parenthesis must not end in a comma.
		for i := 1; i < len(kept); i++ {
			if strings.HasPrefix(kept[i], ")") {
				kept[i-1] = strings.TrimSuffix(kept[i-1], ",")
			}
		}
		out = append(out, strings.Join(kept, "\n"))
	}
	return out
}
