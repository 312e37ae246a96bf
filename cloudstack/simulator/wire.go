package simulator

// The *JSON methods render resources with the field names and types cloudstack-go's
// response structs decode. Callers hold s.mu.

const (
	domainName = "ROOT"
	// domainID is outside the range nextID issues.
	domainID = "5e000000-0000-4000-8000-d00000000001"
)

func (s *Simulator) vmJSON(v *VM) map[string]any {
	out := map[string]any{
		"id":                    v.ID,
		"name":                  v.Name,
		"displayname":           v.DisplayName,
		"account":               v.Account,
		"domain":                domainName,
		"domainid":              domainID,
		"state":                 string(v.State),
		"zoneid":                v.ZoneID,
		"templateid":            v.TemplateID,
		"serviceofferingid":     v.ServiceOfferingID,
		"cpunumber":             v.CPUNumber,
		"cpuspeed":              v.CPUSpeed,
		"memory":                v.MemoryMB,
		"created":               csTime(v.Created),
		"haenable":              false,
		"rootdeviceid":          0,
		"rootdevicetype":        string(VolumeRoot),
		"passwordenabled":       false,
		"isdynamicallyscalable": false,
	}
	if z := s.zones[v.ZoneID]; z != nil {
		out["zonename"] = z.Name
	}
	if t := s.templates[v.TemplateID]; t != nil {
		out["templatename"] = t.Name
		out["templatedisplaytext"] = t.Name
		out["hypervisor"] = t.Hypervisor
		out["ostypeid"] = t.OSType
		out["guestosid"] = t.OSType
	}
	if o := s.serviceOfferings[v.ServiceOfferingID]; o != nil {
		out["serviceofferingname"] = o.Name
	}
	if len(v.Details) > 0 {
		out["details"] = v.Details
	}
	nics := make([]map[string]any, 0, len(v.NICs))
	for _, n := range v.NICs {
		nic := map[string]any{
			"id": n.ID, "networkid": n.NetworkID, "ipaddress": n.IPAddress,
			"macaddress": n.MACAddress, "isdefault": n.Default, "traffictype": "Guest", "type": "Isolated",
		}
		if nw := s.networks[n.NetworkID]; nw != nil {
			nic["networkname"] = nw.Name
		}
		nics = append(nics, nic)
	}
	out["nic"] = nics
	return out
}

func (s *Simulator) volumeJSON(v *Volume) map[string]any {
	out := map[string]any{
		"id":          v.ID,
		"name":        v.Name,
		"account":     v.Account,
		"domain":      domainName,
		"domainid":    domainID,
		"type":        string(v.Type),
		"state":       v.State,
		"zoneid":      v.ZoneID,
		"size":        v.SizeBytes,
		"created":     csTime(v.Created),
		"storagetype": "shared",
		"storage":     "primary-storage",
		"path":        v.ID,
		"destroyed":   v.State == VolumeExpunged,
		"hypervisor":  "KVM",
	}
	if z := s.zones[v.ZoneID]; z != nil {
		out["zonename"] = z.Name
	}
	if v.DiskOfferingID != "" {
		out["diskofferingid"] = v.DiskOfferingID
		if o := s.diskOfferings[v.DiskOfferingID]; o != nil {
			out["diskofferingname"] = o.Name
		}
	}
	if v.TemplateID != "" {
		out["templateid"] = v.TemplateID
	}
	if v.VMID != "" {
		out["virtualmachineid"] = v.VMID
		out["deviceid"] = v.DeviceID
		out["attached"] = csTime(v.Created)
		if vm := s.vms[v.VMID]; vm != nil {
			out["vmname"] = vm.Name
			out["vmdisplayname"] = vm.DisplayName
			out["vmstate"] = string(vm.State)
			if t := s.templates[vm.TemplateID]; t != nil {
				out["hypervisor"] = t.Hypervisor
			}
		}
	}
	return out
}

func (s *Simulator) snapshotJSON(sn *Snapshot) map[string]any {
	out := map[string]any{
		"id":           sn.ID,
		"name":         sn.Name,
		"account":      sn.Account,
		"domain":       domainName,
		"domainid":     domainID,
		"volumeid":     sn.VolumeID,
		"volumetype":   string(sn.VolumeType),
		"state":        sn.State,
		"snapshottype": "MANUAL",
		"intervaltype": "MANUAL",
		"zoneid":       sn.ZoneID,
		"created":      csTime(sn.Created),
		"revertable":   true,
		"virtualsize":  sn.SizeBytes,
		"physicalsize": sn.SizeBytes,
		"locationtype": "PRIMARY",
	}
	if v := s.volumes[sn.VolumeID]; v != nil {
		out["volumename"] = v.Name
	}
	return out
}

func zoneJSON(z *Zone) map[string]any {
	return map[string]any{"id": z.ID, "name": z.Name, "networktype": z.NetworkType, "allocationstate": "Enabled"}
}

func serviceOfferingJSON(o *ServiceOffering) map[string]any {
	out := map[string]any{"id": o.ID, "name": o.Name, "displaytext": o.Name, "iscustomized": o.Customized, "storagetype": "shared"}
	if !o.Customized {
		out["cpunumber"], out["cpuspeed"], out["memory"] = o.CPUNumber, o.CPUSpeed, o.MemoryMB
	}
	return out
}

func diskOfferingJSON(o *DiskOffering) map[string]any {
	return map[string]any{"id": o.ID, "name": o.Name, "displaytext": o.Name, "disksize": o.SizeGB, "iscustomized": o.Customized, "storagetype": "shared"}
}

func (s *Simulator) templateJSON(t *Template) map[string]any {
	out := map[string]any{
		"id": t.ID, "name": t.Name, "displaytext": t.Name, "zoneid": t.ZoneID, "ostypeid": t.OSType,
		"ostypename": t.OSType, "hypervisor": t.Hypervisor, "size": t.SizeBytes, "isready": true,
		"status": "Download Complete", "format": "QCOW2", "templatetype": "USER", "ispublic": true,
		"isfeatured": false,
	}
	if z := s.zones[t.ZoneID]; z != nil {
		out["zonename"] = z.Name
	}
	return out
}

func (s *Simulator) networkJSON(n *Network) map[string]any {
	out := map[string]any{
		"id": n.ID, "name": n.Name, "displaytext": n.Name, "zoneid": n.ZoneID, "cidr": n.CIDR,
		"state": "Implemented", "traffictype": "Guest", "type": "Isolated",
	}
	if z := s.zones[n.ZoneID]; z != nil {
		out["zonename"] = z.Name
	}
	return out
}

// listBody renders a list response: {} when empty, as CloudStack answers, else count (the
// total before paging) and the items under key.
func listBody(r *request, key string, items []map[string]any) (any, *apiError) {
	total := len(items)
	if total == 0 {
		return map[string]any{}, nil
	}
	page, hasPage, err := r.integer("page")
	if err != nil {
		return nil, err
	}
	size, hasSize, err := r.integer("pagesize")
	if err != nil {
		return nil, err
	}
	if hasPage || hasSize {
		if !hasPage || page < 1 {
			page = 1
		}
		if !hasSize || size < 1 {
			size = 500
		}
		start := (page - 1) * size
		if start >= int64(len(items)) {
			items = nil
		} else {
			items = items[start:min(int64(len(items)), start+size)]
		}
	}
	return map[string]any{"count": total, key: items}, nil
}
