package simulator_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignatureEdgeCasesThroughCloudStackGo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	values := []string{
		"plain",
		"with spaces  and  more",
		"star*star**",
		"ünïcödé ✓ 日本語",
		"a+b&c=d/e?f#g",
		"percent %41 %zz",
		"quotes \"'` <>",
		"UPPER lower MiXeD",
		"dots.dashes-under_scores",
	}
	for i, v := range values {
		for _, getOnly := range []bool{false, true} {
			method := map[bool]string{false: "POST", true: "GET"}[getOnly]
			t.Run(fmt.Sprintf("%s/%d", method, i), func(t *testing.T) {
				cs := csgo.NewAsyncClient(e.sim.URL(), e.seed.APIKey, e.seed.SecretKey, false)
				cs.HTTPGETOnly = getOnly
				p := cs.VirtualMachine.NewDeployVirtualMachineParams(e.seed.ServiceOfferingID, e.seed.TemplateID, e.seed.ZoneID)
				name := fmt.Sprintf("vm-%d-%s", i, strings.ToLower(method))
				p.SetName(name)
				p.SetDisplayname(v)
				p.SetStartvm(false)
				vm, err := cs.VirtualMachine.DeployVirtualMachine(p)
				require.NoError(t, err)
				assert.Equal(t, v, vm.Displayname)
				st, ok := e.sim.State().VM(vm.Id)
				require.True(t, ok)
				assert.Equal(t, v, st.DisplayName)

				// A GET list with the value as a filter exercises the query-string path.
				lp := cs.VirtualMachine.NewListVirtualMachinesParams()
				lp.SetKeyword(name)
				lp.SetName(name)
				l, err := cs.VirtualMachine.ListVirtualMachines(lp)
				require.NoError(t, err)
				require.Equal(t, 1, l.Count)
			})
		}
	}
}

func TestDeployUsesPostAndListsUseGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	e.deploy(t, "vm-a", false)
	_, err := e.cs.Zone.ListZones(e.cs.Zone.NewListZonesParams())
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, e.lastCall(t, "deployVirtualMachine").Method)
	assert.Equal(t, http.MethodGet, e.lastCall(t, "listZones").Method)
	assert.Equal(t, http.MethodGet, e.lastCall(t, "queryAsyncJobResult").Method)
}

// Go's url.QueryEscape keeps "~" and Java's URLEncoder does not, so the real server
// rejects such a request; the simulator must too, or tests would pass against it and fail
// in production.
func TestTildeInValueFailsAsOnCloudStack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	p := e.cs.VirtualMachine.NewDeployVirtualMachineParams(e.seed.ServiceOfferingID, e.seed.TemplateID, e.seed.ZoneID)
	p.SetName("tilde")
	p.SetDisplayname("home~dir")
	_, err := e.cs.VirtualMachine.DeployVirtualMachine(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CloudStack API error 401")
}

func TestHandBuiltAuthentication(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	t.Cleanup(sim.Close)
	key, secret := sim.AddAccount("ops")
	future := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	past := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)

	tests := []struct {
		name   string
		params func() url.Values
		want   int
	}{
		{"valid", func() url.Values { return signed("listZones", key, secret, nil) }, 200},
		{"valid lower-case apikey name", func() url.Values {
			p := url.Values{"command": {"listZones"}, "apikey": {key}, "response": {"json"}}
			p.Set("signature", simulator.Sign(p, secret))
			return p
		}, 200},
		{"valid java-style expires", func() url.Values {
			return signed("listZones", key, secret, url.Values{"expires": {time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05-0700")}})
		}, 200},
		{"no signatureversion ignores expires", func() url.Values {
			p := url.Values{"command": {"listZones"}, "apiKey": {key}, "response": {"json"}, "expires": {past}}
			p.Set("signature", simulator.Sign(p, secret))
			return p
		}, 200},
		{"missing signature", func() url.Values {
			p := signed("listZones", key, secret, nil)
			p.Del("signature")
			return p
		}, 401},
		{"missing apikey", func() url.Values {
			p := url.Values{"command": {"listZones"}, "response": {"json"}}
			p.Set("signature", simulator.Sign(p, secret))
			return p
		}, 401},
		{"unknown apikey", func() url.Values { return signed("listZones", "not-a-key", secret, nil) }, 401},
		{"wrong secret", func() url.Values { return signed("listZones", key, "wrong-secret", nil) }, 401},
		{"parameter changed after signing", func() url.Values {
			p := signed("listZones", key, secret, url.Values{"name": {"a"}})
			p.Set("name", "b")
			return p
		}, 401},
		{"parameter added after signing", func() url.Values {
			p := signed("listZones", key, secret, nil)
			p.Set("keyword", "x")
			return p
		}, 401},
		{"expired", func() url.Values { return signed("listZones", key, secret, url.Values{"expires": {past}}) }, 401},
		{"version 3 without expires", func() url.Values {
			p := url.Values{"command": {"listZones"}, "apiKey": {key}, "response": {"json"}, "signatureversion": {"3"}}
			p.Set("signature", simulator.Sign(p, secret))
			return p
		}, 401},
		{"malformed expires", func() url.Values {
			return signed("listZones", key, secret, url.Values{"expires": {"tomorrow"}})
		}, 401},
		{"signature of upper-cased string", func() url.Values {
			p := signed("listZones", key, secret, url.Values{"expires": {future}})
			p.Set("signature", strings.ToUpper(p.Get("signature")))
			return p
		}, 401},
		{"unknown command after valid auth", func() url.Values { return signed("listWidgets", key, secret, nil) }, 432},
		{"command names are case-sensitive", func() url.Values { return signed("listzones", key, secret, nil) }, 432},
	}
	for _, tc := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				status, body := raw(t, sim, method, tc.params())
				require.Equal(t, tc.want, status, body)
				switch tc.want {
				case 401:
					assert.EqualValues(t, 401, body["errorcode"])
					assert.Equal(t, simulator.TextUnauthorized, body["errortext"])
				case 432:
					assert.EqualValues(t, 432, body["errorcode"])
					assert.EqualValues(t, 9999, body["cserrorcode"])
					assert.Equal(t, simulator.TextUnknownCommand, body["errortext"])
				}
			})
		}
	}
}

func TestExpiryUsesTheConfiguredClock(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	sim := simulator.New(simulator.WithClock(func() time.Time { return now }))
	t.Cleanup(sim.Close)
	key, secret := sim.AddAccount("ops")
	// cloudstack-go stamps expires 15 minutes after the real time, long before 2030.
	cs := csgo.NewAsyncClient(sim.URL(), key, secret, false)
	_, err := cs.Zone.ListZones(cs.Zone.NewListZonesParams())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CloudStack API error 401 (CSExceptionErrorCode: 0): "+simulator.TextUnauthorized)

	ok := signed("listZones", key, secret, url.Values{"expires": {now.Add(time.Second).Format(time.RFC3339)}})
	status, _ := raw(t, sim, http.MethodGet, ok)
	assert.Equal(t, 200, status)
	atNow := signed("listZones", key, secret, url.Values{"expires": {now.Format(time.RFC3339)}})
	status, _ = raw(t, sim, http.MethodGet, atNow)
	assert.Equal(t, 200, status, "CloudStack rejects only an expiry strictly before now")
	justBefore := signed("listZones", key, secret, url.Values{"expires": {now.Add(-time.Second).Format(time.RFC3339)}})
	status, _ = raw(t, sim, http.MethodGet, justBefore)
	assert.Equal(t, 401, status)
}

func TestRotateAndRevokeKeys(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	t.Cleanup(sim.Close)
	k1, s1 := sim.AddAccount("ops")
	other, otherSecret := sim.AddAccount("audit")
	require.NotEqual(t, k1, other)
	k1again, s1again := sim.AddAccount("ops")
	assert.Equal(t, k1, k1again, "AddAccount on an existing account keeps its keys")
	assert.Equal(t, s1, s1again)

	list := func(key, secret string) error {
		cs := csgo.NewAsyncClient(sim.URL(), key, secret, false)
		_, err := cs.Zone.ListZones(cs.Zone.NewListZonesParams())
		return err
	}
	require.NoError(t, list(k1, s1))

	k2, s2, err := sim.RotateKeys("ops")
	require.NoError(t, err)
	require.NotEqual(t, k1, k2)
	require.NotEqual(t, s1, s2)
	assert.ErrorContains(t, list(k1, s1), "CloudStack API error 401")
	assert.ErrorContains(t, list(k1, s2), "CloudStack API error 401", "old key with new secret")
	assert.ErrorContains(t, list(k2, s1), "CloudStack API error 401", "new key with old secret")
	require.NoError(t, list(k2, s2))
	require.NoError(t, list(other, otherSecret), "other accounts are unaffected")

	require.NoError(t, sim.RevokeKeys("ops"))
	assert.ErrorContains(t, list(k2, s2), "CloudStack API error 401")
	k3, s3 := sim.AddAccount("ops")
	require.NotEqual(t, k2, k3)
	require.NoError(t, list(k3, s3))

	_, _, err = sim.RotateKeys("nobody")
	assert.True(t, errors.Is(err, simulator.ErrUnknownAccount))
	assert.True(t, errors.Is(sim.RevokeKeys("nobody"), simulator.ErrUnknownAccount))

	st := sim.State()
	require.Len(t, st.Accounts, 2)
	assert.Equal(t, "ops", st.Accounts[0].Name)
	assert.Equal(t, k3, st.Accounts[0].APIKey)
	assert.Equal(t, 1, st.Accounts[0].Rotations)

	// The call log proves which key and account each request used.
	calls := sim.CallsTo("listZones")
	wantKeys := []string{k1, k1, k1, k2, k2, other, k2, k3}
	wantAccounts := []string{"ops", "", "", "ops", "ops", "audit", "", "ops"}
	wantStatus := []int{200, 401, 401, 401, 200, 200, 401, 200}
	require.Len(t, calls, len(wantKeys))
	for i, c := range calls {
		assert.Equal(t, wantKeys[i], c.APIKey, "call %d", i)
		assert.Equal(t, wantAccounts[i], c.Account, "call %d", i)
		assert.Equal(t, wantStatus[i], c.HTTPStatus, "call %d", i)
		assert.Equal(t, wantStatus[i] != 200, c.Failed(), "call %d", i)
	}
	for _, c := range sim.Calls() {
		for name, vs := range c.Params {
			assert.NotEqual(t, "signature", strings.ToLower(name))
			for _, v := range vs {
				for _, s := range []string{s1, s2, s3, otherSecret} {
					assert.NotContains(t, v, s)
				}
			}
		}
	}
}

func TestNonAPIRequests(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	t.Cleanup(sim.Close)
	resp, err := http.Get(strings.TrimSuffix(sim.URL(), "/client/api") + "/other")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	req, err := http.NewRequest(http.MethodPut, sim.URL(), nil)
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Contains(t, sim.URL(), "http://127.0.0.1:")
	assert.Contains(t, sim.URL(), sim.Addr().String())

	// A body that cannot be parsed is CloudStack's 430.
	resp, err = sim.HTTPClient().Post(sim.URL(), "application/x-www-form-urlencoded", strings.NewReader("command=listZones&bad=%zz"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, simulator.CodeMalformedParameter, resp.StatusCode)
	calls := sim.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, 430, calls[0].ErrorCode)
}

// Sign must agree with cloudstack-go's own signing: same parameters, same secret.
func TestSignMatchesCloudStackGoEncoding(t *testing.T) {
	t.Parallel()
	p := url.Values{
		"command":              {"deployVirtualMachine"},
		"apiKey":               {"k"},
		"displayname":          {"a b*c ü/+&="},
		"details[0].cpuNumber": {"2"},
	}
	// cloudstack-go: EncodeValues, lower-case, HMAC-SHA1, base64.
	want := func() string {
		s := strings.ToLower(csgo.EncodeValues(p))
		mac := hmac.New(sha1.New, []byte("secret"))
		mac.Write([]byte(s))
		return base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}()
	assert.Equal(t, want, simulator.Sign(p, "secret"))
}

func TestAllowedCommandsActLikeARole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	require.NoError(t, e.sim.SetAllowedCommands("admin", []string{"listVolumes", "queryAsyncJobResult"}))
	_, err := e.cs.Volume.ListVolumes(e.cs.Volume.NewListVolumesParams())
	require.NoError(t, err)
	err = e.detach(e.seed.VolumeIDs[0])
	require.ErrorContains(t, err, "CloudStack API error 432 (CSExceptionErrorCode: 9999): "+simulator.TextUnknownCommand)
	v, _ := e.sim.State().Volume(e.seed.VolumeIDs[0])
	assert.True(t, v.Attached())

	require.NoError(t, e.sim.SetAllowedCommands("admin", nil))
	require.NoError(t, e.detach(e.seed.VolumeIDs[0]))
	assert.ErrorIs(t, e.sim.SetAllowedCommands("nobody", nil), simulator.ErrUnknownAccount)
}
