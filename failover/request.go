package failover

import (
	"time"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Request says what to fail over and where.
type Request struct {
	// VCenter selects the vCenter credential set; zero means the default set.
	VCenter credentials.Ref `json:"vcenter"`
	// VMContext, instead of VCenter, selects the vCenter set linked to this replicated VM
	// (its replication context id or VM name) by a source that implements
	// credentials.VMLinker, as the database source does.
	VMContext string `json:"vm_context,omitempty"`
	// VM finds the source VM in vCenter: by inventory path, instance UUID, BIOS UUID or
	// name (vsphere.ByPath, ...).
	VM vsphere.Locator `json:"vm"`
	// CloudStack selects the CloudStack credential set; zero means the active config.
	CloudStack credentials.Ref `json:"cloudstack"`
	// Volumes are the replicated volumes, attached to the appliance VM, in the order they are
	// to be attached to the new VM. Exactly one has Boot set (or, when none has, the first
	// boots).
	Volumes []Volume `json:"volumes"`
	// Name overrides the new VM's name; by default it is derived from the source VM's name
	// and the job.
	Name string `json:"name,omitempty"`
	// Zone, TemplateID, ServiceOfferingID and DiskOfferingID override the defaults stored
	// with the CloudStack credential set.
	Zone              string `json:"zone,omitempty"`
	TemplateID        string `json:"template_id,omitempty"`
	ServiceOfferingID string `json:"service_offering_id,omitempty"`
	DiskOfferingID    string `json:"disk_offering_id,omitempty"`
	// Networks maps the source VM's networks to CloudStack networks: every NIC of the source
	// VM gets a NIC, in the source's order, on the network its source network maps to.
	Networks NetworkMapping `json:"networks,omitzero"`
	// NetworkID is the CloudStack network for the source networks Networks does not map. Empty
	// means none: preflight refuses a NIC whose network is not mapped - except on a VM with a
	// single NIC and no mapping at all, which goes on the credential set's default network.
	NetworkID string `json:"network_id,omitempty"`
	// KeepMACs gives the new VM's NICs the MAC addresses of the source NICs (a live failover
	// usually wants them: licences and DHCP reservations follow the MAC).
	KeepMACs bool `json:"keep_macs,omitempty"`
	// Templates chooses the template by the source's guest OS family when TemplateID is
	// empty; a family it does not name gets the credential set's default template.
	Templates map[vsphere.GuestFamily]string `json:"templates,omitempty"`
	// AllowTemplateMismatch deploys on a template whose OS type contradicts the source's
	// guest (a Windows guest on a Linux template), which preflight otherwise refuses.
	AllowTemplateMismatch bool `json:"allow_template_mismatch,omitempty"`
	// PowerOff says how a live failover powers off the source VM.
	PowerOff PowerOffPolicy `json:"power_off"`
	// TestDuration, for a test failover, is how long the test VM may live: the job records
	// when it expires (Job.ExpiresAt, counted from its success) and Engine.RollbackExpired
	// rolls it back after that. Zero keeps it until it is rolled back.
	TestDuration time.Duration `json:"test_duration,omitempty"`
}

// NetworkMapping maps source networks, by the name vCenter reports for them
// (vsphere.NIC.Network), to CloudStack network ids: one mapping for test failovers, usually
// onto isolated test networks, and one for live failovers.
type NetworkMapping struct {
	Test map[string]string `json:"test,omitempty"`
	Live map[string]string `json:"live,omitempty"`
}

// For returns the mapping a flow of kind uses.
func (m NetworkMapping) For(kind Kind) map[string]string {
	if kind == KindLiveFailover {
		return m.Live
	}
	return m.Test
}

// Volume is one replicated volume.
type Volume struct {
	// ID is the CloudStack volume id.
	ID string `json:"id"`
	// Boot marks the volume the new VM boots from (attached as device 0).
	Boot bool `json:"boot,omitempty"`
}

// PowerOffPolicy says how the source VM is powered off in a live failover.
type PowerOffPolicy struct {
	// GracefulTimeout bounds the guest shutdown; zero means the engine's default.
	GracefulTimeout time.Duration `json:"graceful_timeout,omitempty"`
	// AllowHard allows a hard power-off when the guest does not shut down in time.
	AllowHard bool `json:"allow_hard,omitempty"`
}
