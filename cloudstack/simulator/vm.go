package simulator

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// hostnamePattern is CloudStack's rule for VM names (they become guest host names).
var hostnamePattern = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)

// liveVM returns the VM the parameter param names, which must exist and not be expunged,
// or CloudStack's 431 for that parameter.
func (s *Simulator) liveVM(r *request, param string) (*VM, *apiError) {
	id, err := r.require(param)
	if err != nil {
		return nil, err
	}
	v, ok := s.vms[id]
	if !ok || v.Expunged() {
		return nil, invalidID(r.command, param, id)
	}
	return v, nil
}

func (s *Simulator) deployVirtualMachine(r *request) (*jobPlan, *apiError) {
	offID, err := r.require("serviceofferingid")
	if err != nil {
		return nil, err
	}
	tmplID, err := r.require("templateid")
	if err != nil {
		return nil, err
	}
	zoneID, err := r.require("zoneid")
	if err != nil {
		return nil, err
	}
	zone, ok := s.zones[zoneID]
	if !ok {
		return nil, invalidID(r.command, "zoneid", zoneID)
	}
	off, ok := s.serviceOfferings[offID]
	if !ok {
		return nil, invalidID(r.command, "serviceofferingid", offID)
	}
	tmpl, ok := s.templates[tmplID]
	if !ok {
		return nil, invalidID(r.command, "templateid", tmplID)
	}
	// ParamProcessWorker resolves every id of networkids before the command runs.
	for _, id := range r.list("networkids") {
		if s.networks[id] == nil {
			return nil, invalidID(r.command, "networkids", id)
		}
	}
	// UserVmManagerImpl.createVirtualMachine reads the details, boot settings included, first.
	bootType, bootMode, err := bootRequest(r)
	if err != nil {
		return nil, err
	}
	nics, err := s.requestedNICs(r)
	if err != nil {
		return nil, err
	}
	if tmpl.ZoneID != zone.ID {
		return nil, paramErr("Template %s is not available in zone %s", tmpl.ID, zone.Name)
	}
	startVM := r.boolean("startvm", true)

	if len(nics) == 0 || nics[0].network == nil {
		// An advanced zone deploys into the account's network when there is exactly one
		// (a macaddress without networks is for that network's NIC).
		var inZone []*Network
		for _, n := range sortedValues(s.networks) {
			if n.ZoneID == zone.ID {
				inZone = append(inZone, n)
			}
		}
		if len(inZone) != 1 {
			return nil, paramErr("Unable to execute API command deployvirtualmachine: specify networkids, zone %s has %d networks", zone.Name, len(inZone))
		}
		if len(nics) == 0 {
			nics = []nicRequest{{}}
		}
		nics[0].network = inZone[0]
	}
	for _, n := range nics {
		// UserVmManagerImpl, for every NIC in turn.
		if n.network.ZoneID != zone.ID {
			return nil, paramErr("Network %s does not belong to zone %s", n.network.ID, zone.Name)
		}
	}

	cpu, speed, mem := off.CPUs, off.CPUSpeedMHz, off.MemoryMB
	details := map[string]string{}
	if off.Custom {
		d := r.details()
		cpuS, memS := d["cpunumber"], d["memory"]
		if cpuS == "" || memS == "" {
			return nil, paramErr("Need to specify custom parameter values cpu, cpu speed and memory when using custom offering")
		}
		var e1, e2 error
		cpu, e1 = strconv.Atoi(cpuS)
		mem, e2 = strconv.Atoi(memS)
		if e1 != nil || cpu < 1 {
			return nil, paramErr("Invalid cpu cores value %q, specify a value between 1 and 2147483647", cpuS)
		}
		if e2 != nil || mem < 32 {
			return nil, paramErr("Invalid memory value %q, specify a value between 32 and 2147483647", memS)
		}
		speed = 1000
		if sp := d["cpuspeed"]; sp != "" {
			n, err := strconv.Atoi(sp)
			if err != nil || n < 1 {
				return nil, paramErr("Invalid cpu speed value %q, specify a value between 1 and 2147483647", sp)
			}
			speed = n
		}
		details["cpuNumber"], details["memory"], details["cpuSpeed"] = strconv.Itoa(cpu), strconv.Itoa(mem), strconv.Itoa(speed)
	}

	var dataOff *cloudstack.DiskOffering
	var dataSize int64
	if id := r.get("diskofferingid"); id != "" {
		o, ok := s.diskOfferings[id]
		if !ok {
			return nil, invalidID(r.command, "diskofferingid", id)
		}
		dataOff, dataSize = o, o.SizeGB
		if o.Custom {
			n, ok, err := r.integer("size")
			if err != nil {
				return nil, err
			}
			if !ok || n < 1 {
				return nil, paramErr("Disk offering %s is customized: specify size in GB", o.Name)
			}
			dataSize = n
		}
	}
	rootSize := tmpl.SizeBytes
	if n, ok, err := r.integer("rootdisksize"); err != nil {
		return nil, err
	} else if ok {
		if n<<30 < tmpl.SizeBytes {
			return nil, paramErr("Root disk size %d GB is smaller than the template size", n)
		}
		rootSize = n << 30
	}

	id := s.nextID()
	name := r.get("name")
	if name == "" {
		name = "VM-" + id
	}
	if !hostnamePattern.MatchString(name) {
		return nil, paramErr("Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" and can't start with digit")
	}
	for _, v := range s.vms {
		if !v.Expunged() && equalFold(v.Name, name) && v.ZoneID == zone.ID {
			return nil, paramErr("The vm with hostName %s already exists in the network domain: cs.internal; network=%s", name, nics[0].network.Name)
		}
	}
	display := r.get("displayname")
	if display == "" {
		display = name
	}

	vm := &VM{
		ID: id, Name: name, DisplayName: display, Account: r.account.name, State: cloudstack.VMStopped,
		ZoneID: zone.ID, TemplateID: tmpl.ID, ServiceOfferingID: off.ID,
		CPUs: cpu, CPUSpeedMHz: speed, MemoryMB: mem, Created: s.clock(),
	}
	// UserVmManagerImpl.commitUserVm: the template's details (its UEFI boot mode) are the
	// VM's unless boottype says otherwise; an explicit BIOS removes the UEFI detail.
	vm.BootType, vm.BootMode = cloudstack.BootBIOS, cloudstack.BootLegacy
	if tmpl.UEFI != "" {
		vm.BootType, vm.BootMode = cloudstack.BootUEFI, tmpl.UEFI
	}
	if bootType != "" {
		vm.BootType, vm.BootMode = bootType, bootMode
	}
	if vm.BootType == cloudstack.BootUEFI {
		details["UEFI"] = string(vm.BootMode)
	} else {
		vm.BootMode = cloudstack.BootLegacy
	}
	if len(details) > 0 {
		vm.Details = details
	}
	vm.NICs = s.nicsLocked(nics)
	s.vms[id] = vm
	s.vmOrder = append(s.vmOrder, vm)
	// The volumes get storage when the VM first starts; until then they are Allocated
	// (VolumeOrchestrator allocates them, VirtualMachineManagerImpl's start creates them).
	s.addVolumeLocked(&Volume{
		Name: "ROOT-" + name, Account: vm.Account, Type: cloudstack.VolumeRoot, State: cloudstack.VolumeAllocated,
		ZoneID: zone.ID, SizeBytes: rootSize, TemplateID: tmpl.ID, Hypervisor: tmpl.Hypervisor, VMID: vm.ID, DeviceID: 0,
	})
	if dataOff != nil {
		s.addVolumeLocked(&Volume{
			Name: "DATA-" + name, Account: vm.Account, Type: cloudstack.VolumeData, State: cloudstack.VolumeAllocated,
			ZoneID: zone.ID, SizeBytes: dataSize << 30, DiskOfferingID: dataOff.ID, Hypervisor: tmpl.Hypervisor, VMID: vm.ID, DeviceID: 1,
		})
	}

	plan := &jobPlan{createdID: id, instanceType: "VirtualMachine", instanceID: id,
		finish: func() (string, any) { return "virtualmachine", s.vmJSON(vm) }}
	if startVM {
		plan.begin = func() *apiError {
			vm.State = cloudstack.VMStarting
			s.createOnPrimaryLocked(vm)
			return nil
		}
		plan.finish = func() (string, any) {
			if vm.State == cloudstack.VMStarting {
				vm.State = cloudstack.VMRunning
			}
			return "virtualmachine", s.vmJSON(vm)
		}
	}
	return plan, nil
}

// displayNameOrHostName is VMInstanceVO.getDisplayNameOrHostName, which CloudStack's
// messages name a VM by.
func (v *VM) displayNameOrHostName() string {
	if v.DisplayName != "" {
		return v.DisplayName
	}
	return v.Name
}

// newNICLocked creates the NIC at device dev (0 is the default NIC) with a generated MAC.
func (s *Simulator) newNICLocked(n *Network, dev int) NIC {
	s.ipSeq[n.ID]++
	seq := s.ipSeq[n.ID]
	return NIC{
		ID: s.nextID(), NetworkID: n.ID, Default: dev == 0, DeviceID: dev,
		IPAddress:  ipInCIDR(n.CIDR, seq),
		MACAddress: fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", byte(s.idSeq>>24), byte(s.idSeq>>16), byte(s.idSeq>>8), byte(s.idSeq)),
	}
}

// vmAction is the shared shape of start, stop and reboot: look the VM up synchronously,
// check its state in the job.
func (s *Simulator) vmAction(r *request, begin func(vm *VM) *apiError, finish func(vm *VM)) (*jobPlan, *apiError) {
	vm, err := s.liveVM(r, "id")
	if err != nil {
		return nil, err
	}
	return &jobPlan{instanceType: "VirtualMachine", instanceID: vm.ID,
		begin: func() *apiError { return begin(vm) },
		finish: func() (string, any) {
			finish(vm)
			return "virtualmachine", s.vmJSON(vm)
		}}, nil
}

func (s *Simulator) startVirtualMachine(r *request) (*jobPlan, *apiError) {
	return s.vmAction(r, func(vm *VM) *apiError {
		switch vm.State {
		case cloudstack.VMRunning:
			// UserVmManagerImpl.startVirtualMachine refuses a running VM (since 4.15).
			return paramErr("The virtual machine %s (%s) is already running", vm.ID, vm.displayNameOrHostName())
		case cloudstack.VMStopped:
		case cloudstack.VMDestroyed:
			return paramErr("Unable to start VM %s: it is in state %s; recover it first", vm.Name, vm.State)
		default:
			return stateErr("Unable to start VM %s: it is in transitional state %s", vm.Name, vm.State)
		}
		if s.volumeAtLocked(vm.ID, 0) == nil {
			return stateErr("Unable to start VM %s: it has no ROOT volume at device 0", vm.Name)
		}
		vm.State = cloudstack.VMStarting
		s.createOnPrimaryLocked(vm)
		return nil
	}, func(vm *VM) {
		if vm.State == cloudstack.VMStarting {
			vm.State = cloudstack.VMRunning
		}
	})
}

func (s *Simulator) stopVirtualMachine(r *request) (*jobPlan, *apiError) {
	return s.vmAction(r, func(vm *VM) *apiError {
		switch vm.State {
		case cloudstack.VMStopped:
			return nil // already stopped: success, as CloudStack answers
		case cloudstack.VMRunning:
			vm.State = cloudstack.VMStopping
			return nil
		case cloudstack.VMDestroyed:
			return paramErr("Unable to stop VM %s: it is in state %s", vm.Name, vm.State)
		default:
			return stateErr("Unable to stop VM %s: it is in transitional state %s", vm.Name, vm.State)
		}
	}, func(vm *VM) {
		if vm.State == cloudstack.VMStopping {
			vm.State = cloudstack.VMStopped
		}
	})
}

func (s *Simulator) rebootVirtualMachine(r *request) (*jobPlan, *apiError) {
	return s.vmAction(r, func(vm *VM) *apiError {
		if vm.State != cloudstack.VMRunning {
			return paramErr("Unable to reboot VM %s: it is in state %s, not Running", vm.Name, vm.State)
		}
		return nil
	}, func(*VM) {})
}

func (s *Simulator) destroyVirtualMachine(r *request) (*jobPlan, *apiError) {
	vm, err := s.liveVM(r, "id")
	if err != nil {
		return nil, err
	}
	expunge := r.boolean("expunge", false)
	var deleteVols []*Volume
	for _, vid := range r.list("volumeids") {
		v, ok := s.volumes[vid]
		if !ok || v.State == cloudstack.VolumeExpunged {
			return nil, invalidID(r.command, "volumeids", vid)
		}
		if v.VMID != vm.ID || v.Type != cloudstack.VolumeData {
			return nil, paramErr("Volume %s is not a data volume attached to VM %s", v.ID, vm.Name)
		}
		deleteVols = append(deleteVols, v)
	}
	// UserVmManagerImpl.destroyVm returns a VM that is already Destroyed (or Expunging) as
	// it is: a second destroy succeeds and changes nothing, unless it asks to expunge.
	var already bool
	return &jobPlan{instanceType: "VirtualMachine", instanceID: vm.ID,
		begin: func() *apiError {
			switch vm.State {
			case cloudstack.VMStarting, cloudstack.VMStopping:
				return stateErr("Unable to destroy VM %s: it is in transitional state %s", vm.Name, vm.State)
			case cloudstack.VMDestroyed, cloudstack.VMExpunging:
				already = true
			}
			return nil
		},
		finish: func() (string, any) {
			if already {
				if expunge && !vm.Expunged() {
					s.expungeLocked(vm)
				}
				return "virtualmachine", s.vmJSON(vm)
			}
			// As UserVmManagerImpl.destroyVm: stop, detach every data volume, destroy,
			// then delete the volumes named in volumeids.
			for _, v := range s.volumes {
				if v.VMID == vm.ID && v.Type == cloudstack.VolumeData {
					v.VMID, v.DeviceID = "", -1
				}
			}
			for _, v := range deleteVols {
				v.State = cloudstack.VolumeExpunged
			}
			vm.State = cloudstack.VMDestroyed
			if expunge {
				s.expungeLocked(vm)
			}
			return "virtualmachine", s.vmJSON(vm)
		}}, nil
}

func (s *Simulator) expungeVirtualMachine(r *request) (*jobPlan, *apiError) {
	vm, err := s.liveVM(r, "id")
	if err != nil {
		return nil, err
	}
	return &jobPlan{instanceType: "VirtualMachine", instanceID: vm.ID,
		begin: func() *apiError {
			if vm.State != cloudstack.VMDestroyed {
				return paramErr("Please specify a VM that is in Destroyed state; VM %s is %s", vm.Name, vm.State)
			}
			return nil
		},
		finish: func() (string, any) {
			s.expungeLocked(vm)
			return "", successBody()
		}}, nil
}

// expungeLocked removes a destroyed VM as CloudStack's volume cleanup does: the ROOT volume
// is deleted, data volumes are detached and kept.
func (s *Simulator) expungeLocked(vm *VM) {
	for _, v := range s.volumes {
		if v.VMID != vm.ID {
			continue
		}
		if v.Type == cloudstack.VolumeRoot {
			v.State = cloudstack.VolumeExpunged
		}
		v.VMID, v.DeviceID = "", -1
	}
	vm.State, vm.Removed = cloudstack.VMExpunging, s.clock()
}

func (s *Simulator) listVirtualMachines(r *request) (any, *apiError) {
	if id := r.get("id"); id != "" {
		if _, ok := s.vms[id]; !ok {
			return nil, invalidID(r.command, "id", id)
		}
	}
	for _, p := range []struct {
		name string
		ok   func(string) bool
	}{
		{"zoneid", func(id string) bool { return s.zones[id] != nil }},
		{"networkid", func(id string) bool { return s.networks[id] != nil }},
		{"templateid", func(id string) bool { return s.templates[id] != nil }},
		{"serviceofferingid", func(id string) bool { return s.serviceOfferings[id] != nil }},
	} {
		if v := r.get(p.name); v != "" && !p.ok(v) {
			return nil, invalidID(r.command, p.name, v)
		}
	}
	ids, aerr := r.ids(func(id string) bool { return s.vms[id] != nil })
	if aerr != nil {
		return nil, aerr
	}
	var items []wire.VM
	for _, vm := range s.vmOrder {
		if vm.Expunged() {
			continue
		}
		if (r.get("id") != "" && vm.ID != r.get("id")) || (ids != nil && !ids[vm.ID]) ||
			// name: QueryManagerImpl.searchForUserVMIdsAndCount, Op.EQ on the host name
			// (ListVMsCmd's "substring match" description is stale).
			!matchName(r, vm.Name) ||
			(r.get("state") != "" && !equalFold(string(vm.State), r.get("state"))) ||
			(r.get("zoneid") != "" && vm.ZoneID != r.get("zoneid")) ||
			(r.get("templateid") != "" && vm.TemplateID != r.get("templateid")) ||
			(r.get("serviceofferingid") != "" && vm.ServiceOfferingID != r.get("serviceofferingid")) ||
			(r.get("networkid") != "" && !hasNetwork(vm, r.get("networkid"))) ||
			!matchKeyword(r, vm.Name) {
			continue
		}
		items = append(items, s.vmJSON(vm))
	}
	return listBody(r, items)
}

func hasNetwork(vm *VM, id string) bool {
	for _, n := range vm.NICs {
		if n.NetworkID == id {
			return true
		}
	}
	return false
}
