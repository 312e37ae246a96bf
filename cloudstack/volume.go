package cloudstack

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// VolumeType is ROOT or DATADISK.
type VolumeType string

// Volume types.
const (
	VolumeRoot VolumeType = "ROOT"
	VolumeData VolumeType = "DATADISK"
)

// VolumeState is a volume's state as CloudStack reports it (Volume.State in CloudStack).
type VolumeState string

// Volume states failover meets. A volume is Allocated while it has no storage yet: made by
// createVolume and never attached to a started VM, or created with a VM deployed with
// startvm=false that has not started; CloudStack cannot snapshot it then. A deleted volume
// is Expunged.
const (
	VolumeAllocated VolumeState = "Allocated"
	VolumeReady     VolumeState = "Ready"
	VolumeDestroy   VolumeState = "Destroy"
	VolumeExpunging VolumeState = "Expunging"
	VolumeExpunged  VolumeState = "Expunged"
)

// AnyDevice lets CloudStack choose the device id in AttachVolume.
const AnyDevice int64 = -1

// Volume is a CloudStack volume.
type Volume struct {
	ID   string
	Name string
	Type VolumeType
	// State is CloudStack's volume state (Ready, Allocated, ...).
	State VolumeState
	// VMID, VMName and VMState describe the VM the volume is attached to; VMID is "" for a
	// detached volume.
	VMID    string
	VMName  string
	VMState VMState
	// DeviceID is the volume's device on its VM (0 for the boot disk); meaningful only when
	// VMID is set.
	DeviceID       int64
	SizeBytes      int64
	ZoneID         string
	ZoneName       string
	DiskOfferingID string
	StorageID      string
	Storage        string
}

// Attached reports whether the volume is attached to a VM.
func (v *Volume) Attached() bool { return v.VMID != "" }

// volumeFromWire converts CloudStack's volume answer; a detached volume has no device id.
func volumeFromWire(w *wire.Volume) *Volume {
	v := &Volume{
		ID: w.ID, Name: w.Name, Type: VolumeType(w.Type), State: VolumeState(w.State),
		VMID: w.VirtualMachineID, VMName: w.VMName, VMState: VMState(w.VMState),
		SizeBytes: w.Size, ZoneID: w.ZoneID, ZoneName: w.ZoneName, DiskOfferingID: w.DiskOfferingID,
		StorageID: w.StorageID, Storage: w.Storage,
	}
	if w.DeviceID != nil {
		v.DeviceID = *w.DeviceID
	}
	return v
}

// ListVolumes returns the volumes attached to the VM, in device order (boot disk first).
func (c *Client) ListVolumes(ctx context.Context, vmID string) ([]Volume, error) {
	vols, err := listBy(ctx, c, "listVolumes", "VM id", "virtualmachineid", vmID,
		func(w *wire.Volume) string { return w.VirtualMachineID }, volumeFromWire)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(vols, func(i, j int) bool { return vols[i].DeviceID < vols[j].DeviceID })
	return vols, nil
}

// GetVolume returns the volume with the given id, or an error matching fkerrors.NotFound.
func (c *Client) GetVolume(ctx context.Context, id string) (*Volume, error) {
	vols, err := c.GetVolumes(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return &vols[0], nil
}

// GetVolumes returns the volumes with the given ids, in that order, from one listVolumes call
// (its ids parameter, CloudStack 4.9 and later); a volume that does not exist, or no longer
// does, gives an error matching fkerrors.NotFound.
func (c *Client) GetVolumes(ctx context.Context, ids []string) ([]Volume, error) {
	const command = "listVolumes"
	if len(ids) == 0 {
		return nil, nil
	}
	if slices.Contains(ids, "") {
		return nil, invalidArg(command, "empty volume id")
	}
	var l wire.List[wire.Volume]
	if err := c.request(ctx, command, "", newParams("ids", strings.Join(ids, ","), "listall", "true"), &l); err != nil {
		return nil, err
	}
	byID := make(map[string]*wire.Volume, len(l.Items))
	for i := range l.Items {
		byID[l.Items[i].ID] = &l.Items[i]
	}
	vols := make([]Volume, 0, len(ids))
	for _, id := range ids {
		w, ok := byID[id]
		if !ok {
			return nil, &APIError{Command: command, Text: "no volume with id " + id, Code: fkerrors.NotFound}
		}
		vols = append(vols, *volumeFromWire(w))
	}
	return vols, nil
}

// DetachVolume detaches the volume from its VM and returns it detached. Detaching the ROOT
// volume of a VM that is not stopped gives fkerrors.Conflict.
func (c *Client) DetachVolume(ctx context.Context, id string) (*Volume, error) {
	const command = "detachVolume"
	if id == "" {
		return nil, invalidArg(command, "empty volume id")
	}
	return c.volumeJob(ctx, command, newParams("id", id))
}

// AttachVolume attaches the volume to the VM at deviceID (0 makes it the boot disk, which
// needs a stopped VM without one; AnyDevice lets CloudStack choose) and returns it attached.
// An attached volume or a taken device id gives fkerrors.Conflict.
func (c *Client) AttachVolume(ctx context.Context, id, vmID string, deviceID int64) (*Volume, error) {
	const command = "attachVolume"
	switch {
	case id == "" || vmID == "":
		return nil, invalidArg(command, "empty volume or VM id")
	case deviceID < AnyDevice:
		return nil, invalidArg(command, "device id %d: use 0 or more, or AnyDevice", deviceID)
	}
	p := newParams("id", id, "virtualmachineid", vmID)
	if deviceID != AnyDevice {
		p.SetParam("deviceid", strconv.FormatInt(deviceID, 10))
	}
	return c.volumeJob(ctx, command, p)
}

// volumeJob runs a job that answers the volume, and returns the volume.
func (c *Client) volumeJob(ctx context.Context, command string, p *params) (*Volume, error) {
	var w wire.Volume
	if _, err := c.async(ctx, command, p, &w); err != nil {
		return nil, err
	}
	return volumeFromWire(&w), nil
}

// DeleteVolume deletes a detached volume; an attached one gives fkerrors.Conflict.
func (c *Client) DeleteVolume(ctx context.Context, id string) error {
	const command = "deleteVolume"
	if id == "" {
		return invalidArg(command, "empty volume id")
	}
	var r wire.Success
	if err := c.request(ctx, command, "", newParams("id", id), &r); err != nil {
		return err
	}
	return checkSuccess(command, r)
}

// checkSuccess fails a SuccessResponse that says false; one that does not say is taken as
// success, as the command itself raised no error.
func checkSuccess(command string, r wire.Success) error {
	if r.Success != nil && !*r.Success {
		return &APIError{Command: command, Text: "CloudStack answered success false: " + r.DisplayText, Code: fkerrors.Internal}
	}
	return nil
}

// Placement says at which device of a VM to attach a volume.
type Placement struct {
	VolumeID string
	DeviceID int64
}

// BootOrder places volumeIDs on a VM in order: the first as the boot disk at device 0, the
// rest at devices 1, 2, 4, 5, ... (CloudStack reserves device 3 for the CD-ROM).
func BootOrder(volumeIDs ...string) []Placement {
	plan := make([]Placement, len(volumeIDs))
	dev := int64(0)
	for i, id := range volumeIDs {
		plan[i] = Placement{VolumeID: id, DeviceID: dev}
		dev++
		if dev == 3 {
			dev++
		}
	}
	return plan
}
