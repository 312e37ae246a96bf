// Package lab starts the two in-process simulators a failover needs - vcsim for vCenter and
// the CloudStack simulator - seeded so that each source VM in vCenter has its replicated
// volumes attached to an appliance VM in CloudStack. Tests, benchmarks and the example
// programs run the Engine against it with no servers to set up.
//
// vCenter demands one service account whose password the lab can rotate; CloudStack has one
// account per appliance whose keys it can rotate. The lab hands out credential sets; where
// they are stored (memory, a database, the environment) is the caller's choice.
package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Options shape a lab.
type Options struct {
	// SourceVMs is how many source VMs to prepare (default 1).
	SourceVMs int
	// VolumesPerVM is how many replicated volumes each has (default 2; the first boots).
	VolumesPerVM int
	// Latency holds every CloudStack call this long (default none).
	Latency time.Duration
	// RunningVMSnapshots makes CloudStack snapshot volumes of running VMs, as a KVM cloud
	// with kvm.snapshot.enabled=true does; by default it refuses, as a default cloud does.
	RunningVMSnapshots bool
	// Logger receives the simulators' logs (default: discarded).
	Logger *slog.Logger
}

// Source is one prepared source VM and where its replicated volumes are.
type Source struct {
	// Name and Path identify the VM in vCenter.
	Name, Path string
	// CloudAccount is the CloudStack account (and credential set name) whose appliance VM
	// holds the VM's volumes.
	CloudAccount string
	// ApplianceVMID is that appliance VM.
	ApplianceVMID string
	// VolumeIDs are the replicated volumes, boot volume first; DeviceIDs their devices on
	// the appliance.
	VolumeIDs []string
	DeviceIDs []int
}

// Locator finds the source VM in vCenter.
func (s Source) Locator() vsphere.Locator { return vsphere.ByPath(s.Path) }

// Lab is a running pair of simulators. It is safe for concurrent use.
type Lab struct {
	// Cloud is the CloudStack simulator.
	Cloud *cssim.Simulator
	// Sources are the prepared source VMs.
	Sources []Source

	model  *simulator.Model
	server *simulator.Server
	seeds  map[string]cssim.Seeded

	mu        sync.Mutex
	user      string
	password  string
	adminUser string
	adminPass string
	faults    []*vsphereFault
	calls     []string
	fired     int
}

// maxPerAppliance keeps each appliance within CloudStack's data-volume limit.
const maxVolumesPerAppliance = 24

// Start starts both simulators and seeds them.
func Start(opts Options) (*Lab, error) {
	if opts.SourceVMs <= 0 {
		opts.SourceVMs = 1
	}
	if opts.VolumesPerVM <= 0 {
		opts.VolumesPerVM = 2
	}
	if opts.VolumesPerVM > maxVolumesPerAppliance {
		return nil, fmt.Errorf("lab: at most %d volumes per VM", maxVolumesPerAppliance)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Lab{seeds: map[string]cssim.Seeded{}, user: "svc-" + randomHex(3), password: "fake-pw-" + randomHex(8),
		adminUser: "admin-" + randomHex(3), adminPass: "fake-admin-pw-" + randomHex(8)}

	model := simulator.VPX()
	model.Machine = max(2, (opts.SourceVMs+1)/2)
	// vcsim builds a model from package-level templates that it modifies as it goes, so two
	// models may not be created (or removed) at once.
	vcsimMu.Lock()
	err := model.Create()
	if err == nil {
		model.Service.Listen = &url.URL{User: url.UserPassword(l.user, l.password)}
		model.Map().SessionManager().ValidLogin = l.validLogin
		model.Map().Handler = l.hook
		l.model = model
		l.server = model.Service.NewServer()
	}
	vcsimMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("lab: create vCenter inventory: %w", err)
	}

	var simOpts []cssim.Option
	simOpts = append(simOpts, cssim.WithLogger(logger))
	if opts.RunningVMSnapshots {
		simOpts = append(simOpts, cssim.WithRunningVMSnapshots(true))
	}
	if opts.Latency > 0 {
		simOpts = append(simOpts, cssim.WithLatency(opts.Latency))
	}
	l.Cloud = cssim.New(simOpts...)

	vms := l.vmNames()
	if len(vms) < opts.SourceVMs {
		l.Close()
		return nil, fmt.Errorf("lab: vCenter inventory has %d VMs, %d asked for", len(vms), opts.SourceVMs)
	}
	perAppliance := maxVolumesPerAppliance / opts.VolumesPerVM
	for i := 0; i < opts.SourceVMs; i += perAppliance {
		group := min(perAppliance, opts.SourceVMs-i)
		account := fmt.Sprintf("cloud%d", i/perAppliance+1)
		seeded, err := l.Cloud.Seed(cssim.Scenario{
			Account: account,
			Zone:    "zone-" + account,
			Appliance: cssim.ApplianceSpec{
				Name:              "oma-" + account,
				ReplicatedVolumes: group * opts.VolumesPerVM,
			},
		})
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("lab: seed CloudStack: %w", err)
		}
		l.seeds[account] = seeded
		for k := range group {
			name := vms[i+k]
			lo, hi := k*opts.VolumesPerVM, (k+1)*opts.VolumesPerVM
			l.Sources = append(l.Sources, Source{
				Name: name, Path: "/DC0/vm/" + name, CloudAccount: account,
				ApplianceVMID: seeded.ApplianceVMID,
				VolumeIDs:     seeded.VolumeIDs[lo:hi],
				DeviceIDs:     seeded.DeviceIDs[lo:hi],
			})
		}
	}
	return l, nil
}

// vmNames lists the inventory's VMs by name, the standalone host's first.
func (l *Lab) vmNames() []string {
	var names []string
	for _, e := range l.model.Map().All("VirtualMachine") {
		if vm, ok := e.(*simulator.VirtualMachine); ok {
			names = append(names, vm.Name)
		}
	}
	sort.Strings(names)
	return names
}

// Close stops both simulators.
func (l *Lab) Close() {
	if l.Cloud != nil {
		l.Cloud.Close()
	}
	vcsimMu.Lock()
	defer vcsimMu.Unlock()
	if l.server != nil {
		l.server.Close()
	}
	l.model.Remove()
}

var vcsimMu sync.Mutex

// CloudStackSet returns the current credential set of a CloudStack account, with the
// appliance VM and default placement filled in as an operator would store them.
func (l *Lab) CloudStackSet(account string) (credentials.CloudStack, error) {
	l.mu.Lock()
	s, ok := l.seeds[account]
	l.mu.Unlock()
	if !ok {
		return credentials.CloudStack{}, fmt.Errorf("lab: no CloudStack account %q", account)
	}
	return credentials.CloudStack{
		APIURL:            l.Cloud.URL(),
		APIKey:            credentials.NewSecret(s.APIKey),
		SecretKey:         credentials.NewSecret(s.SecretKey),
		Zone:              s.ZoneID,
		ApplianceVMID:     s.ApplianceVMID,
		TemplateID:        s.TemplateID,
		NetworkID:         s.NetworkID,
		ServiceOfferingID: s.ServiceOfferingID,
		DiskOfferingID:    s.DiskOfferingID,
	}, nil
}

// RotateCloudStack gives a CloudStack account new keys (the old ones stop working at once)
// and returns the new set.
func (l *Lab) RotateCloudStack(account string) (credentials.CloudStack, error) {
	key, secret, err := l.Cloud.RotateKeys(account)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	l.mu.Lock()
	s := l.seeds[account]
	s.APIKey, s.SecretKey = key, secret
	l.seeds[account] = s
	l.mu.Unlock()
	return l.CloudStackSet(account)
}

// VSphereSet returns the current vCenter credential set. The lab's vCenter speaks plain
// HTTP on loopback, so no certificate is involved.
func (l *Lab) VSphereSet() credentials.VSphere {
	l.mu.Lock()
	defer l.mu.Unlock()
	return credentials.VSphere{
		Host:       "http://" + l.server.URL.Host + "/sdk",
		Username:   l.user,
		Password:   credentials.NewSecret(l.password),
		Datacenter: "DC0",
	}
}

// RotateVCenterPassword changes the password vCenter accepts (the old one stops working for
// new logins at once) and returns the new set.
func (l *Lab) RotateVCenterPassword() credentials.VSphere {
	l.mu.Lock()
	l.password = "fake-pw-" + randomHex(8)
	l.mu.Unlock()
	return l.VSphereSet()
}

func (l *Lab) validLogin(login *types.Login) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return (login.UserName == l.user && login.Password == l.password) ||
		(login.UserName == l.adminUser && login.Password == l.adminPass)
}

// ExpireVCenterSessions ends the service account's sessions in vCenter, as vCenter does when
// it expires them: the next call on one fails with NotAuthenticated.
func (l *Lab) ExpireVCenterSessions(ctx context.Context) error {
	u := *l.server.URL
	l.mu.Lock()
	u.User = url.UserPassword(l.adminUser, l.adminPass)
	l.mu.Unlock()
	admin, err := govmomi.NewClient(ctx, &u, true)
	if err != nil {
		return fmt.Errorf("lab: admin login: %w", err)
	}
	defer func() { _ = admin.Logout(context.WithoutCancel(ctx)) }()
	var sm mo.SessionManager
	pc := property.DefaultCollector(admin.Client)
	if err := pc.RetrieveOne(ctx, *admin.ServiceContent.SessionManager, []string{"sessionList"}, &sm); err != nil {
		return err
	}
	var keys []string
	for _, s := range sm.SessionList {
		if s.UserName == l.user {
			keys = append(keys, s.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return admin.SessionManager.TerminateSession(ctx, keys)
}

// PowerState returns the named VM's power state as vCenter holds it.
func (l *Lab) PowerState(name string) (vsphere.PowerState, error) {
	for _, e := range l.model.Map().All("VirtualMachine") {
		if vm, ok := e.(*simulator.VirtualMachine); ok && vm.Name == name {
			var st types.VirtualMachinePowerState
			l.model.Map().WithLock(l.model.Service.Context, vm, func() { st = vm.Runtime.PowerState })
			return vsphere.PowerState(st), nil
		}
	}
	return "", fmt.Errorf("lab: no VM %q", name)
}

// vsphereFault fails the nth call (1-based, counted from when it was added) of a vCenter
// method.
type vsphereFault struct {
	method string
	nth    int
	seen   int
}

// FailVSphere makes the nth next call of a vCenter method (e.g. "PowerOffVM_Task",
// "FindByUuid", "RetrievePropertiesEx") fail with a SystemError fault.
func (l *Lab) FailVSphere(method string, nth int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.faults = append(l.faults, &vsphereFault{method: method, nth: nth})
}

// hook runs before vcsim dispatches a call of the service account and applies faults.
func (l *Lab) hook(ctx *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ctx.Session == nil || ctx.Session.UserName != l.user {
		return nil, nil
	}
	l.calls = append(l.calls, m.Name)
	for _, f := range l.faults {
		if f.method != m.Name {
			continue
		}
		f.seen++
		if f.seen == f.nth {
			l.fired++
			return nil, &types.SystemError{Reason: "injected failure of " + m.Name}
		}
	}
	return nil, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// VSphereCalls returns the vCenter methods the service account called, in order, since the
// lab started or ResetVSphereCalls.
func (l *Lab) VSphereCalls() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

// ResetVSphereCalls forgets the calls recorded and the faults not yet fired.
func (l *Lab) ResetVSphereCalls() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls, l.faults = nil, nil
}

// VSphereFaultsFired counts the injected vCenter faults that fired.
func (l *Lab) VSphereFaultsFired() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fired
}
