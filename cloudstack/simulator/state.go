package simulator

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
)

// Zone is an availability zone.
type Zone struct {
	ID, Name    string
	NetworkType string // "Advanced" unless seeded otherwise
	// ManagedStorage makes the zone's primary storage managed (a storage plug-in such as
	// SolidFire owns the volumes): CloudStack then refuses to detach or attach ROOT volumes.
	ManagedStorage bool
}

// Template is a VM template registered in one zone.
type Template struct {
	ID, Name string
	ZoneID   string
	// OSType is the guest OS type's name, as listTemplates' ostypename gives it
	// (OSTypeLinux, OSTypeWindows, or any CloudStack guest OS name); empty means OSTypeLinux.
	OSType     string
	Hypervisor string
	SizeBytes  int64 // size of the ROOT volume deployed from it
	// UEFI is the template's "UEFI" detail: empty, or the boot mode (cloudstack.BootLegacy,
	// cloudstack.BootSecure) of the VMs deployed from it without a boottype, which
	// UserVmManagerImpl copies from the template's details.
	UEFI cloudstack.BootMode
}

// Network is a guest network in one zone.
type Network struct {
	ID, Name string
	ZoneID   string
	CIDR     string
}

// VM is a virtual machine as the simulator keeps it. An expunged VM stays in State with
// state Expunging and Removed set, as CloudStack keeps its row; it is never listed.
type VM struct {
	ID, Name, DisplayName string
	Account               string
	State                 cloudstack.VMState
	ZoneID                string
	TemplateID            string
	ServiceOfferingID     string
	NICs                  []NIC
	CPUs                  int
	CPUSpeedMHz           int
	MemoryMB              int
	Details               map[string]string // deployment details (cpuNumber, memory, UEFI, ...)
	// BootType and BootMode are the firmware the VM boots with: BIOS (LEGACY), or UEFI in
	// LEGACY or SECURE mode, which CloudStack keeps as the VM's "UEFI" detail.
	BootType cloudstack.BootType
	BootMode cloudstack.BootMode
	Created  time.Time
	// Removed is when the VM was expunged; zero while it exists.
	Removed time.Time
}

// Expunged reports whether the VM was expunged (removed).
func (v VM) Expunged() bool { return !v.Removed.IsZero() }

// NIC is a VM's network interface. MACAddress is in NetUtils.standardizeMacAddress's form
// (lower case, colons); DeviceID is its position on the VM, 0 for the default NIC.
type NIC struct {
	ID, NetworkID, IPAddress, MACAddress string
	Default                              bool
	DeviceID                             int
}

// NetworkIDs returns the ids of the networks the VM's NICs are on, default first.
func (v VM) NetworkIDs() []string {
	out := make([]string, 0, len(v.NICs))
	for _, n := range v.NICs {
		out = append(out, n.NetworkID)
	}
	return out
}

// Volume is a disk volume. VMID is empty and DeviceID is -1 when it is not attached. A
// deleted volume stays in State as cloudstack.VolumeExpunged.
type Volume struct {
	ID, Name       string
	Account        string
	Type           cloudstack.VolumeType
	State          cloudstack.VolumeState
	ZoneID         string
	SizeBytes      int64
	DiskOfferingID string
	TemplateID     string
	// Hypervisor is the hypervisor whose disk format the volume has (KVM volumes are QCOW2);
	// empty until the volume first meets a VM. Whether a snapshot of it can be reverted
	// depends on it.
	Hypervisor string
	VMID       string
	DeviceID   int
	Created    time.Time
	// RevertedFrom is the id of the snapshot last reverted onto this volume.
	RevertedFrom string
}

// Attached reports whether the volume is attached to a VM.
func (v Volume) Attached() bool { return v.VMID != "" }

// Snapshot is a volume snapshot. A deleted snapshot stays in State as
// cloudstack.SnapshotDestroyed.
type Snapshot struct {
	ID, Name   string
	Account    string
	VolumeID   string
	VolumeType cloudstack.VolumeType
	ZoneID     string
	State      cloudstack.SnapshotState
	// Hypervisor is the volume's when the snapshot was taken; only KVM snapshots revert.
	Hypervisor string
	SizeBytes  int64
	Created    time.Time
	// Reverts counts successful revertSnapshot calls that used this snapshot.
	Reverts int
}

// Job is an async job and its outcome.
type Job struct {
	ID, Command, Account string
	// Status is 0 (pending), 1 (succeeded) or 2 (failed), as queryAsyncJobResult reports it.
	Status       int
	ErrorCode    int
	ErrorText    string
	InstanceType string
	InstanceID   string
}

// Account is an API account. Its secret key is never part of State.
type Account struct {
	Name    string
	APIKey  string // current key; empty when revoked
	Revoked bool
	// Rotations counts RotateKeys calls.
	Rotations int
}

// State is a deep copy of everything the simulator holds, sorted by creation order. Use it
// for assertions; changing it does not change the simulator.
type State struct {
	Accounts         []Account
	Zones            []Zone
	ServiceOfferings []cloudstack.ServiceOffering
	DiskOfferings    []cloudstack.DiskOffering
	Templates        []Template
	Networks         []Network
	VMs              []VM
	Volumes          []Volume
	Snapshots        []Snapshot
	Jobs             []Job
}

// VM returns the VM with the given id.
func (st State) VM(id string) (VM, bool) {
	for _, v := range st.VMs {
		if v.ID == id {
			return v, true
		}
	}
	return VM{}, false
}

// Volume returns the volume with the given id.
func (st State) Volume(id string) (Volume, bool) {
	for _, v := range st.Volumes {
		if v.ID == id {
			return v, true
		}
	}
	return Volume{}, false
}

// Snapshot returns the snapshot with the given id.
func (st State) Snapshot(id string) (Snapshot, bool) {
	for _, v := range st.Snapshots {
		if v.ID == id {
			return v, true
		}
	}
	return Snapshot{}, false
}

// VolumesOf returns the volumes attached to a VM, in device id order.
func (st State) VolumesOf(vmID string) []Volume {
	var out []Volume
	for _, v := range st.Volumes {
		if v.VMID == vmID {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DeviceID < out[j].DeviceID })
	return out
}

// SnapshotsOf returns the snapshots (in any state) of a volume, oldest first.
func (st State) SnapshotsOf(volumeID string) []Snapshot {
	var out []Snapshot
	for _, s := range st.Snapshots {
		if s.VolumeID == volumeID {
			out = append(out, s)
		}
	}
	return out
}

// State returns a deep copy of the simulator's state.
func (s *Simulator) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	var st State
	for _, a := range sortedByKey(s.accounts, func(a *account) string { return a.id }) {
		st.Accounts = append(st.Accounts, Account{Name: a.name, APIKey: a.apiKey, Revoked: a.revoked, Rotations: a.rotations})
	}
	for _, z := range sortedValues(s.zones) {
		st.Zones = append(st.Zones, *z)
	}
	for _, o := range sortedValues(s.serviceOfferings) {
		st.ServiceOfferings = append(st.ServiceOfferings, *o)
	}
	for _, o := range sortedValues(s.diskOfferings) {
		st.DiskOfferings = append(st.DiskOfferings, *o)
	}
	for _, t := range sortedValues(s.templates) {
		st.Templates = append(st.Templates, *t)
	}
	for _, n := range sortedValues(s.networks) {
		st.Networks = append(st.Networks, *n)
	}
	for _, v := range s.vmOrder {
		st.VMs = append(st.VMs, v.clone())
	}
	for _, v := range s.volumeOrder {
		st.Volumes = append(st.Volumes, *v)
	}
	for _, sn := range s.snapshotOrder {
		st.Snapshots = append(st.Snapshots, *sn)
	}
	for _, j := range s.jobOrder {
		st.Jobs = append(st.Jobs, j.public())
	}
	return st
}

func (v *VM) clone() VM {
	c := *v
	c.NICs = slices.Clone(v.NICs)
	c.Details = maps.Clone(v.Details)
	return c
}

// sortedValues returns map values ordered by key; ids are counter-based, so key order is
// creation order.
func sortedValues[T any](m map[string]*T) []*T {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]*T, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

func sortedByKey[T any](m map[string]*T, key func(*T) string) []*T {
	out := slices.Collect(maps.Values(m))
	sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}
