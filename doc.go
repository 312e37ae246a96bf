// Package failoverkit orchestrates failover of VMware virtual machines into an Apache
// CloudStack cloud: test failover, live failover, and rollback.
//
// Its defining property is that credentials are fetched fresh from a pluggable
// credentials.Source for every operation. No credential outlives one operation, nothing
// falls back silently to another credential set, a missing or bad credential fails with a
// message that says how to fix it, and a credential change takes effect on the next operation
// without a restart.
//
// Where to start:
//
//   - credentials: the Source interface, credential types, typed errors; sources over the
//     appliance database (credentials/database), the environment (credentials/env) and
//     HashiCorp Vault (credentials/vault).
//   - cloudstack: typed VM, volume and snapshot operations, and cloudstack/simulator, an
//     in-process CloudStack API server for tests and demos.
//   - vsphere: finding, describing and powering source VMs through govmomi.
//   - failover: the Engine that runs the flows and records what it did; failover/appliance
//     keeps the appliance's own tables in step with its jobs and builds requests from them.
//   - examples: runnable programs; they default to the in-process simulators.
package failoverkit
