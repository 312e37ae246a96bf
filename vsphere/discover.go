package vsphere

import (
	"context"
	"slices"
	"strings"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Key says which property of a VM a Locator matches.
type Key string

// The keys a Locator can use.
const (
	// KeyPath matches the inventory path: absolute ("/DC/vm/folder/web01") or relative to
	// the datacenter's VM folder ("folder/web01").
	KeyPath Key = "path"
	// KeyInstanceUUID matches the vCenter instance UUID (config.instanceUuid).
	KeyInstanceUUID Key = "instance-uuid"
	// KeyBIOSUUID matches the BIOS UUID (config.uuid, the SMBIOS UUID the guest sees).
	KeyBIOSUUID Key = "bios-uuid"
	// KeyName matches the VM name, which must be unique in the datacenter.
	KeyName Key = "name"
)

// Locator names the source VM of an operation by one key. Build one with ByPath,
// ByInstanceUUID, ByBIOSUUID or ByName.
type Locator struct {
	// Key says what Value is.
	Key Key `json:"key"`
	// Value is the path, UUID or name.
	Value string `json:"value"`
}

// ByPath locates a VM by inventory path.
func ByPath(path string) Locator { return Locator{Key: KeyPath, Value: path} }

// ByInstanceUUID locates a VM by vCenter instance UUID.
func ByInstanceUUID(uuid string) Locator { return Locator{Key: KeyInstanceUUID, Value: uuid} }

// ByBIOSUUID locates a VM by BIOS UUID.
func ByBIOSUUID(uuid string) Locator { return Locator{Key: KeyBIOSUUID, Value: uuid} }

// ByName locates a VM by name; the name must be unique in the datacenter.
func ByName(name string) Locator { return Locator{Key: KeyName, Value: name} }

// String renders the locator as "<key> <value>".
func (l Locator) String() string { return string(l.Key) + " " + l.Value }

// VM identifies one virtual machine in vCenter. FindVM returns it; the other operations take
// it. Ref stays valid across sessions and logins, so a VM may be stored and used by a later
// operation.
type VM struct {
	// Ref is the managed object reference ("VirtualMachine:vm-42").
	Ref types.ManagedObjectReference `json:"ref"`
	// Name is the VM name.
	Name string `json:"name"`
	// Path is the inventory path.
	Path string `json:"path"`
	// InstanceUUID is the vCenter instance UUID.
	InstanceUUID string `json:"instance_uuid"`
	// BIOSUUID is the BIOS (SMBIOS) UUID.
	BIOSUUID string `json:"bios_uuid"`
	// VCenter is the instance UUID of the vCenter the VM was found in. Operations refuse a VM
	// from another vCenter, whose reference could name an unrelated VM there.
	VCenter string `json:"vcenter,omitempty"`
}

// String returns the inventory path, or the name, or the reference.
func (v VM) String() string {
	switch {
	case v.Path != "":
		return v.Path
	case v.Name != "":
		return v.Name
	}
	return v.Ref.String()
}

func (v VM) check(op string, host string) error {
	if v.Ref.Type != "VirtualMachine" || v.Ref.Value == "" {
		return &Error{Op: op, Host: host, VM: v.String(), Code: fkerrors.Invalid,
			Fix: "pass a VM returned by FindVM"}
	}
	return nil
}

// checkVCenter refuses a VM found in another vCenter than the one vc talks to.
func (v VM) checkVCenter(op, host string, vc *vim25.Client) error {
	if v.VCenter == "" || vc.ServiceContent.About.InstanceUuid == "" || v.VCenter == vc.ServiceContent.About.InstanceUuid {
		return nil
	}
	return &Error{Op: op, Host: host, VM: v.String(), Code: fkerrors.Invalid,
		Fix: "the VM was found in another vCenter; use a Client for that vCenter"}
}

// FindVM finds the VM loc names in the credential set's datacenter. No match is fkerrors.NotFound;
// more than one (a duplicated name, a BIOS UUID shared by clones) is fkerrors.Ambiguous with the
// inventory paths of every match in Error.Candidates.
func (c *Client) FindVM(ctx context.Context, loc Locator) (VM, error) {
	if err := c.checkLocator(loc); err != nil {
		return VM{}, err
	}
	var vm VM
	err := c.do(ctx, "find", loc.String(), func(ctx context.Context, vc *vim25.Client, s *pooled) error {
		dc, err := c.datacenter(ctx, vc, s)
		if err != nil {
			return err
		}
		refs, path, err := c.match(ctx, vc, dc, loc)
		if err != nil {
			return err
		}
		switch len(refs) {
		case 0:
			return &Error{Op: "find", Host: c.host, VM: loc.String(), Code: fkerrors.NotFound,
				Fix: "check the " + string(loc.Key) + " against datacenter " + dc.path + " in vCenter"}
		case 1:
		default:
			paths := make([]string, 0, len(refs))
			for _, r := range refs {
				p, err := find.InventoryPath(ctx, vc, r)
				if err != nil {
					return err
				}
				paths = append(paths, p)
			}
			slices.Sort(paths)
			return &Error{Op: "find", Host: c.host, VM: loc.String(), Code: fkerrors.Ambiguous, Candidates: paths,
				Fix: "locate the VM by inventory path or instance UUID instead"}
		}
		vm, err = identify(ctx, vc, refs[0], path)
		return err
	})
	return vm, err
}

func (c *Client) checkLocator(loc Locator) error {
	bad := func(remedy string) error {
		return &Error{Op: "find", Host: c.host, VM: loc.String(), Code: fkerrors.Invalid, Fix: remedy}
	}
	switch loc.Key {
	case KeyPath, KeyInstanceUUID, KeyBIOSUUID, KeyName:
	default:
		return bad("build the locator with ByPath, ByInstanceUUID, ByBIOSUUID or ByName")
	}
	if strings.TrimSpace(loc.Value) == "" {
		return bad("give a non-empty " + string(loc.Key))
	}
	if loc.Value != strings.TrimSpace(loc.Value) {
		return bad("remove the leading or trailing white space from the " + string(loc.Key))
	}
	return nil
}

// match returns every VM reference loc matches in dc, and, for a path, the absolute inventory
// path it matched (so that it need not be looked up again).
func (c *Client) match(ctx context.Context, vc *vim25.Client, dc datacenter, loc Locator) ([]types.ManagedObjectReference, string, error) {
	si := object.NewSearchIndex(vc)
	switch loc.Key {
	case KeyPath:
		p := loc.Value
		if !strings.HasPrefix(p, "/") {
			p = dc.path + "/vm/" + p
		}
		ref, err := si.FindByInventoryPath(ctx, p)
		if err != nil || ref == nil {
			return nil, "", err
		}
		if ref.Reference().Type != "VirtualMachine" {
			return nil, "", &Error{Op: "find", Host: c.host, VM: loc.String(), Code: fkerrors.NotFound,
				Fix: "the path names a " + ref.Reference().Type + ", not a VM"}
		}
		return []types.ManagedObjectReference{ref.Reference()}, p, nil
	case KeyInstanceUUID, KeyBIOSUUID:
		instance := loc.Key == KeyInstanceUUID
		found, err := si.FindAllByUuid(ctx, object.NewDatacenter(vc, dc.ref), loc.Value, true, &instance)
		if err != nil {
			return nil, "", err
		}
		refs := make([]types.ManagedObjectReference, 0, len(found))
		for _, f := range found {
			refs = append(refs, f.Reference())
		}
		return refs, "", nil
	default:
		// One retrieval of every name in the datacenter's VM folder, compared exactly: a
		// property filter would treat glob characters in the name as patterns.
		v, err := view.NewManager(vc).CreateContainerView(ctx, dc.vmFolder, []string{"VirtualMachine"}, true)
		if err != nil {
			return nil, "", err
		}
		defer func() {
			dctx, cancel := c.pool.cleanupContext(ctx)
			_ = v.Destroy(dctx)
			cancel()
		}()
		var vms []mo.VirtualMachine
		if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name"}, &vms); err != nil {
			return nil, "", err
		}
		var refs []types.ManagedObjectReference
		for _, m := range vms {
			if m.Name == loc.Value {
				refs = append(refs, m.Self)
			}
		}
		return refs, "", nil
	}
}

// identify reads the identity of one VM; path, when known, is its inventory path.
func identify(ctx context.Context, vc *vim25.Client, ref types.ManagedObjectReference, path string) (VM, error) {
	var m mo.VirtualMachine
	err := property.DefaultCollector(vc).RetrieveOne(ctx, ref, []string{"name", "config.uuid", "config.instanceUuid"}, &m)
	if err != nil {
		return VM{}, err
	}
	p := path
	if p == "" {
		if p, err = find.InventoryPath(ctx, vc, ref); err != nil {
			return VM{}, err
		}
	}
	vm := VM{Ref: ref, Name: m.Name, Path: p, VCenter: vc.ServiceContent.About.InstanceUuid}
	if m.Config != nil {
		vm.InstanceUUID = m.Config.InstanceUuid
		vm.BIOSUUID = m.Config.Uuid
	}
	return vm, nil
}

// datacenter is the resolved datacenter of a credential set.
type datacenter struct {
	ref      types.ManagedObjectReference
	path     string
	vmFolder types.ManagedObjectReference
}

// datacenter resolves the credential set's datacenter, once per session.
func (c *Client) datacenter(ctx context.Context, vc *vim25.Client, s *pooled) (datacenter, error) {
	if dc, ok := s.dcs.Load(c.creds.Datacenter); ok {
		return dc.(datacenter), nil
	}
	v, err := view.NewManager(vc).CreateContainerView(ctx, vc.ServiceContent.RootFolder, []string{"Datacenter"}, true)
	if err != nil {
		return datacenter{}, err
	}
	defer func() {
		dctx, cancel := c.pool.cleanupContext(ctx)
		_ = v.Destroy(dctx)
		cancel()
	}()
	var all []mo.Datacenter
	if err := v.Retrieve(ctx, []string{"Datacenter"}, []string{"name", "vmFolder"}, &all); err != nil {
		return datacenter{}, err
	}
	want := c.creds.Datacenter
	var hits []mo.Datacenter
	names := make([]string, 0, len(all))
	for _, d := range all {
		names = append(names, d.Name)
		if want == "" || d.Name == want {
			hits = append(hits, d)
		}
	}
	slices.Sort(names)
	if want != "" && strings.HasPrefix(want, "/") {
		hits = hits[:0]
		for _, d := range all {
			if p, err := find.InventoryPath(ctx, vc, d.Self); err == nil && p == want {
				hits = append(hits, d)
			}
		}
	}
	dcErr := func(cat fkerrors.Code, problem, remedy string) error {
		return &credentials.Error{Code: cat, Source: "vsphere", Kind: credentials.KindVSphere,
			Account: c.creds.Origin.Account, Field: credentials.FieldDatacenter, Problem: problem,
			Fix: remedy + " in credential set " + c.creds.Describe()}
	}
	switch {
	case len(all) == 0:
		return datacenter{}, &Error{Op: "find", Host: c.host, Code: fkerrors.NotFound,
			Fix: "vCenter has no datacenter the user " + c.creds.Username + " can see"}
	case len(hits) == 0:
		return datacenter{}, dcErr(fkerrors.Invalid, "datacenter "+want+" not found in vCenter "+c.host,
			"set datacenter to one of: "+strings.Join(names, ", "))
	case len(hits) > 1 && want == "":
		return datacenter{}, dcErr(fkerrors.Incomplete, "datacenter is empty and vCenter "+c.host+" has several",
			"set datacenter to one of: "+strings.Join(names, ", "))
	case len(hits) > 1:
		return datacenter{}, dcErr(fkerrors.Ambiguous, "more than one datacenter is named "+want,
			"set datacenter to the inventory path of the one meant")
	}
	p, err := find.InventoryPath(ctx, vc, hits[0].Self)
	if err != nil {
		return datacenter{}, err
	}
	dc := datacenter{ref: hits[0].Self, path: p, vmFolder: hits[0].VmFolder}
	s.dcs.Store(want, dc)
	return dc, nil
}
