package vsphere_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// operation is what a failover step does: fetch the set, get a client, act.
func operation(t testing.TB, v *fakeVCenter, p *vsphere.Pool) error {
	ctx := context.Background()
	c, err := p.Client(ctx, v.creds())
	if err != nil {
		return err
	}
	_, err = c.FindVM(ctx, vsphere.ByName("DC0_H0_VM0"))
	return err
}

func TestRotationOldPasswordRejectedNewAcceptedWithoutRestart(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	logs := &testkit.LogBuffer{}
	p := newPool(t, logs)
	ctx := context.Background()

	require.NoError(t, operation(t, v, p))
	old := v.creds()

	// The operator changes the password in vCenter; vCenter drops the old sessions.
	newPassword := v.rotateInVCenter()
	v.terminate()

	c, err := p.Client(ctx, old)
	if err == nil {
		_, err = c.FindVM(ctx, vsphere.ByName("DC0_H0_VM0"))
	}
	require.Error(t, err)
	require.ErrorIs(t, err, fkerrors.Unauthenticated)
	var ce *credentials.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "vsphere", ce.Source)
	assert.Equal(t, credentials.KindVSphere, ce.Kind)
	assert.Equal(t, account, ce.Account)
	assert.Contains(t, ce.Fix, old.Describe(), "the remedy names origin and version")
	assert.NotContains(t, err.Error(), old.Password.Reveal())
	assert.NotContains(t, err.Error(), newPassword)

	// The operator then stores the new password; the very next operation uses it.
	set := v.creds()
	set.Password = credentials.NewSecret(newPassword)
	v.source.PutVSphere(account, set)
	require.NoError(t, operation(t, v, p))
	assert.Len(t, v.sessions(), 1)

	assert.NotContains(t, logs.String(), old.Password.Reveal())
	assert.NotContains(t, logs.String(), newPassword)
}

func TestRejectedLoginLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	p := newPool(t, nil)
	ctx := context.Background()

	bad := v.creds()
	bad.Password = credentials.NewSecret("wrong-" + testkit.RandomHex(6))
	bad.Meta = credentials.Meta{Origin: bad.Origin, Version: bad.ContentVersion(), Fingerprint: bad.Password.Fingerprint(), FetchedAt: time.Now()}
	_, err := p.Client(ctx, bad)
	require.ErrorIs(t, err, fkerrors.Unauthenticated)
	assert.Contains(t, fkerrors.Remedy(err), bad.Describe())
	assert.NotContains(t, err.Error(), bad.Password.Reveal())
	assert.Equal(t, int64(0), p.Stats().Live)
	assert.Empty(t, v.sessions())

	require.NoError(t, operation(t, v, p))
	assert.Equal(t, int64(1), p.Stats().Logins)
}

func TestSessionAccounting(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	p := newPool(t, nil)

	// 100 operations with one credential version, four at a time: one login.
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				errs <- operation(t, v, p)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	st := p.Stats()
	assert.Equal(t, int64(1), st.Logins)
	assert.Equal(t, int64(1), st.Live)
	before := v.sessions()
	require.Len(t, before, 1)

	// A rotation: exactly one more login, and the old session is gone from vCenter.
	v.rotate()
	require.NoError(t, operation(t, v, p))
	st = p.Stats()
	assert.Equal(t, int64(2), st.Logins)
	assert.Equal(t, int64(1), st.Logouts)
	assert.Equal(t, int64(1), st.Live)
	after := v.sessions()
	require.Len(t, after, 1)
	assert.NotEqual(t, before[0].Key, after[0].Key)

	for i := 0; i < 10; i++ {
		require.NoError(t, operation(t, v, p))
	}
	assert.Equal(t, int64(2), p.Stats().Logins)

	require.NoError(t, p.Close(context.Background()))
	assert.Empty(t, v.sessions())
	assert.Equal(t, int64(0), p.Stats().Live)

	_, err := p.Client(context.Background(), v.creds())
	require.ErrorIs(t, err, fkerrors.Closed)
}

func TestChangedTLSSettingIsANewSession(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	roots := x509.NewCertPool()
	roots.AddCert(v.server.Certificate())
	p := newPool(t, nil, vsphere.WithRootCAs(roots))
	ctx := context.Background()

	require.NoError(t, operation(t, v, p))
	verified := v.creds()
	verified.InsecureSkipVerify = false
	c, err := p.Client(ctx, verified)
	require.NoError(t, err)
	_, err = c.FindVM(ctx, vsphere.ByName("DC0_H0_VM0"))
	require.NoError(t, err)

	assert.Equal(t, int64(2), p.Stats().Logins)
	assert.Len(t, v.sessions(), 1, "the session with the other TLS setting was logged out")
}

func TestNotAuthenticatedIsReestablishedOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		expire   func(v *fakeVCenter)
		wantErr  error
		relogins int64
	}{
		{
			name:     "session terminated by vCenter",
			expire:   func(v *fakeVCenter) { v.terminate() },
			relogins: 1,
		},
		{
			name: "one NotAuthenticated fault",
			expire: func(v *fakeVCenter) {
				v.inject(injected{method: "RetrievePropertiesEx", fault: new(types.NotAuthenticated), times: 1})
			},
			relogins: 1,
		},
		{
			name: "NotAuthenticated that persists",
			expire: func(v *fakeVCenter) {
				v.inject(injected{method: "RetrievePropertiesEx", fault: new(types.NotAuthenticated)})
			},
			wantErr:  vsphere.ErrSessionLost,
			relogins: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newVCenter(t)
			p, c, vm := v.findWithNewPool("DC0_H0_VM0")
			ctx := context.Background()

			tt.expire(v)
			_, err := c.Describe(ctx, vm)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			st := p.Stats()
			assert.Equal(t, tt.relogins, st.Relogins)
			assert.Equal(t, 1+tt.relogins, st.Logins)
			v.clearFaults()
			assert.Len(t, v.sessions(), 1, "the expired session is not kept alongside the new one")
		})
	}
}

func TestIdleSessionsAreLoggedOut(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	clock := testkit.NewClock(time.Now())
	p := newPool(t, nil, vsphere.WithIdleTimeout(20*time.Millisecond))
	vsphere.SetClock(p, clock.Now)

	assert.False(t, vsphere.JanitorRunning(p), "an empty pool runs no goroutine")
	require.NoError(t, operation(t, v, p))
	require.Len(t, v.sessions(), 1)
	assert.True(t, vsphere.JanitorRunning(p))

	clock.Advance(time.Hour)
	require.Eventually(t, func() bool { return len(v.sessions()) == 0 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, int64(0), p.Stats().Live)
	assert.Equal(t, int64(1), p.Stats().Logouts)
	require.Eventually(t, func() bool { return !vsphere.JanitorRunning(p) }, 5*time.Second, 10*time.Millisecond,
		"the sweeper stops once the pool is empty")

	require.NoError(t, operation(t, v, p))
	assert.Equal(t, int64(2), p.Stats().Logins)
	require.NoError(t, p.Close(context.Background()))
	assert.False(t, vsphere.JanitorRunning(p), "Close stops the sweeper")
	assert.Empty(t, v.sessions())
}

func TestIdleSessionIsReplacedOnUse(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	clock := testkit.NewClock(time.Now())
	p := newPool(t, nil, vsphere.WithIdleTimeout(time.Hour))
	vsphere.SetClock(p, clock.Now)

	require.NoError(t, operation(t, v, p))
	first := v.sessions()
	require.Len(t, first, 1)

	clock.Advance(2 * time.Hour)
	require.NoError(t, operation(t, v, p))
	st := p.Stats()
	assert.Equal(t, int64(2), st.Logins)
	assert.Equal(t, int64(1), st.Logouts)
	after := v.sessions()
	require.Len(t, after, 1)
	assert.NotEqual(t, first[0].Key, after[0].Key)
}

func TestMissingPrivilege(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	p := newPool(t, nil)
	c := v.client(p)
	v.inject(injected{method: "FindAllByUuid", fault: &types.NoPermission{PrivilegeId: "System.Read"}})
	_, err := c.FindVM(context.Background(), vsphere.ByInstanceUUID(v.simVM("DC0_H0_VM0").Config.InstanceUuid))
	require.ErrorIs(t, err, fkerrors.Permission)
	assert.Contains(t, fkerrors.Remedy(err)+err.Error(), "System.Read")
}

func TestCloseLogsOutSessionsInUseWhenTheyReturn(t *testing.T) {
	t.Parallel()
	v := newVCenter(t, func(m *simulator.Model) {
		m.DelayConfig.MethodDelay = map[string]int{"FindAllByUuid": 300}
	})
	p, c, vm := v.findWithNewPool("DC0_H0_VM0")
	ctx := context.Background()

	done := make(chan error, 1)
	go func() {
		_, err := c.FindVM(ctx, vsphere.ByInstanceUUID(vm.InstanceUUID))
		done <- err
	}()
	require.Eventually(t, func() bool { return p.Stats().Reuses >= 2 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, p.Close(ctx))
	require.NoError(t, <-done, "an operation running during Close finishes")
	assert.Empty(t, v.sessions())
	assert.Equal(t, int64(0), p.Stats().Live)
}

func TestBadCredentialSetsFailBeforeAnyLogin(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	tests := []struct {
		name   string
		change func(*credentials.VSphere)
		cat    error
		field  credentials.Field
	}{
		{"empty host", func(c *credentials.VSphere) { c.Host = "" }, fkerrors.Incomplete, credentials.FieldHost},
		{"empty password", func(c *credentials.VSphere) { c.Password = credentials.Secret{} }, fkerrors.Incomplete, credentials.FieldPassword},
		{"padded user", func(c *credentials.VSphere) { c.Username = " " + c.Username }, fkerrors.Invalid, credentials.FieldUsername},
		{"user info in host URL", func(c *credentials.VSphere) { c.Host = "https://someone:x@" + c.Host }, fkerrors.Invalid, credentials.FieldHost},
		{"host with a path but no scheme", func(c *credentials.VSphere) { c.Host += "/sdk" }, fkerrors.Invalid, credentials.FieldHost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newPool(t, nil)
			set := v.creds()
			tt.change(&set)
			_, err := p.Client(context.Background(), set)
			require.ErrorIs(t, err, tt.cat)
			var ce *credentials.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
			assert.Contains(t, ce.Fix, set.Origin.String())
			assert.Equal(t, int64(0), p.Stats().Logins)
		})
	}
}

func TestTLSVerification(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	ctx := context.Background()

	t.Run("untrusted certificate", func(t *testing.T) {
		p := newPool(t, nil)
		set := v.creds()
		set.InsecureSkipVerify = false
		_, err := p.Client(ctx, set)
		require.ErrorIs(t, err, fkerrors.Invalid)
		var ce *credentials.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, credentials.FieldHost, ce.Field)
		assert.Contains(t, ce.Fix, "insecure_skip_verify")
	})
	t.Run("trusted by WithRootCAs", func(t *testing.T) {
		roots := x509.NewCertPool()
		roots.AddCert(v.server.Certificate())
		logs := &testkit.LogBuffer{}
		p := newPool(t, logs, vsphere.WithRootCAs(roots))
		set := v.creds()
		set.InsecureSkipVerify = false
		_, err := p.Client(ctx, set)
		require.NoError(t, err)
		assert.NotContains(t, logs.String(), "verification is off")
	})
	t.Run("skipped verification is logged with the origin", func(t *testing.T) {
		logs := &testkit.LogBuffer{}
		p := newPool(t, logs)
		set := v.creds()
		_, err := p.Client(ctx, set)
		require.NoError(t, err)
		out := logs.String()
		assert.Contains(t, out, "verification is off")
		assert.Contains(t, out, set.Origin.String())
		assert.Contains(t, out, set.Version)
		assert.NotContains(t, out, set.Password.Reveal())
	})
}

func TestUnreachableVCenter(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	set := credentials.VSphere{Host: addr, Username: "svc-" + testkit.RandomHex(3),
		Password: credentials.NewSecret(testkit.RandomHex(8)), InsecureSkipVerify: true}
	set.Meta = credentials.Meta{Origin: credentials.Origin{Source: "test", Account: account}, Version: set.ContentVersion(), Fingerprint: set.Password.Fingerprint(), FetchedAt: time.Now()}
	p := newPool(t, nil)
	_, err = p.Client(context.Background(), set)
	require.ErrorIs(t, err, fkerrors.Unavailable)
	var ve *vsphere.Error
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "login", ve.Op)
	assert.Contains(t, ve.Fix, set.Describe())
}

func TestEveryCallHonoursContext(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	p, c, vm := v.findWithNewPool("DC0_H0_VM0")

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func(ctx context.Context) error{
		"client": func(ctx context.Context) error { _, err := p.Client(ctx, v.creds()); return err },
		"find":   func(ctx context.Context) error { _, err := c.FindVM(ctx, vsphere.ByName(vm.Name)); return err },
		"describe": func(ctx context.Context) error {
			_, err := c.Describe(ctx, vm)
			return err
		},
		"power off": func(ctx context.Context) error {
			_, err := c.PowerOff(ctx, vm, vsphere.PowerOffOptions{AllowHard: true})
			return err
		},
		"power on": func(ctx context.Context) error { _, err := c.PowerOn(ctx, vm); return err },
	}
	for name, call := range calls {
		err := call(cancelled)
		assert.ErrorIs(t, err, context.Canceled, name)
	}
	assert.Equal(t, vsphere.PoweredOn, v.powerState(vm.Name))

	// A slow vCenter answer is abandoned when the deadline passes.
	v.inject(injected{method: "FindAllByUuid", delay: 1500 * time.Millisecond, times: 1})
	ctx, cancelT := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelT()
	_, err := c.FindVM(ctx, vsphere.ByInstanceUUID(vm.InstanceUUID))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, errors.Is(err, fkerrors.Unavailable))
}

func TestWaitingForAnotherLoginHonoursContext(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	gate := make(chan struct{})
	release := sync.OnceFunc(func() { close(gate) })
	defer release()
	v.inject(injected{method: "Login", hold: gate, times: 1})
	p := newPool(t, nil)

	slow := make(chan error, 1)
	go func() {
		_, err := p.Client(context.Background(), v.creds())
		slow <- err
	}()
	// Once the first caller's login is held in vCenter, a second caller gives up waiting
	// for it when its own context ends.
	require.Eventually(t, func() bool { return v.callCount("Login") == 1 }, 30*time.Second, time.Millisecond,
		"the first login never reached vCenter")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	second := make(chan error, 1)
	go func() {
		_, err := p.Client(ctx, v.creds())
		second <- err
	}()
	select {
	case err := <-second:
		require.ErrorIs(t, err, context.DeadlineExceeded)
	case <-time.After(30 * time.Second):
		t.Fatal("the second caller kept waiting for the first login after its context ended")
	}
	assert.Equal(t, 1, v.callCount("Login"), "the second caller waited for the first login instead of logging in")

	release()
	require.NoError(t, <-slow)
	assert.Equal(t, int64(1), p.Stats().Logins)
	require.NoError(t, operation(t, v, p))
	assert.Equal(t, int64(1), p.Stats().Logins)
}

func TestEndpointForms(t *testing.T) {
	t.Parallel()
	tests := []struct{ host, want string }{
		{"vc.example", "https://vc.example/sdk"},
		{"VC.Example:8443", "https://vc.example:8443/sdk"},
		{"https://vc.example", "https://vc.example/sdk"},
		{"https://vc.example/", "https://vc.example/sdk"},
		{"https://vc.example:8443/sdk/", "https://vc.example:8443/sdk"},
		{"http://lab.example:8080/sdk", "http://lab.example:8080/sdk"},
	}
	for _, tt := range tests {
		set := credentials.VSphere{Host: tt.host, Username: "u", Password: credentials.NewSecret(testkit.RandomHex(4))}
		got, err := vsphere.Endpoint(set)
		require.NoError(t, err, tt.host)
		assert.Equal(t, tt.want, got, tt.host)
	}
}

func TestHostFormsShareOneSession(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	p := newPool(t, nil)
	ctx := context.Background()
	addr := v.server.URL.Host
	for _, host := range []string{addr, "https://" + addr, "https://" + addr + "/sdk", "https://" + addr + "/"} {
		set := v.creds()
		set.Host = host
		c, err := p.Client(ctx, set)
		require.NoError(t, err, host)
		_, err = c.FindVM(ctx, vsphere.ByName("DC0_H0_VM0"))
		require.NoError(t, err, host)
	}
	assert.Equal(t, int64(1), p.Stats().Logins)
	assert.Len(t, v.sessions(), 1)
}

func TestNoPasswordInClientRendering(t *testing.T) {
	t.Parallel()
	v := newVCenter(t)
	p := newPool(t, nil)
	set := v.creds()
	c, err := p.Client(context.Background(), set)
	require.NoError(t, err)
	for _, format := range []string{"%v", "%+v", "%#v"} {
		assert.NotContains(t, fmt.Sprintf(format, c), set.Password.Reveal(), format)
		assert.NotContains(t, fmt.Sprintf(format, p), set.Password.Reveal(), format)
	}
	assert.Equal(t, set.Meta, c.Credentials())
}
