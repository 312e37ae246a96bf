// Package database is a credentials.Source over the OMA appliance's own tables, read through
// gorm: ossea_configs for CloudStack, vmware_credentials for vCenter, and
// vm_replication_contexts for the per-VM link to a vCenter set. An existing appliance
// database works untouched: no migration, no extra columns, no change to any table.
//
//	key, err := database.KeyFromEnv() // MIGRATEKIT_CRED_ENCRYPTION_KEY
//	...
//	src, err := database.New(db, database.WithKey(key))
//	cs, err := src.CloudStack(ctx, credentials.Ref{})          // the active config
//	vc, err := src.VSphere(ctx, credentials.Account("lab-vc")) // a named set
//	vm, err := src.VSphereForVM(ctx, "ctx-pgtest1-20250101")   // the set a VM is linked to
//
// The embedded default is SQLite through github.com/glebarez/sqlite (pure Go); open it with
// OpenSQLite (WAL, a busy timeout, immediate write transactions: SQLiteDSN), and create the
// tables with Migrate. Production runs on MariaDB (gorm.io/driver/mysql) or
// PostgreSQL (gorm.io/driver/postgres).
//
// # Lookup
//
// The source reads the tables as the appliance does (see APPLIANCE.md beside the project's
// brief).
//
// CloudStack: is_active is the appliance's "not deleted" flag - deleting a configuration in
// the GUI sets it to 0 - and saving a configuration deactivates only rows of the same name,
// so several rows can be active. The zero Ref selects the active row with the lowest id,
// which is the one the appliance uses; when others are active too, every fetch logs a
// warning naming them all and carries it in Meta.Warnings (failover.Engine.CheckCredentials
// reports it). StrictDefault makes that case ErrAmbiguous instead. A named account is the
// row whose name is Ref.Name and/or whose id is Ref.ID; a row with is_active = 0 is deleted,
// so naming it is ErrNotFound with a remedy saying how to restore it.
//
// vCenter: the zero Ref selects the one vmware_credentials row with is_default and is_active
// set. A named account is the row whose credential_name is Ref.Name and/or whose id is
// Ref.ID, and it must be active: an inactive set is ErrNotFound with a remedy saying to
// activate it. For Ref.AllowDefault an inactive set counts as missing.
//
// Per VM: VSphereForVM reads the link of vm_replication_contexts by context_id (or vm_name):
// credential_id in deployed databases, vmware_credential_id where a migration file named it
// so. Which column the table has is looked up on every call, never remembered; a table with
// neither is ErrInvalid naming the table and the fix. A NULL link means the default set; a
// dangling or inactive link is an error, never the default.
//
// A named account that does not exist is ErrNotFound, never the default, unless the caller
// sets Ref.AllowDefault; then the credentials.Provider logs the switch as a warning. Names
// compare exactly (case and white space count) on every database, whatever its collation:
// each fetch reads the table's few rows in one statement and matches them in Go.
//
// # Encryption
//
// The appliance's encrypted format is standard base64 of a 12-byte nonce followed by the
// AES-256-GCM sealed value, under a 32-byte key given as base64 (KeyFromEnv reads
// MIGRATEKIT_CRED_ENCRYPTION_KEY). Cipher reads and writes it.
//
// ossea_configs.api_key and secret_key are encrypted or plaintext value by value: the
// appliance's configuration handler encrypts them when it has the key, its other save paths
// do not, and one database holds both. A value that opens under the key (GCM authenticates
// it) is encrypted. A value that does not open but has the encrypted form - strict, padded
// standard base64 decoding to at least a nonce and a tag (28 bytes) - is ErrDecrypt naming
// the row and the fix: cause ErrKeyMissing without a key, ErrCiphertextAuth with the wrong
// one. Anything else is plaintext and used as stored. The rule cannot mistake a key
// CloudStack issued: CloudStack makes API and secret keys with
// Base64.encodeBase64URLSafeString of a 64-byte HmacSHA1 key (AccountManagerImpl), which is
// 86 characters of A-Z a-z 0-9 - _ without padding, never padded standard base64 (86 is not
// a multiple of 4). Only a key of another origin that is itself padded standard base64 of 28
// bytes or more would be taken for ciphertext; saving it again with the key stores it
// encrypted.
//
// vmware_credentials.password_encrypted is read the same way, except that unencrypted
// passwords are refused by default (ErrDecrypt, cause ErrPlaintext, each form with its own
// message and fix): a value starting with TEMP_, which the appliance reads by dropping its
// first 15 characters (TEMP_PLAINTEXT_<password>, seeded by a migration), and a bare
// password, what the appliance stores when it runs without a key - any value that neither
// opens nor has the encrypted form. AcceptPlaintextPasswords reads them, logging a warning
// (also in Meta.Warnings) on every use; Writer.ReencryptPlaintext encrypts them in place.
//
// # Versions and origins
//
// Version is derived from every stored value of the set (decrypted secrets included), the
// row's id and its name, so it changes whenever the stored set changes and never otherwise;
// the bookkeeping columns last_used and usage_count play no part. Origin is
// {Source: "database", Account: <name>, Location: "ossea_configs id=3"}.
//
// # Writing
//
// Writer writes only what the appliance itself would write: it saves, rotates, activates,
// deletes (by clearing is_active, as the GUI does) CloudStack configurations, encrypting
// their keys when it has the key, as the configuration handler does; creates, updates,
// rotates, activates, deactivates and deletes vCenter sets and sets the default one; links
// existing replication contexts to sets (it never inserts a vm_replication_contexts row:
// the appliance creates those); and re-encrypts plaintext passwords. Each call is one
// transaction and never changes a table's definition. Migrate creates the three tables, as
// the appliance's deployed schema has them, on a database without them (the embedded
// default) and leaves existing tables alone.
//
// # Errors
//
// Every error is a *credentials.Error naming the table, the row (id and name), the column at
// fault and the fix: the OMA GUI setting or the Writer call. Categories: ErrNotFound (no
// active/default row, no such account, a deleted configuration, an inactive vCenter set, a
// missing table or replication context), ErrAmbiguous (several active CloudStack rows under
// StrictDefault, several default vCenter sets, a VM name with several differently linked
// contexts, two link columns that disagree), ErrIncomplete and ErrInvalid (empty, padded or
// malformed values; NULL reads as empty; a table without a link column), ErrDecrypt
// (plaintext passwords, no key, wrong key - causes ErrPlaintext, ErrKeyMissing,
// ErrCiphertextAuth; Cipher.Decrypt also reports ErrCiphertextShort and
// ErrCiphertextEncoding), ErrUnavailable (the database failed or ctx ended; errors.Is also
// matches context.Canceled). Key problems are ErrNotFound/ErrInvalid with causes
// ErrKeyMissing and ErrKeyInvalid. No error or log line contains a secret or a stored
// ciphertext.
//
// # Concurrency
//
// Source and Writer are safe for concurrent use. Every fetch is one SELECT, so it sees one
// consistent version of a row; writers change sets in transactions. A Source caches nothing:
// a change is visible on the next fetch.
//
// # Usage bookkeeping
//
// WithUsageTracking updates last_used and usage_count after vCenter fetches from one
// background goroutine with a bounded queue that drops updates when full. A fetch never
// waits for it or fails because of it. Close stops the goroutine.
package database
