// Package vsphere finds, describes and powers the source VMs of a failover in vCenter, through
// govmomi, with the credentials of the current operation and a pool of sessions that never
// leaks one.
//
// An operation (a live failover, a rollback) fetches its credentials.VSphere set once at its
// start, asks the long-lived Pool for a Client with it, and uses that Client for all its steps:
//
//	set, err := source.VSphere(ctx, credentials.Account(name))
//	client, err := pool.Client(ctx, set)
//	vm, err := client.FindVM(ctx, vsphere.ByInstanceUUID(id))
//	shape, err := client.Describe(ctx, vm)
//	res, err := client.PowerOff(ctx, vm, vsphere.PowerOffOptions{GracefulTimeout: 5 * time.Minute, AllowHard: true})
//
// The next operation fetches the set again; a changed set takes effect there, with no restart.
//
// # Sessions
//
// Logging in to vCenter is slow and vCenter caps the sessions a user may hold, so the Pool
// keeps one session per key: endpoint, user name, a keyed digest of the password (never the
// password itself) and the TLS verification setting. Operations whose credentials did not
// change share that session. A changed password or TLS setting is a new key: the first
// operation with it logs in, and the sessions of the same endpoint and user under older keys
// are logged out (at once when idle, else when their last operation returns).
//
// Sessions unused for the idle timeout (WithIdleTimeout, DefaultIdleTimeout) are logged out by
// a janitor goroutine that runs only while the pool holds sessions and stops on Close; a
// session found past its idle time on use is replaced there and then. Close logs out every
// session; Stats reports logins, logouts, re-logins, reuses and live sessions.
//
// When vCenter answers NotAuthenticated (it expired or terminated the session), the operation
// logs in again once, shared with any concurrent operation that saw the same, and retries;
// a second refusal is ErrSessionLost. A power-off interrupted this way resumes: a guest
// already asked to shut down is not asked again and keeps its deadline.
//
// # Finding VMs
//
// A Locator names a VM by inventory path (absolute, or relative to the datacenter's VM
// folder), instance UUID, BIOS UUID or name, within the set's datacenter (the only one when the
// set names none). Names are compared exactly, not as patterns. No match is fkerrors.NotFound;
// several (a duplicated name, clones sharing a BIOS UUID) is fkerrors.Ambiguous listing every
// inventory path. The VM returned holds a managed object reference that stays valid across
// sessions, and the instance UUID of its vCenter: operations refuse a VM found in another
// vCenter.
//
// # Shape
//
// Describe returns a Shape: CPUs, cores per socket, memory, guest OS id, firmware, power
// state, VMware Tools status, disks (size, controller and bus, unit, backing file, datastore,
// boot disk first) and NICs (network name, MAC, adapter type) - what the CloudStack side needs
// to build a matching VM.
//
// # Power
//
// PowerOff asks the guest to shut down when VMware Tools run and waits up to
// PowerOffOptions.GracefulTimeout, then powers off hard if AllowHard is set. A VM already off
// is success (PathAlreadyOff). Without AllowHard, a VM still running is ErrPowerOffNotAllowed
// (caused by fkerrors.Timeout when the limit ran out) and is left running. PowerOn is idempotent the
// same way (PathAlreadyOn). Both return a PowerResult with the path taken, the states before
// and after, why the guest shutdown was not used (Fallback) and the time taken.
//
// # Errors
//
// Every error matches one category of the module's error model with errors.Is
// (fkerrors.NotFound, Invalid, Ambiguous, Permission, Unavailable, Timeout, Conflict,
// Internal, Closed, Canceled) and ends with its remedy. A rejected login is
// fkerrors.Unauthenticated, a *credentials.Error with Source "vsphere" whose remedy names the
// set's origin and version; a set that fails its own checks, an untrusted vCenter certificate
// and an unknown datacenter are *credentials.Error too. Everything else is an *Error with the
// operation, host, VM, cause and remedy; two conditions match alongside their category:
// ErrPowerOffNotAllowed (Conflict; the cause is fkerrors.Timeout when the guest ran out of
// time) and ErrSessionLost (Unavailable). No error or log line holds a password.
//
// # Contexts
//
// Every call honours its context: a done context fails the call before any request, and a
// deadline abandons a slow vCenter answer. Waits for guest shutdowns and tasks poll (with
// backoff up to WithPollInterval) instead of using govmomi's property waits, which report a
// cancelled wait as success. Logouts the pool makes on its own behalf run even when the
// operation's context is done, bounded by WithLogoutTimeout, so that cancelling never leaks a
// session.
//
// # Concurrency
//
// Pool and Client are safe for concurrent use. Concurrent operations with the same
// credentials share one session and log in at most once.
//
// # Logging
//
// Logs go to the slog.Logger given with WithLogger. Each login with a set that turns TLS
// verification off is logged as a warning naming the set's origin, version and fingerprint.
//
// # Testing
//
// The tests run against govmomi's in-process simulator (vcsim), which is made to demand
// generated credentials and to change them at run time.
package vsphere
