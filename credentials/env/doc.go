// Package env is a credentials.Source over environment variables, and over files that
// *_FILE variables name, for containers whose secrets are mounted as files.
//
// The source keeps nothing between calls: every CloudStack and VSphere call reads the
// variables, and the files, again. A change - os.Setenv by the embedding program, a lookup
// function (WithLookup) over an env file a supervisor rewrites, a rotated mounted secret -
// is seen on the next call, without a restart.
//
//	src := env.New()
//	cs, err := src.CloudStack(ctx, credentials.Account("prod-eu"))
//
// # Variables
//
// The default account (the zero credentials.Ref) uses the plain names, the ones CloudStack
// and vSphere tools already read:
//
//	CloudStack field      variable                          required
//	api_url               CLOUDSTACK_API_URL                yes
//	api_key               CLOUDSTACK_API_KEY                yes
//	secret_key            CLOUDSTACK_SECRET_KEY             yes
//	domain                CLOUDSTACK_DOMAIN
//	zone                  CLOUDSTACK_ZONE
//	appliance_vm_id       CLOUDSTACK_APPLIANCE_VM_ID
//	template_id           CLOUDSTACK_TEMPLATE_ID
//	network_id            CLOUDSTACK_NETWORK_ID
//	service_offering_id   CLOUDSTACK_SERVICE_OFFERING_ID
//	disk_offering_id      CLOUDSTACK_DISK_OFFERING_ID
//	insecure_skip_verify  CLOUDSTACK_ALLOW_UNVERIFIED_SSL   boolean, default false
//
//	vSphere field         variable                          required
//	host                  VSPHERE_SERVER                    yes
//	username              VSPHERE_USER                      yes
//	password              VSPHERE_PASSWORD                  yes
//	datacenter            VSPHERE_DATACENTER
//	insecure_skip_verify  VSPHERE_ALLOW_UNVERIFIED_SSL      boolean, default false
//
// The booleans accept true/false, 1/0 and yes/no in any case; anything else (padding
// included) is ErrInvalid, because a TLS switch must not be guessed. An unset variable, or
// one set to the empty string, is missing: `export CLOUDSTACK_ZONE=` clears the zone.
//
// # Named accounts
//
// A named account's variables carry the account as a suffix: the plain name, "_", and the
// account name upper-cased with every character other than an ASCII letter or digit
// replaced by "_" (AccountSuffix). Names are therefore case-insensitive here, and "prod-eu",
// "prod.eu" and "PROD_EU" select the same variables:
//
//	account     variables
//	(default)   CLOUDSTACK_API_KEY          VSPHERE_PASSWORD
//	prod        CLOUDSTACK_API_KEY_PROD     VSPHERE_PASSWORD_PROD
//	prod-eu     CLOUDSTACK_API_KEY_PROD_EU  VSPHERE_PASSWORD_PROD_EU
//	7           CLOUDSTACK_API_KEY_7        VSPHERE_PASSWORD_7
//
// Account names that would be confused with other variables are ErrInvalid: names with no
// ASCII letter or digit, names that begin or end with another character or hold two in a
// row, and names that map to FILE or end in _FILE (CLOUDSTACK_API_KEY_FILE is the default
// account's file variant). Ref.ID is read as a name, since the environment has no numeric
// ids: credentials.AccountID(7) selects the variables ending in _7. When a Ref has both,
// Name is used.
//
// An account, the default one included, exists when at least one of its variables (or
// their file variants) is set. One that does not exist is ErrNotFound, never the default set; a caller who sets
// Ref.AllowDefault gets the default set instead, and the credentials.Provider logs the
// switch as a warning.
//
// # Files
//
// Every variable has a file variant, its name followed by _FILE (CLOUDSTACK_SECRET_KEY_FILE,
// VSPHERE_PASSWORD_PROD_FILE), holding the path of a file whose content is the value - the
// convention of Docker and Kubernetes secrets. The file is read on every call, so replacing
// its content rotates the value. Trailing line breaks (\n and \r, as in \r\n) are trimmed;
// any other white space around the value is ErrInvalid, as it is in a variable. Files are
// limited to 64 KiB. A file read is not interrupted by ctx (the check comes before each
// read), so point *_FILE variables at regular files, not at pipes.
//
// # Lookup order
//
// For each call:
//
//  1. A done ctx ends the call with ctx.Err().
//  2. The Ref selects the suffix: none for the zero Ref, else from Ref.Name or Ref.ID.
//  3. Each variable of the set and its _FILE variant are looked up, in the table's order.
//     If none of them is set (non-empty), the set does not exist: ErrNotFound. If a
//     variable and its _FILE variant are both set: ErrAmbiguous.
//  4. Each file named by a _FILE variable is read, its trailing newlines trimmed.
//  5. The booleans are parsed, then the set is checked (credentials.CloudStack.Check,
//     credentials.VSphere.Check): required values present, no padding, a valid URL or host.
//  6. The set is stamped: Origin{Source: "env", Account, Location: the variables that were
//     set, as names, never values}, a content version (it changes when any value changes),
//     the fingerprint of the secret, and the time from the clock.
//
// # Errors
//
// Errors are *credentials.Error values; every remedy names the exact variable to export or
// the file to fix:
//
//   - ErrNotFound: no variable of the account is set; the remedy lists the required
//     variables with the account's suffix.
//   - ErrIncomplete: a required variable is unset, empty or only white space, or its file
//     is.
//   - ErrInvalid: a value is padded, the URL or host is malformed, a boolean is not one, the
//     account name cannot be mapped, or a file is over 64 KiB.
//   - ErrAmbiguous: a variable and its _FILE variant are both set; both are named.
//   - ErrPermission: a file exists but may not be read; the variable and the path are named.
//   - ErrUnavailable: a file is missing or cannot be read for another reason.
//
// No error, log record or Origin holds a value read from a variable or file.
//
// # Concurrency
//
// A Source holds only its options and is safe for concurrent use. The process environment
// changes one variable at a time, so a call that runs while a supervisor rewrites several
// variables may see some old values and some new ones; each value is whole, and the content
// version matches what was returned. Give WithLookup a snapshot of the environment where a
// set must change at once.
package env
