// Package cloudstack runs the CloudStack side of a failover - VMs, volumes and volume
// snapshots - over github.com/apache/cloudstack-go/v2, with one credential set per operation.
//
// # Credentials
//
// An operation fetches its credentials.CloudStack set once at its start and builds a Client
// from it with New; every call the operation makes uses that set, and the next operation
// builds a new Client from a freshly fetched set. A Client never fetches, caches or falls back
// on other keys, so a key rotated in the store is used from the next operation on, with no
// restart.
//
// Building a Client is cheap: the HTTP connection pools live in a Transport that all Clients
// share (the package-level one, or one passed with WithTransport), while the keys stay in the
// Client. Sets that skip TLS verification (InsecureSkipVerify) get a separate pool, so a
// connection opened without verification is never reused for a set that verifies; each
// Client built from such a set logs a warning naming the set's origin and version.
//
// Client.Credentials returns the set's credentials.Meta (origin, version, fingerprint) for
// logs and job records. No key, secret or signed URL appears in an error, a log line or %v.
//
// # Errors
//
// cloudstack-go reports CloudStack's errors as text; this package parses them once, in one
// place. Every error a request returns matches one category with errors.Is and holds an
// *APIError (errors.As) with the command, the async job id, CloudStack's error code, its
// CSExceptionErrorCode and its text:
//
//	CloudStack answer                       category
//	401                                     fkerrors.Unauthenticated (*credentials.Error)
//	432 (command unknown or not allowed)    fkerrors.Unauthenticated (*credentials.Error)
//	431, 430, 530 "does not exist", ...     fkerrors.NotFound
//	431, 530 naming a state or a rule       fkerrors.Conflict (volume attached, device taken, VM running)
//	431, 430 other parameter errors         fkerrors.Invalid (also bad arguments caught before calling)
//	531                                     fkerrors.Permission (the resource is another account's)
//	532, 533, 535                           fkerrors.Capacity
//	536, 537                                fkerrors.Conflict
//	429, 534, HTTP 5xx, network, timeouts   fkerrors.Unavailable
//	530 other                               fkerrors.Internal
//	HTTP 404, an HTML page, a redirect      fkerrors.Invalid, field api_url (wrong URL)
//	untrusted TLS certificate               fkerrors.Invalid, field api_url
//	async job status 2                      ErrJobFailed plus the category of the job's code
//	the caller's ctx ended                  context.Canceled or context.DeadlineExceeded
//
// New itself returns a *credentials.Error (fkerrors.Incomplete or fkerrors.Invalid) for a set
// it cannot use.
//
// 401 means CloudStack did not accept the key and signature: the keys were rotated or
// revoked, belong to another cloud, or the clock is far off. CloudStack answers 432 both for
// a command that does not exist and for one the account's role may not call; every command
// this package sends exists in the CloudStack versions it supports, so 432 means the set
// belongs to an account without the right role. Both are credential problems fixed in the
// stored set, so both are *credentials.Error values (Source "cloudstack") whose remedy names
// the set's origin and version (Meta.Describe), never a key. 531 is not: the account is
// authenticated and may run the command, but not on that resource.
//
// # NICs, MAC addresses and firmware
//
// DeployVM gives the new VM the NICs of DeploySpec.NICs in order, the first the default, and
// encodes them in the form CloudStack honours: networkids when no NIC but the first asks
// for a MAC (a network may repeat: UserVmManagerImpl gives each entry a NIC of its own; the
// first NIC's MAC goes in macaddress, which BaseDeployVMCmd applies to the default NIC), and
// iptonetworklist[i].networkid/.mac otherwise. iptonetworklist is read into a map keyed by
// network (BaseDeployVMCmd.getIpToNetworkMap), so two NICs on one network would collapse into
// one: DeployVM refuses such a spec with fkerrors.Invalid and says how to express it. MACs are
// checked as CloudStack's NetUtils checks them (six hex pairs, one separator, unicast) and
// sent, and read back, lower case and colon-separated.
//
// BootType and BootMode become boottype and bootmode: UEFI needs a mode (LEGACY, or SECURE
// for Secure Boot), BIOS goes out with LEGACY (CloudStack fails on BIOS without a mode),
// and a mode without a type is refused, since CloudStack would ignore it. Leaving both
// empty keeps the template's boot setting. VM.BootType and VM.BootMode read the VM's UEFI
// detail, because CloudStack's own boottype field is absent for most BIOS VMs.
//
// Template.Family classifies a template's OS type name (OSFamilyOf) into OSWindows, OSLinux
// or OSOther, the values of vsphere.GuestFamily, so that a failover can refuse a Windows
// guest on a Linux template.
//
// # Context and async jobs
//
// Every method takes a context and honours it for its whole run, including while waiting for
// an async job: cloudstack-go's requests take no context and its job waiting sleeps without
// one, so each request is bound to the caller's context in the transport, and jobs are polled
// here (immediately, then with a doubling delay, see WithPollInterval). A cancelled wait does
// not cancel the job in CloudStack; DeployVM and CreateSnapshot return the id CloudStack
// announced so that the caller can clean up.
//
// The defaults suit jobs that take minutes, as snapshots of large volumes do: polls come at
// once, then after 1 s, doubling up to every 10 s (WithPollInterval); a job is waited for
// as long as the caller's context allows (WithJobTimeout sets a bound, whose last poll
// falls on the deadline); each request, polls included, has 60 s (WithRequestTimeout). A
// poll that fails with fkerrors.Unavailable or fkerrors.Internal - the management server restarting, a
// proxy's 502, a request timing out - does not end the wait, since the job goes on in
// CloudStack: polling goes on at its pace, each failure logged as a warning, and the wait
// gives up, with an fkerrors.Unavailable saying the job may still complete, only when polls have
// failed without a break for 5 minutes (WithPollFailureWindow). Rejected keys or a job id
// CloudStack does not know end the wait at once.
//
// Commands are sent as signed POST forms through cloudstack-go's CustomService and decoded
// into this package's types, which share their JSON shapes with the simulator.
//
// # Concurrency
//
// A Client is safe for concurrent use; so is a Transport. CloudStack itself serialises
// conflicting operations on one VM; callers should not attach or detach volumes of one VM
// from several goroutines.
package cloudstack
