package cloudstack_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// networks adds two networks to the rig's zone and returns the ids of all three.
func (r *rig) networks(t *testing.T) (a, b, c string) {
	t.Helper()
	b, err := r.sim.AddNetwork(simulator.Network{Name: "net-b", ZoneID: r.seed.ZoneID, CIDR: "10.2.0.0/24"})
	require.NoError(t, err)
	c, err = r.sim.AddNetwork(simulator.Network{Name: "net-c", ZoneID: r.seed.ZoneID, CIDR: "10.3.0.0/24"})
	require.NoError(t, err)
	return r.seed.NetworkID, b, c
}

func TestDeployVMNICs(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	a, b, c := r.networks(t)
	client := r.client(t)
	ctx := context.Background()

	type want struct {
		networks []string
		macs     []string // "" where CloudStack generates one
		params   map[string]string
	}
	cases := []struct {
		name string
		nics []cloudstack.NICSpec
		want want
	}{
		{"one NIC per source NIC, a network repeated",
			[]cloudstack.NICSpec{{NetworkID: a}, {NetworkID: b}, {NetworkID: a}},
			want{[]string{a, b, a}, []string{"", "", ""}, map[string]string{"networkids": a + "," + b + "," + a}}},
		{"the first NIC's MAC, its network repeated",
			[]cloudstack.NICSpec{{NetworkID: a, MACAddress: "00:50:56:00:00:01"}, {NetworkID: a}},
			want{[]string{a, a}, []string{"00:50:56:00:00:01", ""}, map[string]string{"networkids": a + "," + a, "macaddress": "00:50:56:00:00:01"}}},
		{"MACs beyond the first NIC, one network each",
			[]cloudstack.NICSpec{{NetworkID: c, MACAddress: "00-50-56-AA-00-01"}, {NetworkID: a}, {NetworkID: b, MACAddress: "00:50:56:aa:00:03"}},
			want{[]string{c, a, b}, []string{"00:50:56:aa:00:01", "", "00:50:56:aa:00:03"}, map[string]string{
				"iptonetworklist[0].networkid": c, "iptonetworklist[0].mac": "00:50:56:aa:00:01",
				"iptonetworklist[1].networkid": a,
				"iptonetworklist[2].networkid": b, "iptonetworklist[2].mac": "00:50:56:aa:00:03",
			}}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := []string{"nics-a", "nics-b", "nics-c"}[i]
			spec := cloudstack.DeploySpec{Name: name, NICs: tc.nics, BootType: cloudstack.BootUEFI, BootMode: cloudstack.BootSecure}
			planned, err := client.DeployParams(spec)
			require.NoError(t, err)
			vm, err := client.DeployVM(ctx, spec)
			require.NoError(t, err)
			sent := r.sim.CallsTo("deployVirtualMachine")
			params := sent[len(sent)-1].Params
			for k := range params {
				if k == "zoneid" || !isCommandParam(k) {
					continue // the zone is looked up; signing and response parameters are the transport's
				}
				assert.Equal(t, params.Get(k), planned.Get(k), "DeployParams says what DeployVM sends: %s", k)
			}
			for k := range planned {
				if k != "zoneid" {
					assert.Equal(t, planned.Get(k), params.Get(k), "DeployVM sends what DeployParams says: %s", k)
				}
			}
			for k, v := range tc.want.params {
				assert.Equal(t, v, params.Get(k), k)
			}
			if _, ok := tc.want.params["networkids"]; !ok {
				assert.Empty(t, params.Get("networkids"), "iptonetworklist excludes networkids")
			}
			for _, got := range []*cloudstack.VM{vm, getVM(t, client, vm.ID)} {
				assert.Equal(t, tc.want.networks, got.NetworkIDs())
				require.Len(t, got.NICs, len(tc.want.macs))
				for k, n := range got.NICs {
					assert.Equal(t, k, n.DeviceID)
					assert.Equal(t, k == 0, n.IsDefault)
					assert.NotEmpty(t, n.MACAddress)
					if tc.want.macs[k] != "" {
						assert.Equal(t, tc.want.macs[k], n.MACAddress, "NIC %d", k)
					}
				}
			}
		})
	}
}

// isCommandParam reports whether k is a deployVirtualMachine parameter rather than one the
// transport adds (apiKey, signature, response, command, ...).
func isCommandParam(k string) bool {
	switch k {
	case "apiKey", "apikey", "signature", "response", "command", "signatureversion", "expires":
		return false
	}
	return true
}

func getVM(t *testing.T, c *cloudstack.Client, id string) *cloudstack.VM {
	t.Helper()
	vm, err := c.GetVM(context.Background(), id)
	require.NoError(t, err)
	return vm
}

// A spec CloudStack cannot express, or would refuse, is refused before any call with a
// typed error that names the fix.
func TestDeployVMRefusesNICSpecs(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	a, b, _ := r.networks(t)
	client := r.client(t)
	cases := []struct {
		name   string
		nics   []cloudstack.NICSpec
		remedy string
	}{
		{"two NICs on one network with MACs beyond the first",
			[]cloudstack.NICSpec{{NetworkID: a, MACAddress: "00:50:56:00:00:01"}, {NetworkID: b}, {NetworkID: a, MACAddress: "00:50:56:00:00:03"}},
			"NICs[0] and NICs[2] are both on network " + a + " while MAC addresses are asked for beyond the first NIC"},
		{"a MAC that is not one", []cloudstack.NICSpec{{NetworkID: a, MACAddress: "00:50:56:00:01"}}, "give six hex pairs"},
		{"a MAC with mixed separators", []cloudstack.NICSpec{{NetworkID: a}, {NetworkID: b, MACAddress: "00:50-56:00:00:01"}}, "NICs[1].MACAddress"},
		{"a multicast MAC", []cloudstack.NICSpec{{NetworkID: a, MACAddress: "01:00:5e:00:00:01"}}, "multicast"},
		{"a NIC without a network", []cloudstack.NICSpec{{NetworkID: a}, {MACAddress: "00:50:56:00:00:01"}}, "NICs[1] has no network id: map its source network"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r.sim.ResetCalls()
			vm, err := client.DeployVM(context.Background(), cloudstack.DeploySpec{Name: "refused", NICs: tc.nics})
			require.ErrorIs(t, err, fkerrors.Invalid)
			_, planErr := client.DeployParams(cloudstack.DeploySpec{Name: "refused", NICs: tc.nics})
			assert.Equal(t, err.Error(), planErr.Error(), "DeployParams refuses what DeployVM refuses")
			var apiErr *cloudstack.APIError
			require.True(t, errors.As(err, &apiErr))
			assert.Contains(t, apiErr.Text, tc.remedy)
			assert.Nil(t, vm)
			assert.Empty(t, r.sim.Calls(), "refused before calling CloudStack")
		})
	}
}
