// Package database is a credentials.Source over the OMA appliance's own tables, read through
// gorm: ossea_configs for CloudStack, vmware_credentials for vCenter, and
// vm_replication_contexts for the per-VM link to a vCenter set. An existing appliance
// database works untouched: no migration, no extra columns.
//
//	key, err := database.KeyFromEnv() // MIGRATEKIT_CRED_ENCRYPTION_KEY
//	...
//	src, err := database.New(db, database.WithKey(key))
//	cs, err := src.CloudStack(ctx, credentials.Ref{})          // the active config
//	vc, err := src.VSphere(ctx, credentials.Account("lab-vc")) // a named set
//	vm, err := src.VSphereForVM(ctx, "ctx-pgtest1-20250101")   // the set a VM is linked to
//
// The embedded default is SQLite through github.com/glebarez/sqlite (pure Go); open it with
// WAL and a busy timeout, e.g.
// "file:creds.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate",
// and create the tables with Migrate. Production runs on MariaDB (gorm.io/driver/mysql) or
// PostgreSQL (gorm.io/driver/postgres).
//
// # Lookup
//
// CloudStack: the zero Ref selects the one ossea_configs row with is_active set. A named
// account is the row whose name is Ref.Name and/or whose id is Ref.ID, whether active or not:
// the appliance keeps exactly one configuration active (activating one deactivates the
// others), so is_active marks the default, and naming an account is how an operation picks
// another one.
//
// vCenter: the zero Ref selects the one vmware_credentials row with is_default and is_active
// set. A named account is the row whose credential_name is Ref.Name and/or whose id is
// Ref.ID, and it must be active: an inactive set is ErrNotFound with a remedy saying to
// activate it, because vmware_credentials.is_active is the appliance's switch for "this set
// may be used". For Ref.AllowDefault an inactive set counts as missing.
//
// Per VM: VSphereForVM reads vm_replication_contexts.vmware_credential_id by context_id (or
// vm_name); a NULL link means the default set, a dangling or inactive link is an error.
//
// A named account that does not exist is ErrNotFound, never the default, unless the caller
// sets Ref.AllowDefault; then the switch is logged as a warning (credentials.FallBack). Names
// compare exactly (case and white space count) on every database, whatever its collation:
// each fetch reads the table's few rows in one statement and matches them in Go.
//
// # Encryption
//
// vmware_credentials.password_encrypted is standard base64 of a 12-byte nonce followed by
// the AES-256-GCM sealed password, under a 32-byte key given as base64 (KeyFromEnv reads
// MIGRATEKIT_CRED_ENCRYPTION_KEY). Cipher reads and writes that format. Rows holding
// TEMP_PLAINTEXT_<password> are refused (ErrDecrypt, with the row and the re-encrypt fix)
// unless AcceptPlaintextPasswords is given, and then every use logs a warning;
// Writer.ReencryptPlaintext fixes them. ossea_configs.api_key and secret_key are plaintext in
// the appliance's original schema and are read and written as such; for appliance releases
// that encrypt them too, WithEncryptedCloudStackKeys decrypts (and the Writer encrypts) them
// in the same format.
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
// Writer creates, updates, rotates, activates, deactivates and deletes sets, sets the default
// vCenter set, links VMs to sets and re-encrypts plaintext rows; each call is one
// transaction. Migrate creates the three tables on an empty database and leaves existing
// tables alone.
//
// # Errors
//
// Every error is a *credentials.Error naming the table, the row (id and name), the column at
// fault and the fix: the OMA GUI setting or the Writer call. Categories: ErrNotFound (no
// active/default row, no such account, inactive vCenter set, missing table), ErrAmbiguous
// (several active CloudStack rows, several default vCenter sets, a VM name with several
// differently linked contexts), ErrIncomplete and ErrInvalid (empty, padded or malformed
// values; NULL reads as empty), ErrDecrypt (plaintext rows, no key, wrong key, garbled
// values - causes ErrCiphertextAuth, ErrCiphertextShort, ErrCiphertextEncoding,
// ErrKeyMissing), ErrUnavailable (the database failed or ctx ended; errors.Is also matches
// context.Canceled). Key problems are ErrNotFound/ErrInvalid with causes ErrKeyMissing and
// ErrKeyInvalid. No error or log line contains a secret or a stored ciphertext.
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
