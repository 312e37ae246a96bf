// Package simulator is an in-process CloudStack API server for tests and demos: it speaks
// the CloudStack HTTP API as github.com/apache/cloudstack-go/v2 (v2.19.0) uses it, keeps a
// small state model that enforces CloudStack's rules, and records every call, so code that
// drives CloudStack can be tested without Java, Docker or a cloud.
//
// # Starting it
//
//	sim := simulator.New()
//	defer sim.Close()
//	seed, err := sim.Seed(simulator.Scenario{
//		Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 3},
//	})
//	cs := cloudstack.NewAsyncClient(sim.URL(), seed.APIKey, seed.SecretKey, false)
//
// New listens on 127.0.0.1 only. URL returns the API endpoint (ending in /client/api).
// Simulator also implements http.Handler for mounting on a caller's own server.
//
// # Authentication
//
// Requests are authenticated as CloudStack's ApiServer does: the apikey parameter selects an
// account, and the signature parameter must be the base64 HMAC-SHA1, keyed with the
// account's secret key, of all other parameters sorted by name, each value encoded as
// Java's URLEncoder does (space as %20, "*" kept), joined with "&" and lower-cased (see Sign).
// GET query strings and POST forms are both accepted. With signatureversion=3 the expires
// parameter must be present and not before the current time (WithClock sets the clock).
// Any failure - unknown, rotated or revoked key, wrong signature, expired request - is HTTP
// 401 with errortext "unable to verify user credentials and/or request signature" in
// CloudStack's error envelope, which cloudstack-go reports as
// "CloudStack API error 401 (CSExceptionErrorCode: 0): unable to verify ...".
//
// One quirk is kept because the real server has it: Go's url.QueryEscape keeps "~" while
// Java's URLEncoder encodes it, so a cloudstack-go request with "~" in a value fails
// signature verification here as it does against CloudStack.
//
// AddAccount creates an account with random keys; RotateKeys replaces them (the old pair
// stops working at once); RevokeKeys removes them. Every account sees every resource, as a
// root administrator does, and may call every command unless SetAllowedCommands limits it
// the way a CloudStack role does (other commands then answer 432, as on CloudStack).
//
// # Responses
//
// Responses use CloudStack's envelopes: {"<command lower-cased>response": {...}}, or
// {"errorresponse": {...}} for an error about a missing or unknown command. Lists carry
// "count" (the total before paging) and the page's items under the key cloudstack-go expects
// ("virtualmachine", "volume", "snapshot", "zone", "serviceoffering", "diskoffering",
// "template", "network", "api"); as ApiResponseSerializer writes them, an empty list is {}
// and a page past the end is {"count": N} with no items key. Paging follows BaseListCmd:
// page and pagesize come together (431 `"page" parameter is required when "pagesize" is
// specified`, and the converse), pagesize -1 alone lists everything, and a page holds at
// most 500 items (default.page.size). Async commands answer {"jobid": ...} (plus "id" for
// creates); queryAsyncJobResult answers jobstatus 0 (pending), 1 (with jobresult holding the
// object, e.g. {"virtualmachine": {...}}) or 2 (jobresult {"uuidList": [], "errorcode": N,
// "errortext": "..."}, jobresultcode N), which cloudstack-go's async client reports as
// `Undefined error: {"uuidList":[],"errorcode":N,"errortext":"..."}`.
//
// listApis answers as the Api Discovery plugin does: every command the account may call
// (all of Commands, or those SetAllowedCommands allows), each with its description, isasync
// and the parameters the simulator reads - name, type, length, required, description as
// CloudStack's own listApis gives them, required as the *Cmd classes declare it. The
// "response" field list is left out. Required parameters are enforced from the same table,
// as ParamProcessWorker enforces the annotations, so what listApis says is what the
// simulator does.
//
// By default a job completes before its submission returns, so the first poll sees the
// result and no poll waits. WithJobDuration (or SetJobDuration at run time) makes the jobs
// of a command take time - a JobDuration of Base plus PerGB for each GiB of the volume, for
// createSnapshot and revertSnapshot - measured on the simulator's clock (WithClock), so a
// test with a manual clock decides when a job ends without sleeping. A running job answers
// jobstatus 0; its VM shows Starting or Stopping and its snapshot Creating meanwhile; the
// first request (or State, or Calls) after its time sees it done. Jobs hold no lock while
// they run, so jobs of different volumes run side by side. WithPendingPolls(n) instead keeps
// every job pending for n polls. WithLatency (or SetLatency at run time) holds every HTTP
// call for a duration; a held call ends early, changing nothing and logged as Canceled,
// when the client's request context is done or the simulator closes. InFlight reports how
// many calls are being served. A benchmark of a slow cloud combines them, e.g. every call
// 50 ms and a snapshot 200 ms + 50 ms per GB:
//
//	simulator.New(simulator.WithLatency(50*time.Millisecond),
//		simulator.WithJobDuration("createSnapshot", simulator.JobDuration{Base: 200 * time.Millisecond, PerGB: 50 * time.Millisecond}))
//
// # Errors
//
// Errors carry CloudStack's codes as both HTTP status and errorcode: 401 authentication,
// 431 missing or invalid parameter, unknown id and most rule violations, 432 unknown
// command, 530 internal and state errors. cserrorcode names the Java exception behind the
// answer, as ApiServer reports it: 9999 (ServerApiException) for parameter processing - a
// missing parameter, an id naming nothing, a number that does not parse - and for paging
// and 432; 4350 (InvalidParameterValueException) for a 431 from a rule; 4250
// (CloudRuntimeException) for 530; none for 401. A failed job's result carries no
// cserrorcode (ApiAsyncJobDispatcher sets none). Booleans are read as Boolean.valueOf
// reads them: anything but "true" is false, never an error.
//
// As on the real server, parameter processing fails the HTTP call for every command, async
// ones included, and so do the checks of deployVirtualMachine, createVolume and
// createSnapshot, which CloudStack runs before it creates the job; rule violations of the
// other async commands fail their job. An id that never existed is a 431 error, also in
// list filters; an id of an expunged VM, deleted volume or deleted snapshot gives an empty
// list, and as a command's subject a 431 of the call (detachVolume's job fails instead, as
// on CloudStack: "Unable to find volume with ID: ...").
//
// The Go methods return errors matching ErrUnknownAccount (RotateKeys, RevokeKeys,
// SetAllowedCommands), ErrInvalidScenario (Seed and the Add methods) and ErrInvalidOption
// (SetJobDuration) with errors.Is; the message names the fix. An Option New cannot apply
// (a WithJobDuration for a command that starts no job, say) makes every call fail with
// HTTP 530 and that message, so the mistake shows at the first request.
// Nothing panics on bad input.
//
// # Commands and rules
//
// Commands returns the supported commands; AsyncCommands the ones answering with a job id.
// Any other command, and any command SetAllowedCommands withholds from the account, is
// answered with HTTP 432 and TextUnknownCommand. (For a role-denied command that is what
// CloudStack answers; for a command name it does not know at all, recent CloudStack
// releases answer 401 instead, rejecting it before the signature check. The simulator keeps
// 432 so that "not implemented here" is told apart from a credentials problem.)
//
// Every list command filters name by equality, ignoring case, as CloudStack's SQL equality
// does under MySQL's default collation; none matches a substring of the name (keyword
// does that).
//
//   - listZones, listServiceOfferings, listDiskOfferings, listTemplates (templatefilter
//     required), listNetworks: filters id, name, keyword, zoneid where CloudStack has them;
//     page and pagesize.
//   - deployVirtualMachine: zoneid, templateid, serviceofferingid and every networkids
//     entry must exist; the template and networks must be in the zone; without networkids
//     or iptonetworklist the zone must have exactly one network; a customized offering
//     needs details cpuNumber and memory (cpuSpeed optional); the name must be a valid host
//     name, unique in the zone among VMs not yet expunged (a destroyed VM keeps its name);
//     creates a ROOT volume at device 0 (rootdisksize may enlarge it) and, with
//     diskofferingid, a DATADISK at device 1; startvm defaults to true. With startvm=false
//     the VM is Stopped and its volumes stay Allocated - no storage yet, so no snapshot -
//     until its first start gives them storage. All of these fail the HTTP call.
//   - deployVirtualMachine's boot settings, checked first (BaseDeployVMCmd.getDetails):
//     boottype is BIOS or UEFI and bootmode LEGACY or SECURE, in any case (431 "Invalid
//     bootType ..." / "Invalid bootmode: ..."); UEFI needs a bootmode (431); BIOS without
//     one is CloudStack's NullPointerException (530, cserrorcode 9999), so send BIOS with
//     LEGACY; a bootmode without boottype is not read at all. A template's UEFI detail
//     (Template.UEFI) is the boot mode of VMs deployed from it without boottype, an explicit
//     BIOS drops it (UserVmManagerImpl.commitUserVm). A UEFI VM keeps its mode as its "UEFI"
//     detail, as CloudStack does.
//   - deployVirtualMachine's NICs, in order, the first the default: networkids gives one NIC
//     per entry, so a network may carry several (UserVmManagerImpl); iptonetworklist
//     (entries name[index].field, by index; a malformed key is unpackParams' 430) gives one
//     NIC per network with its mac - a network named twice keeps its first place and its
//     last entry (BaseDeployVMCmd.getIpToNetworkMap's LinkedHashMap) - and cannot come with
//     networkids, ipaddress or ip6address (431); an entry's networkid must name a network
//     (431 "Unable to translate and find entity with networkId: ..."; field names are
//     case-sensitive); macaddress is the default NIC's MAC, over the first entry's mac.
//     Every requested MAC must be valid and unicast as NetUtils.isValidMac and isUnicastMac
//     say (431 "Mac address is not valid: ..." / "... is not unicast: ...") and is kept in
//     NetUtils.standardizeMacAddress's form; like GuestNetworkGuru, the simulator does not
//     check it against the network's other NICs. NICs without one get a generated MAC.
//   - startVirtualMachine: Stopped to Running; a running VM fails the job with 431 "The
//     virtual machine <id> (<name>) is already running" (UserVmManagerImpl); a VM without a
//     volume at device 0 cannot start; a destroyed VM cannot start.
//   - stopVirtualMachine (forced accepted): Running to Stopped; a stopped VM is a no-op.
//   - rebootVirtualMachine: only a Running VM.
//   - destroyVirtualMachine: as UserVmManagerImpl.destroyVm, the VM is stopped, every data
//     volume is detached (and kept, unless listed in volumeids, which are deleted), and the
//     VM becomes Destroyed with its ROOT volume still attached; a VM already Destroyed is
//     returned unchanged, as a success; with expunge=true (or a
//     later expungeVirtualMachine, which needs a Destroyed VM) it becomes Expunging and is
//     removed (VM.Removed; CloudStack has no Expunged state), and its ROOT volume is deleted.
//   - listVirtualMachines: filters id, ids, name, state, zoneid, templateid,
//     serviceofferingid, networkid, keyword; destroyed VMs are listed (as for an
//     administrator), expunged ones are not. NICs come in device order with their network,
//     MAC and deviceid; boottype and bootmode are answered as UserVmJoinDaoImpl answers
//     them: "Uefi" and the lower-cased mode for a VM with a UEFI detail, "Bios" and
//     "legacy" for a VM with no details at all, and nothing for a BIOS VM with other
//     details (a customized offering's cpuNumber, say).
//   - listTemplates answers each template's ostypeid and ostypename (one id per OS type
//     name) and its UEFI detail under details.
//   - listVolumes: filters id, ids, virtualmachineid (then in device order), type, zoneid,
//     name, keyword; deleted volumes are not listed.
//   - listVirtualMachines and listVolumes check ids as CloudStack does: every item must name
//     an existing entity, and id and ids together are a 431.
//   - createVolume: a DATADISK from a disk offering in a zone (size for customized ones, 1
//     to 1024 GB), as VolumeApiServiceImpl.allocVolume checks: neither is a required
//     parameter, so their absence is a 431 rule error; it is Allocated, and cannot be
//     snapshotted, until it is attached to a VM that has storage or that VM first starts.
//   - attachVolume (checks in the job, as VolumeApiServiceImpl.attachVolumeToVM): the
//     volume must not be attached, the VM must be Running or Stopped and in the volume's
//     zone; deviceid 0 makes the volume the VM's ROOT and is allowed only as a ROOT detach
//     is (below) and when the VM has no volume at device 0; otherwise the VM may hold at
//     most 26 data volumes
//     (WithMaxDataVolumes; 431), and a given device id must be 1, 2 or 4-27 (3 is the
//     CD-ROM slot; the top is the limit plus one) and free (530); without deviceid the
//     lowest free id is used.
//   - detachVolume (as VolumeApiServiceImpl.detachVolumeFromVM): by id, or by
//     virtualmachineid and deviceid (not both); only parameter processing fails the call,
//     the rest fails the job: the argument check (431 "Please provide either a volume id,
//     or a tuple(device id, instance id)"), a device holding no volume (530 "Index 0 out
//     of bounds for length 0", the exception CloudStack's lookup throws), a volume not
//     attached (431). A ROOT volume detaches only on XenServer, VMware, KVM and Simulator
//     (431 "Root volume detach is not supported for hypervisor type ..."), only from a
//     Stopped VM (CloudStack's message says "Stopped or Destroyed" but its check admits
//     only Stopped), and never from managed storage (Scenario.ManagedStorage; an Allocated
//     volume has no storage and is exempt). A detached ROOT volume becomes a DATADISK, as
//     VolumeDao.detachVolume does.
//   - deleteVolume: an attached volume cannot be deleted, nor one with a snapshot being
//     created (431, SnapshotManagerImpl.canOperateOnVolume); an Allocated one is simply
//     removed.
//   - createSnapshot (VolumeApiServiceImpl.allocSnapshot and SnapshotManagerImpl
//     .allocSnapshot, before the job, so refusals fail the call): the volume must exist and
//     be Ready (431). Of a volume attached to a KVM VM that is not Stopped or Destroyed -
//     a running VM - CloudStack refuses the snapshot with 530 "KVM Snapshot is not
//     supported for Running VMs. ..." while its global setting kvm.snapshot.enabled is
//     false, its shipped default and the simulator's; WithRunningVMSnapshots(true) is the
//     setting turned on. A volume of a Destroyed VM is refused (530), and on KVM and VMware
//     a VM has one snapshot being created at a time (431 "There is other active snapshot
//     tasks on the instance ..."). Detached volumes are always snapshotted, several at
//     once. The default name is <VM host name or "detached">_<volume name>_<yyyyMMddHHmmss
//     GMT>. In the job the VM must not be in a transitional state.
//   - listSnapshots: filters id, volumeid, name, keyword.
//   - revertSnapshot (as SnapshotManagerImpl): the volume must be Ready (431) and detached
//     or attached to a Stopped VM (431); the snapshot must be backed up (530); only KVM
//     snapshots revert (530 "Revert snapshot command failed for snapshot with id ...,
//     because this command is supported only for KVM hypervisor": DefaultSnapshotStrategy
//     handles QCOW2 volumes only), and listSnapshots reports revertable accordingly
//     (SnapshotObject.isRevertable). The volume's RevertedFrom records it.
//   - deleteSnapshot: not while the snapshot is being created (530).
//   - queryAsyncJobResult; listApis (name optional).
//
// # Types
//
// The simulator speaks in the client's types where they mean the same thing: states and
// kinds are cloudstack.VMState, cloudstack.VolumeType, cloudstack.VolumeState and
// cloudstack.SnapshotState, offerings are cloudstack.ServiceOffering and
// cloudstack.DiskOffering, and every answer is encoded from the same wire structs the
// client decodes. VM, Volume and Snapshot are the simulator's own records: they hold what
// the server keeps (owner, device ids, deployment details, revert history), not the client's
// view of it.
//
// # Seeding and inspection
//
// Seed builds a scenario - account, zone, a Linux template (OSTypeLinux; a Windows one,
// OSTypeWindows, too with Scenario.WindowsTemplate), network, fixed and customized
// offerings, an appliance VM with replicated volumes at known device ids - and returns the
// ids and keys. AddZone, AddTemplate (any OS type, with or without a UEFI detail),
// AddNetwork, AddServiceOffering, AddDiskOffering and AddDataVolume add single resources. State returns a deep copy of everything, including
// expunged VMs, deleted volumes and snapshots and all jobs, with lookup helpers (VM,
// Volume, VolumesOf, ...). Ids are UUID-shaped and come from one counter, so the same
// sequence of calls yields the same ids.
//
// Calls (or CallsTo for one command) returns the call log: every request with its command,
// method, API key, account, parameters (never the signature; the secret never reaches the
// server), HTTP status, CloudStack error code and text, job id and job status. A test uses
// it to prove which credentials an operation used.
//
// # Fault injection
//
// FailNth(command, n, fault) fails the n-th call of a command, counting from the call to
// FailNth; FailWhen(pred, fault) fails every call pred selects. A Fault has an error code
// (default 530) and text; with Async set, an async command is accepted and its job fails
// (jobstatus 2), otherwise the HTTP call fails. A faulted command changes nothing. Faults
// apply after authentication, so 401s do not count; ClearFaults removes all rules. Ids,
// counters and outcomes depend only on the order of calls, so a sequential test is
// deterministic. Note that cloudstack-go retries a failed queryAsyncJobResult up to three
// times, 500 ms apart.
//
// # Options
//
// WithLatency, WithJobDuration and WithPendingPolls model a slow cloud, WithVMWorkQueue
// makes the jobs on one VM take their time one after another, WithClock fixes the
// time used for expiry checks, timestamps and job durations, WithRunningVMSnapshots(true) models kvm.snapshot.enabled
// turned on (the default is CloudStack's: off), WithMaxDataVolumes sets the hypervisor's
// data volume limit, and WithLogger receives one debug record per call (account, command,
// outcome; never a key or signature).
//
// # Not modelled
//
// Responses are always JSON (response=xml is ignored). There are no projects, domains
// other than ROOT, resource limits, capacity, hosts or clusters; a zone's primary storage
// is one pool, managed or not (Scenario.ManagedStorage). Login sessions and cookies are not
// used; every account sees every resource. Volume contents are not modelled: a revert is
// recorded in Volume.RevertedFrom and Snapshot.Reverts.
//
// Beyond that, where the simulator is simpler than CloudStack:
//
//   - CloudStack queues the work on one VM (its VM work job queue); by default the
//     simulator has no queue, so two jobs on one VM both start. WithVMWorkQueue queues
//     the time of attach, detach, start, stop, reboot and destroy jobs per VM, one after
//     another in submission order; either way a job's checks run when it is submitted.
//     Transitional VM states and the one-snapshot-per-VM rule catch the common
//     conflicts.
//   - A volume stays Ready while a snapshot of it is taken or reverted (CloudStack shows
//     Snapshotting or RevertSnapshotting); snapshots are always backed up to secondary
//     storage; VM snapshots, snapshots on managed storage (StorageSystemSnapshotStrategy)
//     and volumes created from snapshots are not modelled.
//   - attachVolume does not check that the volume's hypervisor matches the VM's.
//   - deployVirtualMachine requires templateid, as DeployVMCmd declares it; deploying from
//     a volume or snapshot (CloudStack 4.21) is not modelled.
//   - Requested IP addresses (ipaddress, ip6address, iptonetworklist[i].ip and .ipv6) are
//     refused with 431 and a text that says so, rather than honoured: the simulator hands
//     out addresses itself. Their exclusion of iptonetworklist is modelled.
//   - Hosts are not modelled, so neither is placement: CloudStack starts a UEFI VM only on
//     a host reporting UEFI support (Host.Uefi.Enable: on KVM the agent's uefi.properties
//     names OVMF firmware that is installed, as on a default EL or Ubuntu KVM host) and
//     fails the start with 533 otherwise; the simulator starts every UEFI VM, as a default
//     KVM cloud does. VMware deploy-as-is templates, which refuse boottype and bootmode
//     (431), are not modelled either.
//   - Messages name resources by UUID and host name where CloudStack prints internal
//     numeric ids and instance names (i-2-34-VM); the texts are otherwise CloudStack's.
//   - An id that is not UUID-shaped is a 431 error; CloudStack ignores such a value for
//     parameters added since 3.0 and fails later, in the command.
//   - listApis lists only the parameters the simulator reads, and leaves out each
//     command's response fields and related commands.
//
// # Concurrency
//
// A Simulator is safe for concurrent use by any number of clients and test goroutines;
// each request runs under one lock, so requests are serialised and each sees a consistent
// state. The latency of WithLatency is waited out before the lock is taken, and a job that
// takes time (WithJobDuration) is only a deadline, checked under the lock by later
// requests, so neither a slow call nor a long job holds up the others. FailWhen predicates
// run outside that lock.
package simulator
