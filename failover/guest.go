package failover

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// NICFact is one NIC of the new VM, planned by preflight from one NIC of the source VM.
type NICFact struct {
	// SourceLabel, SourceNetwork and SourceMAC are the source NIC as vCenter reports it:
	// "Network adapter 1", the port group it is on, its MAC address. Empty for the single
	// NIC of a source VM that has none.
	SourceLabel   string `json:"source_label,omitempty"`
	SourceNetwork string `json:"source_network,omitempty"`
	SourceMAC     string `json:"source_mac,omitempty"`
	// NetworkID is the CloudStack network the NIC goes on, and Via says where that came
	// from: the request's network mapping for this kind of flow ("networks.test",
	// "networks.live"), its NetworkID for unmapped networks ("network_id"), or the
	// credential set's network ("credential set").
	NetworkID string `json:"network_id"`
	Via       string `json:"via"`
	// MACAddress is the MAC address the NIC is deployed with (the source NIC's, with
	// Request.KeepMACs); empty lets CloudStack choose one.
	MACAddress string `json:"mac_address,omitempty"`
}

// UnmappedNetworksError lists the source networks of a VM that a request maps to no
// CloudStack network. Preflight refuses such a request (fkerrors.Incomplete); a front end
// can read the list with errors.As and ask for the missing mappings.
type UnmappedNetworksError struct {
	// Kind is the flow whose mapping (Request.Networks.For(Kind)) lacks them.
	Kind Kind
	// Networks are the unmapped source networks, in the order of the NICs that use them.
	Networks []string
}

func (e *UnmappedNetworksError) Error() string {
	quoted := make([]string, len(e.Networks))
	for i, n := range e.Networks {
		quoted[i] = strconv.Quote(n)
	}
	return fmt.Sprintf("source network %s of the VM has no CloudStack network in the request's %s mapping",
		strings.Join(quoted, ", "), kindMapping(e.Kind))
}

// TemplateMismatchError says that the template chosen for the new VM is for another OS
// family than the source's guest - a Windows guest on a Linux template, say. Preflight
// refuses it (fkerrors.Invalid) unless Request.AllowTemplateMismatch is set.
type TemplateMismatchError struct {
	// TemplateID and TemplateOSType are the template and its OS type as CloudStack names it.
	TemplateID     string
	TemplateOSType string
	// Template is the template's family, Guest the source guest's.
	Template cloudstack.OSFamily
	Guest    vsphere.GuestFamily
	// GuestID is the source's guest OS identifier.
	GuestID string
}

func (e *TemplateMismatchError) Error() string {
	return fmt.Sprintf("template %s is a %s template (OS type %q) but the source VM's guest is %s (%q)",
		e.TemplateID, e.Template, e.TemplateOSType, e.Guest, e.GuestID)
}

// Where a NIC's network or the template came from (NICFact.Via, Facts.TemplateVia).
const (
	viaRequest       = "request"
	viaNetworkID     = "network_id"
	viaCredentialSet = "credential set"
)

// catalog is what checkPlacement looked up in CloudStack before the source VM's shape was
// known: every network and template the request or the credential set might choose, so that
// choosing costs no further round trip. A lookup's error stands only if that one is chosen.
type catalog struct {
	networks  map[string]lookup[cloudstack.Network]
	templates map[string]lookup[cloudstack.Template]
}

type lookup[T any] struct {
	v   *T
	err error
}

// networkCandidates are the networks a flow of kind might put a NIC on.
func networkCandidates(req Request, kind Kind, setNetwork string) []string {
	var ids []string
	for _, id := range req.Networks.For(kind) {
		ids = append(ids, id)
	}
	ids = append(ids, req.NetworkID, setNetwork)
	return compactIDs(ids)
}

// templateCandidates are the templates the request or the set might choose.
func templateCandidates(req Request, setTemplate string) []string {
	ids := []string{req.TemplateID, setTemplate}
	for _, id := range req.Templates {
		ids = append(ids, id)
	}
	return compactIDs(ids)
}

func compactIDs(ids []string) []string {
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == "" })
	slices.Sort(ids)
	return slices.Compact(ids)
}

// planNICs gives the new VM one NIC per source NIC, in the source's order, each on the
// network the request maps its source network to; a source network the mapping does not
// name goes on Request.NetworkID, and, on a VM with one NIC and no mapping at all, on the
// credential set's network. A source VM without NICs gets one NIC there. Any other
// unmapped network is an *UnmappedNetworksError listing them all.
func planNICs(req Request, kind Kind, src []vsphere.NIC, setNetwork string) ([]NICFact, error) {
	mapping := req.Networks.For(kind)
	mapped := "networks." + kindMapping(kind)
	fallback := func() (string, string) {
		switch {
		case req.NetworkID != "":
			return req.NetworkID, viaNetworkID
		case len(mapping) == 0 && len(src) <= 1 && setNetwork != "":
			return setNetwork, viaCredentialSet
		}
		return "", ""
	}
	if len(src) == 0 {
		id, via := fallback()
		if id == "" {
			return nil, problem(fkerrors.Incomplete, "set network_id in the CloudStack credential set, or Request.NetworkID",
				"the source VM has no NIC and no network is named for the new VM's one NIC")
		}
		return []NICFact{{NetworkID: id, Via: via}}, nil
	}
	nics := make([]NICFact, 0, len(src))
	var unmapped []string
	for _, n := range src {
		f := NICFact{SourceLabel: n.Label, SourceNetwork: n.Network, SourceMAC: n.MACAddress}
		if id := mapping[n.Network]; id != "" {
			f.NetworkID, f.Via = id, mapped
		} else {
			f.NetworkID, f.Via = fallback()
		}
		if f.NetworkID == "" && !slices.Contains(unmapped, n.Network) {
			unmapped = append(unmapped, n.Network)
		}
		if req.KeepMACs {
			f.MACAddress = n.MACAddress
		}
		nics = append(nics, f)
	}
	if len(unmapped) > 0 {
		fix := "map them in Request.Networks.Test (source network name to CloudStack network id)"
		if kind == KindLiveFailover {
			fix = "map them in Request.Networks.Live (source network name to CloudStack network id)"
		}
		return nil, &Error{Code: fkerrors.Incomplete, Fix: fix + ", or set Request.NetworkID for the networks the mapping does not name",
			Err: &UnmappedNetworksError{Kind: kind, Networks: unmapped}}
	}
	return nics, nil
}

func kindMapping(kind Kind) string {
	if kind == KindLiveFailover {
		return "live"
	}
	return "test"
}

// checkNetworks checks that every network a NIC goes on exists and is in the VM's zone.
func checkNetworks(nics []NICFact, c catalog, zoneID, origin string) error {
	for _, n := range nics {
		l, ok := c.networks[n.NetworkID]
		if !ok {
			return problem(fkerrors.Internal, "report this as a bug", "network %s was not looked up", n.NetworkID)
		}
		if l.err != nil {
			return notInCloud("network", n.NetworkID, l.err, networkFix(n, origin))
		}
		if l.v.ZoneID != "" && zoneID != "" && l.v.ZoneID != zoneID {
			return problem(fkerrors.Invalid, networkFix(n, origin),
				"network %s (%q) is in zone %s, but the VM is deployed in zone %s", n.NetworkID, l.v.Name, l.v.ZoneID, zoneID)
		}
	}
	return nil
}

func networkFix(n NICFact, origin string) string {
	switch n.Via {
	case viaCredentialSet:
		return "correct network_id in CloudStack credential set " + origin + ", or map the source network in the request"
	case viaNetworkID:
		return "correct Request.NetworkID"
	}
	return "correct the mapping of source network " + strconv.Quote(n.SourceNetwork) + " in Request.Networks"
}

// notInCloud is the error for a placement CloudStack does not have: a lookup that failed
// with fkerrors.NotFound names the thing and the fix; any other failure stands as it is.
func notInCloud(what, id string, err error, fix string) error {
	if !errors.Is(err, fkerrors.NotFound) {
		return err
	}
	return &Error{Code: fkerrors.NotFound, Problem: what + " " + id + " does not exist in CloudStack", Fix: fix, Err: err}
}

// chooseTemplate picks the new VM's template - the request's TemplateID, else its template
// for the guest's family (Request.Templates), else the credential set's - and refuses one
// whose OS family contradicts the guest's unless the request allows it, in which case the
// mismatch is returned as a warning.
func chooseTemplate(req Request, f *Facts, c catalog, setTemplate, origin string) (warning string, err error) {
	id, via := req.TemplateID, viaRequest
	if id == "" {
		if t := req.Templates[f.GuestFamily]; t != "" {
			id, via = t, "templates."+string(f.GuestFamily)
		} else {
			id, via = setTemplate, viaCredentialSet
		}
	}
	fix := "correct template_id in CloudStack credential set " + origin + ", or name a template in the request (TemplateID, or Templates by guest family)"
	if id == "" {
		return "", problem(fkerrors.Incomplete, fix, "no template for a %s guest", f.GuestFamily)
	}
	l, ok := c.templates[id]
	if !ok {
		return "", problem(fkerrors.Internal, "report this as a bug", "template %s was not looked up", id)
	}
	if l.err != nil {
		return "", notInCloud("template", id, l.err, fix)
	}
	f.TemplateID, f.TemplateVia, f.TemplateOSType = id, via, l.v.OSTypeName
	if !contradicts(l.v.Family(), f.GuestFamily) {
		return "", nil
	}
	mismatch := &TemplateMismatchError{TemplateID: id, TemplateOSType: l.v.OSTypeName, Template: l.v.Family(), Guest: f.GuestFamily, GuestID: f.GuestID}
	if req.AllowTemplateMismatch {
		return mismatch.Error() + "; deploying on it as the request allows (AllowTemplateMismatch)", nil
	}
	return "", &Error{Code: fkerrors.Invalid,
		Fix: "name a " + string(f.GuestFamily) + " template in Request.TemplateID or Request.Templates (by guest family), " +
			"or set Request.AllowTemplateMismatch if the template is right",
		Err: mismatch}
}

// contradicts reports whether a template of family t obviously cannot hold guest g: one is
// Windows and the other Linux. An unknown or other family contradicts nothing.
func contradicts(t cloudstack.OSFamily, g vsphere.GuestFamily) bool {
	known := func(s string) bool { return s == string(cloudstack.OSWindows) || s == string(cloudstack.OSLinux) }
	return known(string(t)) && known(string(g)) && string(t) != string(g)
}

// bootOf is the firmware the new VM is deployed with: UEFI for an EFI source, in SECURE
// mode with Secure Boot on and LEGACY otherwise, BIOS (LEGACY) for a BIOS source, and the
// template's own setting when vCenter reports neither.
func bootOf(firmware string, secureBoot bool) (cloudstack.BootType, cloudstack.BootMode) {
	switch strings.ToLower(firmware) {
	case "efi":
		if secureBoot {
			return cloudstack.BootUEFI, cloudstack.BootSecure
		}
		return cloudstack.BootUEFI, cloudstack.BootLegacy
	case "bios":
		return cloudstack.BootBIOS, cloudstack.BootLegacy
	}
	return "", ""
}

// lookUpCatalog looks up the candidate networks and templates side by side.
func (r *run) lookUpCatalog(ctx context.Context, networks, templates []string) catalog {
	c := catalog{networks: map[string]lookup[cloudstack.Network]{}, templates: map[string]lookup[cloudstack.Template]{}}
	fns := make([]func(context.Context) error, 0, len(networks)+len(templates))
	nets := make([]lookup[cloudstack.Network], len(networks))
	tmpls := make([]lookup[cloudstack.Template], len(templates))
	for i, id := range networks {
		fns = append(fns, func(ctx context.Context) error {
			nets[i].v, nets[i].err = r.cs.GetNetwork(ctx, id)
			return nil
		})
	}
	for i, id := range templates {
		fns = append(fns, func(ctx context.Context) error {
			tmpls[i].v, tmpls[i].err = r.cs.GetTemplate(ctx, id)
			return nil
		})
	}
	parallel(ctx, fns...)
	for i, id := range networks {
		c.networks[id] = nets[i]
	}
	for i, id := range templates {
		c.templates[id] = tmpls[i]
	}
	return c
}
