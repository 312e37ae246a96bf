package failovertest

import "github.com/ossea-migrate/failoverkit/vsphere"

// SourceVM is one prepared source VM: where it is in vCenter, and where its replicated
// volumes are in CloudStack.
type SourceVM struct {
	// Name is the VM's name in vCenter, Path its inventory path.
	Name, Path string
	// CloudAccount is the CloudStack account (and the name CloudStackSet takes) whose
	// appliance VM holds the VM's replicated volumes.
	CloudAccount string
	// ApplianceVMID is the CloudStack id of that appliance VM.
	ApplianceVMID string
	// VolumeIDs are the replicated volumes, boot volume first.
	VolumeIDs []string
	// DeviceIDs are the volumes' device ids on the appliance VM, in VolumeIDs order.
	DeviceIDs []int
	// Guest is the shape Options.Guests gave the VM; zero when it kept vcsim's.
	Guest Guest
}

// Locator finds the VM in vCenter by its inventory path.
func (s SourceVM) Locator() vsphere.Locator { return vsphere.ByPath(s.Path) }
