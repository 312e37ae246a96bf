package cloudstack

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	cs "github.com/apache/cloudstack-go/v2/cloudstack"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// VMState is a virtual machine's state as CloudStack reports it.
type VMState string

// VM states.
const (
	VMStopped   VMState = "Stopped"
	VMStarting  VMState = "Starting"
	VMRunning   VMState = "Running"
	VMStopping  VMState = "Stopping"
	VMDestroyed VMState = "Destroyed"
	VMExpunging VMState = "Expunging"
	VMError     VMState = "Error"
)

// VM is a CloudStack virtual machine.
type VM struct {
	ID          string
	Name        string
	DisplayName string
	State       VMState
	ZoneID      string
	ZoneName    string
	TemplateID  string
	// ServiceOfferingID and ServiceOfferingName name the compute offering.
	ServiceOfferingID   string
	ServiceOfferingName string
	CPUs                int
	CPUSpeedMHz         int
	MemoryMB            int
	Hypervisor          string
	// NICs in device order; the default NIC has IsDefault set.
	NICs []NIC
	// BootType and BootMode are the VM's firmware: BIOS (always LEGACY), or UEFI in LEGACY or
	// SECURE (Secure Boot) mode.
	BootType BootType
	BootMode BootMode
	// Created is when CloudStack created the VM (zero if it did not say).
	Created time.Time
}

// NetworkIDs returns the networks of the VM's NICs in order.
func (vm *VM) NetworkIDs() []string {
	ids := make([]string, len(vm.NICs))
	for i, n := range vm.NICs {
		ids[i] = n.NetworkID
	}
	return ids
}

// vmFromWire converts CloudStack's VM answer.
func vmFromWire(w *wire.VM) *VM {
	vm := &VM{
		ID: w.ID, Name: w.Name, DisplayName: w.DisplayName, State: VMState(w.State),
		ZoneID: w.ZoneID, ZoneName: w.ZoneName, TemplateID: w.TemplateID,
		ServiceOfferingID: w.ServiceOfferingID, ServiceOfferingName: w.ServiceOfferingName,
		CPUs: w.CPUNumber, CPUSpeedMHz: w.CPUSpeed, MemoryMB: w.Memory, Hypervisor: w.Hypervisor,
		Created: parseTime(w.Created),
	}
	vm.BootType, vm.BootMode = bootFromWire(w.BootType, w.BootMode, w.Details)
	if len(w.NIC) > 0 {
		vm.NICs = make([]NIC, len(w.NIC))
		numbered := true
		for i, n := range w.NIC {
			dev, err := strconv.Atoi(n.DeviceID)
			if err != nil {
				dev, numbered = -1, false
			}
			vm.NICs[i] = NIC{ID: n.ID, NetworkID: n.NetworkID, NetworkName: n.NetworkName, IPAddress: n.IPAddress,
				MACAddress: strings.ToLower(n.MACAddress), IsDefault: n.IsDefault, DeviceID: dev}
		}
		// Releases differ in the order they list NICs in; the device id is the guest's order.
		if numbered {
			sort.SliceStable(vm.NICs, func(i, j int) bool { return vm.NICs[i].DeviceID < vm.NICs[j].DeviceID })
		}
	}
	return vm
}

// parseTime reads CloudStack's timestamps ("2026-11-25T23:30:52+0000"); zero if unreadable.
func parseTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// DeploySpec describes a VM to deploy, usually shaped like the source VM. Empty fields fall
// back on the Client's Defaults where one exists.
type DeploySpec struct {
	// Name is the VM's host name: letters, digits and hyphens, at most 63 characters, not
	// starting with a digit or hyphen. Empty lets CloudStack choose one.
	Name string
	// DisplayName is shown in the CloudStack UI; empty means Name.
	DisplayName string
	// Zone is the zone name or id; empty means Defaults().Zone.
	Zone string
	// TemplateID is the template the ROOT volume is created from; empty means
	// Defaults().TemplateID.
	TemplateID string
	// ServiceOfferingID is the compute offering; empty means Defaults().ServiceOfferingID.
	ServiceOfferingID string
	// NICs are the VM's NICs in the guest's order, the default NIC first; empty means one
	// NIC on Defaults().NetworkID. CloudStack takes MAC addresses for any NIC as long as each
	// NIC is on a network of its own; when several share a network only the first NIC's MAC
	// can be given (see NICSpec), and DeployVM refuses the rest with fkerrors.Invalid.
	NICs []NICSpec
	// BootType is the firmware, BootBIOS or BootUEFI; empty leaves it to the template
	// (UEFI when the template has a UEFI detail, else BIOS). BootMode is BootSecure (UEFI
	// Secure Boot) or BootLegacy; CloudStack requires it with UEFI, and BIOS takes LEGACY
	// only, which is the default there.
	BootType BootType
	BootMode BootMode
	// DiskOfferingID adds a data disk of that offering. Empty adds none (the default disk
	// offering is not applied, because failover attaches the replicated volumes instead).
	DiskOfferingID string
	// CPUs, CPUSpeedMHz and MemoryMB size the VM when the service offering is custom
	// (CloudStack rejects them for a fixed offering). Zero leaves them to the offering.
	CPUs        int
	CPUSpeedMHz int
	MemoryMB    int
	// Start starts the VM after deploying it; false leaves it Stopped (so that volumes can be
	// swapped before first boot).
	Start bool
}

// DeployVM deploys a VM as spec describes and returns it when the job ends. If CloudStack
// announced the VM's id before the call failed (the job failed, or ctx ended while waiting),
// the returned VM is non-nil and holds that id, so that the caller can destroy it.
func (c *Client) DeployVM(ctx context.Context, spec DeploySpec) (*VM, error) {
	const command = "deployVirtualMachine"
	v, err := c.DeployParams(spec)
	if err != nil {
		return nil, err
	}
	zoneID, err := c.zoneID(ctx, v.Get("zoneid"))
	if err != nil {
		return nil, err
	}
	v.Set("zoneid", zoneID)
	p := &params{}
	for k := range v {
		p.SetParam(k, v.Get(k))
	}
	var w wire.VM
	id, err := c.async(ctx, command, p, &w)
	if err != nil {
		if id != "" {
			return &VM{ID: id, Name: spec.Name}, err
		}
		return nil, err
	}
	return vmFromWire(&w), nil
}

// DeployParams checks spec as DeployVM does and returns the parameters of the
// deployVirtualMachine call DeployVM would make for it, with the Client's Defaults filled in
// and the zone as given (DeployVM looks a zone name up and sends its id). It makes no call:
// a caller can refuse, before changing anything, a spec CloudStack cannot express, and show
// the call it will make. A refused spec is an *APIError matching fkerrors.Invalid.
func (c *Client) DeployParams(spec DeploySpec) (url.Values, error) {
	const command = "deployVirtualMachine"
	d := c.defaults
	zone := firstOf(spec.Zone, d.Zone)
	template := firstOf(spec.TemplateID, d.TemplateID)
	offering := firstOf(spec.ServiceOfferingID, d.ServiceOfferingID)
	nics := spec.NICs
	if len(nics) == 0 && d.NetworkID != "" {
		nics = []NICSpec{{NetworkID: d.NetworkID}}
	}
	switch {
	case zone == "":
		return nil, invalidArg(command, "no zone: set DeploySpec.Zone or the zone of %s", c.meta.Describe())
	case template == "":
		return nil, invalidArg(command, "no template: set DeploySpec.TemplateID or template_id of %s", c.meta.Describe())
	case offering == "":
		return nil, invalidArg(command, "no service offering: set DeploySpec.ServiceOfferingID or service_offering_id of %s", c.meta.Describe())
	case spec.CPUs < 0 || spec.MemoryMB < 0 || spec.CPUSpeedMHz < 0:
		return nil, invalidArg(command, "negative CPUs, CPU speed or memory in DeploySpec")
	}
	if err := checkHostName(spec.Name); err != nil {
		return nil, invalidArg(command, "DeploySpec.Name %q %s", spec.Name, err.Error())
	}
	v := values{}
	v.SetParam("zoneid", zone)
	v.SetParam("templateid", template)
	v.SetParam("serviceofferingid", offering)
	v.SetParam("name", spec.Name)
	v.SetParam("displayname", firstOf(spec.DisplayName, spec.Name))
	v.SetParam("diskofferingid", spec.DiskOfferingID)
	v.SetParam("startvm", strconv.FormatBool(spec.Start))
	if len(nics) > 0 {
		if err := nicParams(command, nics, v); err != nil {
			return nil, err
		}
	}
	if err := bootParams(command, spec.BootType, spec.BootMode, v); err != nil {
		return nil, err
	}
	// cloudstack-go's encoding of details: one index per key, keys sorted.
	details := make([][2]string, 0, 3)
	if spec.CPUs > 0 {
		details = append(details, [2]string{"cpuNumber", strconv.Itoa(spec.CPUs)})
	}
	if spec.CPUSpeedMHz > 0 {
		details = append(details, [2]string{"cpuSpeed", strconv.Itoa(spec.CPUSpeedMHz)})
	}
	if spec.MemoryMB > 0 {
		details = append(details, [2]string{"memory", strconv.Itoa(spec.MemoryMB)})
	}
	sort.Slice(details, func(i, j int) bool { return details[i][0] < details[j][0] })
	for i, kv := range details {
		v.SetParam("details["+strconv.Itoa(i)+"]."+kv[0], kv[1])
	}
	return url.Values(v), nil
}

// StartVM starts a stopped VM and returns it running.
func (c *Client) StartVM(ctx context.Context, id string) (*VM, error) {
	return c.vmJob(ctx, "startVirtualMachine", newParams("id", id), id)
}

// StopVM stops a VM. force stops it even if the guest does not shut down (CloudStack's
// forced stop; the guest loses unwritten data).
func (c *Client) StopVM(ctx context.Context, id string, force bool) (*VM, error) {
	p := newParams("id", id)
	if force {
		p.SetParam("forced", "true")
	}
	return c.vmJob(ctx, "stopVirtualMachine", p, id)
}

// DestroyVM destroys a VM; expunge removes it at once instead of leaving it Destroyed (and
// recoverable) until CloudStack's expunge delay. Data volumes attached to it are detached by
// CloudStack and kept; its ROOT volume goes with it.
func (c *Client) DestroyVM(ctx context.Context, id string, expunge bool) error {
	const command = "destroyVirtualMachine"
	if id == "" {
		return invalidArg(command, "empty VM id")
	}
	p := newParams("id", id)
	if expunge {
		p.SetParam("expunge", "true")
	}
	_, err := c.async(ctx, command, p, nil)
	return err
}

func (c *Client) vmJob(ctx context.Context, command string, p *params, id string) (*VM, error) {
	if id == "" {
		return nil, invalidArg(command, "empty VM id")
	}
	var w wire.VM
	if _, err := c.async(ctx, command, p, &w); err != nil {
		return nil, err
	}
	return vmFromWire(&w), nil
}

// GetVM returns the VM with the given id, or an error matching fkerrors.NotFound.
func (c *Client) GetVM(ctx context.Context, id string) (*VM, error) {
	return getOne(ctx, c, "listVirtualMachines", "VM", id, newParams("id", id, "listall", "true"),
		func(w wire.VM) (string, VM) { return w.ID, *vmFromWire(&w) })
}

// FindVMsByName returns the VMs named exactly name, case included (CloudStack's own filter
// ignores case, so a VM named "WEB" in another zone also matches "web"), in CloudStack's
// order. None found is an empty slice, not an error.
func (c *Client) FindVMsByName(ctx context.Context, name string) ([]VM, error) {
	return listBy(ctx, c, "listVirtualMachines", "VM name", "name", name,
		func(w *wire.VM) string { return w.Name }, vmFromWire)
}

// WaitVMState polls the VM until it is in state want and returns it. A VM that reaches Error,
// Destroyed or Expunging instead gives fkerrors.Conflict; ctx bounds the wait. On error it returns
// the VM as last seen, if it was seen at all.
func (c *Client) WaitVMState(ctx context.Context, id string, want VMState) (*VM, error) {
	delay := c.pollFirst
	var timer *time.Timer
	var last *VM
	for {
		vm, err := c.GetVM(ctx, id)
		if err != nil {
			return last, err
		}
		last = vm
		if vm.State == want {
			return vm, nil
		}
		switch vm.State {
		case VMError, VMDestroyed, VMExpunging:
			return vm, &APIError{Command: "listVirtualMachines", Code: fkerrors.Conflict,
				Text: "VM " + id + " is " + string(vm.State) + ", it will not become " + string(want)}
		}
		if timer == nil {
			timer = time.NewTimer(delay)
			defer timer.Stop()
		} else {
			timer.Reset(delay)
		}
		select {
		case <-ctx.Done():
			return vm, c.classifier.classify(ctx, "listVirtualMachines", "", ctx.Err())
		case <-timer.C:
		}
		if delay *= 2; delay > c.pollMax {
			delay = c.pollMax
		}
	}
}

// zoneID resolves a zone name to its id; ids pass through.
func (c *Client) zoneID(ctx context.Context, zone string) (string, error) {
	if cs.IsID(zone) {
		return zone, nil
	}
	const command = "listZones"
	var l wire.List[wire.Zone]
	if err := c.request(ctx, command, "", newParams(), &l); err != nil {
		return "", err
	}
	for _, z := range l.Items {
		if z.ID == zone || z.Name == zone {
			return z.ID, nil
		}
	}
	return "", &APIError{Command: command, Code: fkerrors.NotFound,
		Text: "no zone named " + zone + "; set the zone of " + c.meta.Describe() + " to an existing zone name or id"}
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// checkHostName applies CloudStack's rule for VM names.
func checkHostName(name string) error {
	if name == "" {
		return nil
	}
	if len(name) > 63 {
		return errString("is longer than 63 characters")
	}
	if name[0] == '-' || name[len(name)-1] == '-' || (name[0] >= '0' && name[0] <= '9') {
		return errString("must not start with a digit or hyphen, nor end with a hyphen")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return errString("may hold only letters, digits and hyphens")
		}
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }
