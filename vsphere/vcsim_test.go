package vsphere_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// account is the credential set name the fixtures store their vCenter set under.
const account = "vc-test"

// fakeVCenter is an in-process vcsim that demands one service account (whose password the
// test can rotate) plus an admin account the test uses to look at and change vCenter state
// behind the pool's back. Its credentials live in a credentials.Memory source, as an
// operator's would live in the appliance database.
type fakeVCenter struct {
	t      testing.TB
	model  *simulator.Model
	server *simulator.Server
	source *credentials.Memory
	admin  *govmomi.Client

	mu        sync.Mutex
	faults    []*injected
	calls     map[string]int // the service account's calls by method
	user      string
	password  string
	adminUser string
	adminPass string
}

var vcsimCreate sync.Mutex

// newVCenter starts a vcsim VPX inventory (datacenter DC0, hosts, VMs DC0_H0_VM0 ...) over
// TLS. configure may adjust the model before it is created.
func newVCenter(t testing.TB, configure ...func(*simulator.Model)) *fakeVCenter {
	t.Helper()
	model := simulator.VPX()
	// Every vcsim VPX reports the same instance UUID; real vCenters each have their own.
	model.ServiceContent.About.InstanceUuid = testkit.RandomHex(4) + "-" + testkit.RandomHex(2) + "-" + testkit.RandomHex(2) + "-" +
		testkit.RandomHex(2) + "-" + testkit.RandomHex(6)
	for _, f := range configure {
		f(model)
	}
	// vcsim's model building touches package globals, so models are built one at a time;
	// the servers then run in parallel.
	vcsimCreate.Lock()
	defer vcsimCreate.Unlock()
	require.NoError(t, model.Create())
	model.Service.TLS = new(tls.Config)

	v := &fakeVCenter{
		t:         t,
		model:     model,
		user:      "svc-" + testkit.RandomHex(3),
		password:  "pw-" + testkit.RandomHex(12),
		adminUser: "admin-" + testkit.RandomHex(3),
		adminPass: "pw-" + testkit.RandomHex(12),
	}
	// User info on Listen makes vcsim demand credentials; ValidLogin then decides which.
	model.Service.Listen = &url.URL{User: url.UserPassword(v.user, v.password)}
	model.Map().SessionManager().ValidLogin = v.validLogin
	model.Map().Handler = v.hook
	v.server = model.Service.NewServer()

	v.source = credentials.NewMemory(slog.New(slog.DiscardHandler))
	v.source.PutVSphere(account, credentials.VSphere{
		Host:               v.server.URL.Host,
		Username:           v.user,
		Password:           credentials.NewSecret(v.password),
		InsecureSkipVerify: true,
	})

	ctx := context.Background()
	u := *v.server.URL
	u.User = url.UserPassword(v.adminUser, v.adminPass)
	admin, err := govmomi.NewClient(ctx, &u, true)
	require.NoError(t, err)
	v.admin = admin

	t.Cleanup(func() {
		_ = admin.Logout(context.Background())
		v.server.Close()
		model.Remove()
	})
	return v
}

func (v *fakeVCenter) validLogin(l *types.Login) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return (l.UserName == v.user && l.Password == v.password) ||
		(l.UserName == v.adminUser && l.Password == v.adminPass)
}

// rotateInVCenter changes the password vCenter accepts, and nothing else.
func (v *fakeVCenter) rotateInVCenter() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.password = "pw-" + testkit.RandomHex(12)
	return v.password
}

// rotate changes the password in vCenter and in the credential source, as an operator would.
func (v *fakeVCenter) rotate() {
	pw := v.rotateInVCenter()
	set, err := v.source.VSphere(context.Background(), credentials.Account(account))
	require.NoError(v.t, err)
	set.Password = credentials.NewSecret(pw)
	v.source.PutVSphere(account, set)
}

// creds fetches the current set, as every operation does.
func (v *fakeVCenter) creds() credentials.VSphere {
	set, err := v.source.VSphere(context.Background(), credentials.Account(account))
	require.NoError(v.t, err)
	return set
}

// sessions lists the service account's sessions as vCenter sees them.
func (v *fakeVCenter) sessions() []types.UserSession {
	v.t.Helper()
	var sm mo.SessionManager
	pc := property.DefaultCollector(v.admin.Client)
	require.NoError(v.t, pc.RetrieveOne(context.Background(), *v.admin.ServiceContent.SessionManager, []string{"sessionList"}, &sm))
	var out []types.UserSession
	for _, s := range sm.SessionList {
		if s.UserName == v.user {
			out = append(out, s)
		}
	}
	return out
}

// terminate ends the service account's sessions server side, as vCenter does when it expires
// them.
func (v *fakeVCenter) terminate() {
	v.t.Helper()
	var keys []string
	for _, s := range v.sessions() {
		keys = append(keys, s.Key)
	}
	require.NotEmpty(v.t, keys)
	require.NoError(v.t, v.admin.SessionManager.TerminateSession(context.Background(), keys))
}

// simVM returns vcsim's object for the named VM.
func (v *fakeVCenter) simVM(name string) *simulator.VirtualMachine {
	v.t.Helper()
	for _, e := range v.model.Map().All("VirtualMachine") {
		var vm *simulator.VirtualMachine
		switch o := e.(type) {
		case *simulator.VirtualMachine:
			vm = o
		case interface {
			simVM() *simulator.VirtualMachine
		}:
			vm = o.simVM()
		}
		if vm != nil && vm.Name == name {
			return vm
		}
	}
	v.t.Fatalf("no VM %s in the model", name)
	return nil
}

// setTools marks VMware Tools running (or not) in the named VM's guest.
func (v *fakeVCenter) setTools(name string, running bool) {
	status := types.VirtualMachineToolsRunningStatusGuestToolsNotRunning
	if running {
		status = types.VirtualMachineToolsRunningStatusGuestToolsRunning
	}
	v.model.Map().AtomicUpdate(v.model.Service.Context, v.simVM(name), []types.PropertyChange{
		{Name: "guest.toolsRunningStatus", Val: string(status)},
	})
}

// adminVM returns a govmomi handle on the named VM over the admin session.
func (v *fakeVCenter) adminVM(name string) *object.VirtualMachine {
	return object.NewVirtualMachine(v.admin.Client, v.simVM(name).Reference())
}

// powerState reads the named VM's power state over the admin session.
func (v *fakeVCenter) powerState(name string) vsphere.PowerState {
	v.t.Helper()
	st, err := v.adminVM(name).PowerState(context.Background())
	require.NoError(v.t, err)
	return vsphere.PowerState(st)
}

// setPower puts the named VM in the given state through the admin session.
func (v *fakeVCenter) setPower(name string, want vsphere.PowerState) {
	v.t.Helper()
	ctx := context.Background()
	vm := v.adminVM(name)
	var task *object.Task
	var err error
	switch want {
	case vsphere.PoweredOff:
		task, err = vm.PowerOff(ctx)
	case vsphere.PoweredOn:
		task, err = vm.PowerOn(ctx)
	case vsphere.Suspended:
		task, err = vm.Suspend(ctx)
	}
	require.NoError(v.t, err)
	require.NoError(v.t, task.Wait(ctx))
	require.Equal(v.t, want, v.powerState(name))
}

// injected is a fault (or a delay) vcsim answers the service account's calls of one method
// with. The fixture injects through the registry's method hook rather than vcsim's
// FaultInjector, whose rule counters are updated under a read lock and trip -race.
type injected struct {
	method string
	fault  types.BaseMethodFault // nil: delay or hold only
	delay  time.Duration
	hold   <-chan struct{} // the call waits until it is closed
	times  int             // 0: every call
	skip   int             // let this many matching calls through first
	hits   int
}

// inject adds a rule; the first matching rule with uses left applies.
func (v *fakeVCenter) inject(r injected) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults = append(v.faults, &r)
}

func (v *fakeVCenter) clearFaults() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults = nil
}

// hook is the registry's method hook: it runs before vcsim dispatches a call.
func (v *fakeVCenter) hook(ctx *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
	// A login has no session yet: it is the service account's if it names its user.
	login, isLogin := m.Body.(*types.Login)
	serviceLogin := isLogin && login.UserName == v.user
	if !serviceLogin && (ctx.Session == nil || ctx.Session.UserName != v.user) {
		return nil, nil
	}
	v.mu.Lock()
	if v.calls == nil {
		v.calls = map[string]int{}
	}
	v.calls[m.Name]++
	var rule injected
	for _, r := range v.faults {
		if r.method != m.Name {
			continue
		}
		if r.skip > 0 {
			r.skip--
			continue
		}
		if r.times == 0 || r.hits < r.times {
			r.hits++
			rule = *r
			break
		}
	}
	v.mu.Unlock()
	if rule.delay > 0 {
		select {
		case <-time.After(rule.delay):
		case <-ctx.Done():
		}
	}
	if rule.hold != nil {
		select {
		case <-rule.hold:
		case <-ctx.Done():
		}
	}
	return nil, rule.fault
}

// callCount returns how often the service account called method (logins included).
func (v *fakeVCenter) callCount(method string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.calls[method]
}

// findWithNewPool gets a Client from a new pool and finds the named VM with it, as an
// operation's first steps do.
func (v *fakeVCenter) findWithNewPool(name string) (*vsphere.Pool, *vsphere.Client, vsphere.VM) {
	v.t.Helper()
	p := newPool(v.t, nil)
	c := v.client(p)
	vm, err := c.FindVM(context.Background(), vsphere.ByName(name))
	require.NoError(v.t, err)
	return p, c, vm
}

// newPool returns a pool that logs into logs (when given) and is closed at the end of the test.
func newPool(t testing.TB, logs *testkit.LogBuffer, opts ...vsphere.Option) *vsphere.Pool {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	if logs != nil {
		logger = logs.Logger()
	}
	opts = append([]vsphere.Option{vsphere.WithLogger(logger), vsphere.WithPollInterval(50 * time.Millisecond)}, opts...)
	p := vsphere.NewPool(opts...)
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

// client fetches the current credentials and gets a Client, as an operation starts.
func (v *fakeVCenter) client(p *vsphere.Pool) *vsphere.Client {
	v.t.Helper()
	c, err := p.Client(context.Background(), v.creds())
	require.NoError(v.t, err)
	return c
}
