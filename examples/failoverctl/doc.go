// Command failoverctl is a command line front end to failoverkit's engine, for people and
// for scripts: test failover, live failover, rollback and resume of a VMware VM replicated
// into CloudStack, job status, and a credential check.
//
//	failoverctl plan     [source] [request]   dry run: preflight and the exact calls, nothing changed
//	failoverctl test     [source] [request]   test failover (source VM left running)
//	failoverctl live     [source] [request]   live failover (source VM powered off first)
//	failoverctl rollback [source] JOB         undo a job; --power-on-source after a live failover
//	failoverctl rollback [source] --expired   undo every test failover whose --duration ran out
//	failoverctl commit   [source] JOB         accept a live failover: its rollback snapshots go
//	failoverctl resume   [source] JOB         carry on with a job that stopped midway
//	failoverctl status   [JOB]                one job in detail, or the list (reads --store only)
//	failoverctl creds check [source]          log in with each credential set ("test connectivity")
//	failoverctl lab serve                     keep simulators up for other invocations
//
// The request flags shape the new VM after its source: --map-network "vCenter network=id"
// (repeatable) puts the NICs of each source network on a CloudStack network and --network
// takes the rest; --keep-macs keeps the source MAC addresses; --template-for windows=ID (or
// linux=, other=) picks the template by the guest's OS family, and a template that
// contradicts the guest is refused unless --allow-template-mismatch. A test failover with
// --duration 4h expires after that and "rollback --expired", run from a timer, undoes it.
//
// # Credential source
//
// One of:
//
//	--db DSN      the appliance's database: an SQLite file, mysql://user:pass@tcp(host:3306)/oma
//	              or postgres://...; the key that decrypts vCenter passwords comes from
//	              --key-file FILE or MIGRATEKIT_CRED_ENCRYPTION_KEY
//	--env         CLOUDSTACK_API_URL, CLOUDSTACK_API_KEY, ..., VSPHERE_SERVER, ... (named
//	              accounts by suffix, e.g. CLOUDSTACK_API_KEY_PROD; see credentials/env)
//	--vault ADDR  Vault KV v2 with --vault-mount, --vault-prefix or --vault-path-template, and one
//	              login: --vault-token-file, --vault-token-env, or AppRole (--vault-role-id[-file]
//	              with --vault-secret-id-file or --vault-secret-id-env). No flag takes a token or
//	              secret id as its value, since command lines show in process listings.
//
// Every command fetches its credentials afresh; a set rotated in the source is used by the
// next command. --db, --key-file, --store and --poll-interval may also be given as
// FAILOVERCTL_DB, FAILOVERCTL_KEY_FILE, FAILOVERCTL_STORE and FAILOVERCTL_POLL_INTERVAL; an
// explicit --env or --vault wins over FAILOVERCTL_DB. Two source flags on one command line are
// a usage error, and so are --key-file, --cloudstack-insecure and --vcenter-insecure without
// --db.
//
// # Request
//
// --cloudstack-account and --vcenter-account pick the sets by name (or id:N); without them the
// active CloudStack config and the default vCenter set are used. A named set that is missing
// is an error unless --allow-default. The source VM is named by exactly one of --vm-path,
// --vm-uuid, --vm-bios-uuid, --vm-name; the replicated volumes by --volume ID (repeatable, in
// attach order; the first boots unless --boot ID). --name, --zone, --template, --network,
// --service-offering and --disk-offering override the set's defaults; live takes
// --graceful-timeout and --hard.
//
// --context ID, with --db the appliance's own database, builds the request from its tables
// instead (appliance.RequestFor): the VM of replication context ID, its replicated volumes in
// disk order, the vCenter set linked to it, its CloudStack configuration and its test or
// live network mappings; the placement and power-off flags still apply, the VM, volume and
// account flags are a usage error with it. Commands that run jobs against such a database
// keep the appliance's tables in step with them (appliance.Journal): the VM's status, the
// GUI's summary and job list, the volumes' rows.
//
// # Simulator mode
//
// With no source flag, failoverctl starts vCenter (vcsim) and CloudStack simulators in its own
// process, writes their credential sets to a temporary SQLite database in the appliance's
// format - CloudStack keys in ossea_configs, the vCenter password encrypted in
// vmware_credentials under a generated key - and reads them through the real database source.
// Without --vm-* and --volume flags it fails over the simulators' first source VM:
//
//	failoverctl test --then-rollback    # a whole cycle, nothing to set up
//	failoverctl live --then-rollback    # the same, powering the source VM off and on again
//	failoverctl creds check             # the simulators' sets, logged in to
//
// The simulators live only as long as the process, so rollback and resume refuse simulator
// mode (exit 2), and a job left by "failoverctl test" cannot be rolled back later. For several
// commands against one set of simulators, run
//
//	failoverctl lab serve [--dir DIR]
//
// in one terminal. It keeps the simulators up until interrupted and prints the settings for
// other terminals (FAILOVERCTL_DB, FAILOVERCTL_KEY_FILE, FAILOVERCTL_STORE) and the test
// commands for its source VMs; with --json it prints them as one line
// {"type":"lab_ready","lab":{...}}. Credential sets changed in that database (with the
// database package's Writer, or sqlite3) are used by the next command. Typed on its standard
// input, "rotate" gives the simulators new CloudStack keys and a new vCenter password without
// touching the database - creds check and operations then fail, exit 3, with the remedy - and
// "store" writes the new ones to the database, after which the next command works: a key
// rotation taking effect with nothing restarted.
//
// # Job store
//
// Jobs are kept in --store: an SQLite file (default $XDG_STATE_HOME/failoverctl/jobs.db, else
// ~/.local/state/failoverctl/jobs.db), or a mysql:// or postgres:// DSN shared by several
// hosts. Rollback, resume and status read jobs from it, so give them the same --store as the
// command that made the job. Simulator mode uses a temporary store unless --store is given.
//
// # Output
//
// On a terminal a progress bar shows the step under way, step i of n and the time elapsed,
// with a line per finished step; otherwise (or with --no-progress) one plain line per step
// start and end, with timings. --json writes one JSON object per line on stdout: each engine
// event ({"type":"step_finished","job_id":...,"step":...,"index":3,"total":8,
// "duration_ms":...}) and, last, {"type":"result","command":...,"ok":...,"exit_code":...,
// "error":...,"remedy":...,"job"|"jobs"|"plan"|"checks":...}. Logs go to stderr (JSON with
// --json), warnings only unless --verbose. No output ever holds a secret: credential sets
// show as origin, version and fingerprint.
//
// # Exit codes
//
//	0  success
//	1  the operation failed (the job's error says where; a failed flow is undone at once)
//	2  usage error: unknown command or flag, conflicting flags, missing VM or volumes
//	3  credentials problem: a set missing, incomplete, undecryptable or rejected; the remedy
//	   is printed on stderr after "fix:"
//	4  the VM is busy with another operation (another process holds its lease)
//	5  cleanup incomplete: a rollback or compensation had failures; run rollback again
//	6  job not found in --store, or its state does not allow the operation
//	7  the job store (--store) failed: it could not be opened, or a job could not be recorded
//	   and the operation stopped; bring the store back, then run the command the remedy names
//
// Every error is printed on stderr as "failoverctl: <error>" followed by "fix: <remedy>".
//
// # Libraries
//
// Flags and subcommands: github.com/spf13/cobra with github.com/spf13/pflag (GNU-style flags
// anywhere on the line, repeatable flags, generated help). Progress bar:
// github.com/schollz/progressbar/v3. Terminal detection: golang.org/x/term.
package main
