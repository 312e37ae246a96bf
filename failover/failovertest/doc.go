// Package failovertest starts the two clouds a failover talks to - a vCenter (govmomi's
// vcsim) and a CloudStack (this module's cloudstack/simulator) - in the current process,
// seeded the way an appliance leaves them: source VMs in vCenter, and their replicated
// volumes in CloudStack attached to an appliance VM. Tests, benchmarks, demos and front ends
// built on the failover package run against it with no servers, network or credentials to
// set up, as net/http/httptest does for HTTP servers and govmomi's simulator does for
// vCenter.
//
// # Starting a lab
//
// Start returns a running Lab that the caller closes; Run starts one, hands it to a function
// and closes it when the function returns:
//
//	l, err := failovertest.Start(failovertest.Options{SourceVMs: 2})
//	if err != nil {
//		return err
//	}
//	defer l.Close()
//	vm := l.Sources[0] // its vCenter path, CloudStack account, appliance VM and volume ids
//
// Options choose how many source VMs to prepare and how many replicated volumes each has.
// The vCenter inventory is vcsim's VPX model, datacenter DC0; the source VMs are its VMs in
// name order (DC0_C0_RP0_VM0, DC0_C0_RP0_VM1, ...), powered on. Each CloudStack account
// ("cloud1", "cloud2", ...) has its own zone, offerings, a network named "network-1", a
// Linux template (the default) and a Windows template, and a running appliance VM that holds
// the replicated volumes of its source VMs at known device ids (at most 24 volumes per
// appliance, so that a hypervisor's data volume limit is never what a test runs into).
// Options.CloudStackOptions passes options through to the CloudStack simulator, for example
// to model a slow cloud or a KVM cloud that refuses snapshots of running VMs.
//
// # Shaping guests
//
// A source VM can be shaped the way real guests are (Options.Guests): a guest OS
// (WindowsGuestID, LinuxGuestID, any vSphere guest id), BIOS or EFI firmware with or without
// Secure Boot, and network adapters on the vCenter networks VMNetwork and DVPortGroup, in
// order, with known MAC addresses - a VM with three NICs on two port groups, say. The lab
// shapes each VM as an administrator would, with it powered off, and powers it on again.
// Options.CloudNetworks adds CloudStack networks to map the source networks to; Catalog
// returns an account's networks by name and its Linux and Windows templates.
//
// vcsim is more lenient than vCenter here, and the lab does not rely on it: vcsim changes
// firmware and guest OS of a running VM (vCenter needs it off), replaces a VM's boot options
// whole on reconfigure (vCenter merges the fields set), takes any manual MAC address (vCenter
// only 00:50:56:00:00:00-00:50:56:3f:ff:ff) and reports the guest id as the guest's full
// name. TestVcsimIsMoreLenientThanVCenter pins each.
//
// # Credentials
//
// The lab does not store credentials anywhere: it hands out credential sets -
// CloudStackSet per account, VSphereSet for the vCenter service account - and the caller
// puts them in the credential source under test (credentials.Memory, a database written
// with database.Writer, the environment, Vault). Every key and password is made up at run
// time and looks fake.
//
// RotateCloudStack gives an account new keys and RotateVCenterPassword gives the service
// account a new password; in both cases the old secret stops working at once, as after an
// operator's rotation, and the new set is returned for the caller to store (or not, to
// test what stale credentials do). ExpireVCenterSessions ends the service account's vCenter
// sessions, as vCenter does when it expires them, so that the next call on one fails with
// NotAuthenticated.
//
// # Faults
//
// Lab.Cloud is the CloudStack simulator itself: its FailNth and FailWhen fail CloudStack
// calls, ClearFaults removes those rules. FailVSphere fails the nth call of a vCenter
// method (for example "PowerOffVM_Task") with a SystemError fault; ClearVSphereFaults
// removes the faults not yet fired and VSphereFaultsFired counts those that fired.
//
// # Inspecting the clouds
//
// Lab.Cloud.State returns a copy of everything CloudStack holds (VMs, volumes and where
// they are attached, snapshots, jobs), and Lab.Cloud.Calls every CloudStack call with the
// API key it used. PowerState returns a source VM's power state as vCenter holds it, and
// VSphereCalls the vCenter methods the service account called, in order.
//
// # Concurrency
//
// A Lab is safe for concurrent use, and several labs may run at once in one process (each
// test its own): they share nothing but vcsim's model building, which is serialised.
package failovertest
