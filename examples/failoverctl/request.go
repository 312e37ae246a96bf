package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// requestFlags build a failover.Request.
type requestFlags struct {
	context           string
	cloudStackAccount string
	vCenterAccount    string
	vmContext         string
	allowDefault      bool
	vmPath            string
	vmUUID            string
	vmBIOSUUID        string
	vmName            string
	volumes           []string
	boot              string
	name              string
	zone              string
	template          string
	network           string
	serviceOffering   string
	diskOffering      string
	gracefulTimeout   time.Duration
	hard              bool
	hardSet           bool
	guest             guestFlags
}

func (f *requestFlags) register(fs *pflag.FlagSet, live bool) {
	fs.StringVar(&f.context, "context", "", "build the request from the appliance's tables for this replication context `ID`: source VM, volumes, "+
		"credential sets and network mappings (--db with the appliance's database only; the appliance's tables then follow the job)")
	fs.StringVar(&f.cloudStackAccount, "cloudstack-account", "", "CloudStack credential set by `name`, or id:N (default: the active config)")
	fs.StringVar(&f.vCenterAccount, "vcenter-account", "", "vCenter credential set by `name`, or id:N (default: the default set)")
	fs.StringVar(&f.vmContext, "vm-context", "", "use the vCenter set the appliance database links to this replication `context` id or VM name (--db only; instead of --vcenter-account)")
	fs.BoolVar(&f.allowDefault, "allow-default", false, "use the default set when a named account is missing (logged as a warning)")
	fs.StringVar(&f.vmPath, "vm-path", "", "source VM by inventory `path`, e.g. /DC1/vm/app01")
	fs.StringVar(&f.vmUUID, "vm-uuid", "", "source VM by instance UUID")
	fs.StringVar(&f.vmBIOSUUID, "vm-bios-uuid", "", "source VM by BIOS UUID")
	fs.StringVar(&f.vmName, "vm-name", "", "source VM by name (must be unique)")
	fs.StringArrayVar(&f.volumes, "volume", nil, "replicated CloudStack volume `ID`, repeatable, in attach order; the first boots unless --boot names another")
	fs.StringVar(&f.boot, "boot", "", "the --volume `ID` to boot from")
	fs.StringVar(&f.name, "name", "", "name of the VM created in CloudStack (default: from the source VM and the job)")
	fs.StringVar(&f.zone, "zone", "", "zone id (default: the credential set's)")
	fs.StringVar(&f.template, "template", "", "template id (default: the credential set's)")
	fs.StringVar(&f.network, "network", "", "network id (default: the credential set's)")
	fs.StringVar(&f.serviceOffering, "service-offering", "", "service offering id (default: the credential set's)")
	fs.StringVar(&f.diskOffering, "disk-offering", "", "disk offering id (default: the credential set's)")
	f.guest.register(fs)
	if live {
		fs.DurationVar(&f.gracefulTimeout, "graceful-timeout", 0, "how long the source VM's guest may take to shut down (default: the engine's)")
		fs.BoolVar(&f.hard, "hard", false, "power the source VM off hard when the guest does not shut down in time (simulator mode: default true, its guests run no VMware Tools)")
	}
}

// request builds the request of a flow of kind. In simulator mode, with no VM or volumes
// given, it fails over the lab's first source VM.
func (f *requestFlags) request(ctx context.Context, b *backend, kind failover.Kind) (failover.Request, error) {
	if f.context != "" {
		return f.contextRequest(ctx, b, kind)
	}
	req := failover.Request{
		Name: f.name, Zone: f.zone, TemplateID: f.template, NetworkID: f.network,
		ServiceOfferingID: f.serviceOffering, DiskOfferingID: f.diskOffering,
		PowerOff: failover.PowerOffPolicy{GracefulTimeout: f.gracefulTimeout, AllowHard: f.hard},
	}
	var err error
	if req.CloudStack, err = parseRef("--cloudstack-account", f.cloudStackAccount, f.allowDefault); err != nil {
		return req, err
	}
	if req.VCenter, err = parseRef("--vcenter-account", f.vCenterAccount, f.allowDefault); err != nil {
		return req, err
	}
	req.VMContext = f.vmContext
	var locators []vsphere.Locator
	for _, l := range []struct {
		v  string
		by func(string) vsphere.Locator
	}{{f.vmPath, vsphere.ByPath}, {f.vmUUID, vsphere.ByInstanceUUID}, {f.vmBIOSUUID, vsphere.ByBIOSUUID}, {f.vmName, vsphere.ByName}} {
		if l.v != "" {
			locators = append(locators, l.by(l.v))
		}
	}
	volumes := f.volumes
	if b.lab != nil && !f.hardSet {
		// The simulated guests run no VMware Tools, so a graceful shutdown cannot succeed.
		req.PowerOff.AllowHard = true
	}
	if b.lab != nil && len(locators) == 0 && len(volumes) == 0 {
		s := b.lab.Sources[0]
		locators, volumes = []vsphere.Locator{s.Locator()}, s.VolumeIDs
	}
	switch len(locators) {
	case 0:
		return req, usagef("name the VM with one of --vm-path, --vm-uuid, --vm-bios-uuid, --vm-name", "no source VM given")
	case 1:
		req.VM = locators[0]
	default:
		return req, usagef("keep one of --vm-path, --vm-uuid, --vm-bios-uuid, --vm-name", "%d source VM locators given", len(locators))
	}
	if len(volumes) == 0 {
		return req, usagef("name the replicated volumes with --volume ID (repeatable), boot volume first", "no volumes given")
	}
	bootFound := f.boot == ""
	for i, id := range volumes {
		boot := id == f.boot || (f.boot == "" && i == 0)
		bootFound = bootFound || id == f.boot
		req.Volumes = append(req.Volumes, failover.Volume{ID: id, Boot: boot})
	}
	if !bootFound {
		return req, usagef("give --boot one of the --volume ids", "--boot %s is not among the volumes", f.boot)
	}
	return req, f.guest.apply(&req, kind)
}

// contextRequest builds the request from the appliance's tables (appliance.RequestFor); the
// placement and power-off flags still apply.
func (f *requestFlags) contextRequest(ctx context.Context, b *backend, kind failover.Kind) (failover.Request, error) {
	for _, c := range []struct {
		set  bool
		name string
	}{{f.vmPath != "", "--vm-path"}, {f.vmUUID != "", "--vm-uuid"}, {f.vmBIOSUUID != "", "--vm-bios-uuid"}, {f.vmName != "", "--vm-name"},
		{len(f.volumes) > 0, "--volume"}, {f.boot != "", "--boot"}, {f.vmContext != "", "--vm-context"},
		{f.cloudStackAccount != "", "--cloudstack-account"}, {f.vCenterAccount != "", "--vcenter-account"}} {
		if c.set {
			return failover.Request{}, usagef("drop "+c.name+": --context takes the VM, its volumes and its credential sets from the appliance's tables",
				"%s and --context both name what to fail over", c.name)
		}
	}
	if b.mode != "database" {
		return failover.Request{}, usagef("give --db the appliance's database", "--context reads the appliance's tables; the %s source has none", b.mode)
	}
	if b.journal == nil && b.journalErr != nil {
		// Failing over a replicated VM without keeping its status would let the replication
		// scheduler write into volumes that have left the appliance.
		return failover.Request{}, fmt.Errorf("--context needs the appliance's tables, to keep them in step with the job: %w", b.journalErr)
	}
	req, err := appliance.RequestFor(ctx, b.db, f.context, kind)
	if err != nil {
		return req, err
	}
	req.Name, req.Zone, req.TemplateID, req.NetworkID = f.name, f.zone, f.template, f.network
	req.ServiceOfferingID, req.DiskOfferingID = f.serviceOffering, f.diskOffering
	req.PowerOff = failover.PowerOffPolicy{GracefulTimeout: f.gracefulTimeout, AllowHard: f.hard}
	return req, f.guest.apply(&req, kind)
}

// parseRef reads an account flag: "" is the default set, "id:N" an id, anything else a name.
func parseRef(flag, v string, allowDefault bool) (credentials.Ref, error) {
	var ref credentials.Ref
	if id, ok := strings.CutPrefix(v, "id:"); ok {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			return ref, usagef(flag+" id:N takes a positive number", "%s %q is not an id", flag, v)
		}
		ref = credentials.AccountID(n)
	} else if v != "" {
		ref = credentials.Account(v)
	}
	if allowDefault && !ref.IsDefault() {
		ref.AllowDefault = true
	}
	return ref, nil
}

// describeRequest is a one-line summary for plain output.
func describeRequest(req failover.Request) string {
	ids := make([]string, len(req.Volumes))
	for i, v := range req.Volumes {
		ids[i] = v.ID
		if v.Boot {
			ids[i] += " (boot)"
		}
	}
	return fmt.Sprintf("VM %s, volumes %s, CloudStack %s, vCenter %s", req.VM, strings.Join(ids, ", "), req.CloudStack, req.VCenter)
}
