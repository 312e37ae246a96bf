package failovertest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"sort"
	"sync"

	vcsim "github.com/vmware/govmomi/simulator"

	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
)

// Lab is a running vCenter simulator and CloudStack simulator, seeded with source VMs and
// the appliances holding their replicated volumes. Create it with Start (or Run) and stop
// it with Close. It is safe for concurrent use.
type Lab struct {
	// Cloud is the CloudStack simulator: State and Calls to inspect it, FailNth, FailWhen
	// and ClearFaults to inject faults, SetLatency to slow it down.
	Cloud *simulator.Simulator
	// Sources are the prepared source VMs, in vCenter inventory name order.
	Sources []SourceVM

	logger    *slog.Logger
	model     *vcsim.Model
	server    *vcsim.Server
	closeOnce sync.Once

	mu        sync.Mutex
	seeds     map[string]simulator.Seeded // by CloudStack account
	catalogs  map[string]Catalog          // by CloudStack account
	accounts  []string                    // CloudStack accounts in seeding order
	user      string                      // the vCenter service account
	password  string
	adminUser string // a second vCenter account, for terminating the service account's sessions
	adminPass string
	faults    []*vsphereFault
	calls     []string
	fired     int
}

// defaultCloudNetwork names each account's default CloudStack network.
const defaultCloudNetwork = "network-1"

// maxVolumesPerAppliance keeps each appliance below the data volume limit of every
// hypervisor CloudStack supports (KVM's is 26), whatever the simulator is told.
const maxVolumesPerAppliance = 24

// vcsimMu serialises building and removing vcsim models: vcsim builds a model from
// package-level templates that it changes as it goes.
var vcsimMu sync.Mutex

// Start starts both simulators and seeds them as opts say. The caller must Close the lab.
func Start(opts Options) (*Lab, error) {
	if opts.SourceVMs <= 0 {
		opts.SourceVMs = 1
	}
	if opts.VolumesPerVM <= 0 {
		opts.VolumesPerVM = 2
	}
	if opts.VolumesPerVM > maxVolumesPerAppliance {
		return nil, fmt.Errorf("failovertest: %d volumes per VM asked for; at most %d fit on an appliance", opts.VolumesPerVM, maxVolumesPerAppliance)
	}
	if len(opts.Guests) > opts.SourceVMs {
		return nil, fmt.Errorf("failovertest: %d guests asked for but %d source VMs; raise Options.SourceVMs", len(opts.Guests), opts.SourceVMs)
	}
	for i, g := range opts.Guests {
		if err := g.check(); err != nil {
			return nil, fmt.Errorf("failovertest: Options.Guests[%d]: %w", i, err)
		}
	}
	seen := map[string]bool{defaultCloudNetwork: true}
	for _, n := range opts.CloudNetworks {
		if n == "" || seen[n] {
			return nil, fmt.Errorf("failovertest: Options.CloudNetworks: %q is empty or named twice (%q is the default network's name)", n, defaultCloudNetwork)
		}
		seen[n] = true
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Lab{
		logger:    logger,
		seeds:     map[string]simulator.Seeded{},
		catalogs:  map[string]Catalog{},
		user:      "svc-" + randomHex(3),
		password:  fakePassword(),
		adminUser: "admin-" + randomHex(3),
		adminPass: fakePassword(),
	}
	if err := l.startVCenter(opts.SourceVMs); err != nil {
		return nil, err
	}
	l.Cloud = simulator.New(append([]simulator.Option{simulator.WithLogger(logger)}, opts.CloudStackOptions...)...)
	if err := l.seed(opts); err != nil {
		l.Close()
		return nil, err
	}
	if err := l.shapeGuests(opts.Guests); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// startVCenter builds a vcsim inventory with at least vms VMs and serves it on loopback,
// accepting the service account and the admin account only.
func (l *Lab) startVCenter(vms int) error {
	model := vcsim.VPX()
	model.Machine = max(2, (vms+1)/2) // VMs per host; the VPX model has two hosts
	vcsimMu.Lock()
	defer vcsimMu.Unlock()
	if err := model.Create(); err != nil {
		return fmt.Errorf("failovertest: create the vCenter inventory: %w", err)
	}
	model.Service.Listen = &url.URL{User: url.UserPassword(l.user, l.password)}
	model.Map().SessionManager().ValidLogin = l.validLogin
	model.Map().Handler = l.intercept
	l.model = model
	l.server = model.Service.NewServer()
	return nil
}

// seed prepares the source VMs: each CloudStack account gets an appliance holding the
// volumes of as many source VMs as fit.
func (l *Lab) seed(opts Options) error {
	vms := l.vmNames()
	if len(vms) < opts.SourceVMs {
		return fmt.Errorf("failovertest: the vCenter inventory has %d VMs, %d asked for", len(vms), opts.SourceVMs)
	}
	perAppliance := maxVolumesPerAppliance / opts.VolumesPerVM
	for i := 0; i < opts.SourceVMs; i += perAppliance {
		group := min(perAppliance, opts.SourceVMs-i)
		account := fmt.Sprintf("cloud%d", i/perAppliance+1)
		seeded, err := l.Cloud.Seed(simulator.Scenario{
			Account:         account,
			Zone:            "zone-" + account,
			Network:         defaultCloudNetwork,
			WindowsTemplate: "windows-template",
			Appliance: simulator.ApplianceSpec{
				Name:              "oma-" + account,
				ReplicatedVolumes: group * opts.VolumesPerVM,
			},
		})
		if err != nil {
			return fmt.Errorf("failovertest: seed CloudStack: %w", err)
		}
		l.seeds[account] = seeded
		catalog := Catalog{
			ZoneID: seeded.ZoneID, NetworkID: seeded.NetworkID, Networks: map[string]string{defaultCloudNetwork: seeded.NetworkID},
			LinuxTemplateID: seeded.TemplateID, WindowsTemplateID: seeded.WindowsTemplateID,
		}
		for k, name := range opts.CloudNetworks {
			id, err := l.Cloud.AddNetwork(simulator.Network{Name: name, ZoneID: seeded.ZoneID, CIDR: fmt.Sprintf("10.%d.0.0/24", k+2)})
			if err != nil {
				return fmt.Errorf("failovertest: add CloudStack network %q: %w", name, err)
			}
			catalog.Networks[name] = id
		}
		l.catalogs[account] = catalog
		l.accounts = append(l.accounts, account)
		for k := range group {
			name := vms[i+k]
			lo, hi := k*opts.VolumesPerVM, (k+1)*opts.VolumesPerVM
			l.Sources = append(l.Sources, SourceVM{
				Name:          name,
				Path:          "/DC0/vm/" + name,
				CloudAccount:  account,
				ApplianceVMID: seeded.ApplianceVMID,
				VolumeIDs:     seeded.VolumeIDs[lo:hi],
				DeviceIDs:     seeded.DeviceIDs[lo:hi],
			})
		}
	}
	return nil
}

// vmNames lists the inventory's VMs by name.
func (l *Lab) vmNames() []string {
	var names []string
	for _, e := range l.model.Map().All("VirtualMachine") {
		if vm, ok := e.(*vcsim.VirtualMachine); ok {
			names = append(names, vm.Name)
		}
	}
	sort.Strings(names)
	return names
}

// Catalog is what a lab's CloudStack account offers a failover to map a source VM onto.
type Catalog struct {
	ZoneID string
	// NetworkID is the account's default network, named "network-1"; Networks maps the
	// name of every network of the account - the default one and Options.CloudNetworks - to
	// its id.
	NetworkID string
	Networks  map[string]string
	// LinuxTemplateID is the default template, of OS type simulator.OSTypeLinux;
	// WindowsTemplateID is one of OS type simulator.OSTypeWindows.
	LinuxTemplateID   string
	WindowsTemplateID string
}

// Catalog returns what a CloudStack account offers: its zone, networks and templates.
// The offerings and the default template and network are also in CloudStackSet.
func (l *Lab) Catalog(account string) (Catalog, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.catalogs[account]
	if !ok {
		return Catalog{}, fmt.Errorf("failovertest: no CloudStack account %q; the lab has %q", account, l.accounts)
	}
	c.Networks = maps.Clone(c.Networks)
	return c, nil
}

// CloudAccounts returns the CloudStack accounts the lab created, one per appliance, in the
// order of the source VMs they hold.
func (l *Lab) CloudAccounts() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.accounts...)
}

// Close stops both simulators. It is safe to call more than once.
func (l *Lab) Close() {
	l.closeOnce.Do(func() {
		if l.Cloud != nil {
			l.Cloud.Close()
		}
		vcsimMu.Lock()
		defer vcsimMu.Unlock()
		if l.server != nil {
			l.server.Close()
		}
		if l.model != nil {
			l.model.Remove()
		}
	})
}

// fakePassword makes up a vCenter password that looks like what it is.
func fakePassword() string { return "fake-pw-" + randomHex(8) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
