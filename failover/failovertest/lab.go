package failovertest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
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
	accounts  []string                    // CloudStack accounts in seeding order
	user      string                      // the vCenter service account
	password  string
	adminUser string // a second vCenter account, for terminating the service account's sessions
	adminPass string
	faults    []*vsphereFault
	calls     []string
	fired     int
}

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
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Lab{
		logger:    logger,
		seeds:     map[string]simulator.Seeded{},
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
			Account: account,
			Zone:    "zone-" + account,
			Appliance: simulator.ApplianceSpec{
				Name:              "oma-" + account,
				ReplicatedVolumes: group * opts.VolumesPerVM,
			},
		})
		if err != nil {
			return fmt.Errorf("failovertest: seed CloudStack: %w", err)
		}
		l.seeds[account] = seeded
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
