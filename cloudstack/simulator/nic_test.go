package simulator_test

import (
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
)

// nicEnv is a zone with three networks: the seeded one (a) and two more (b, c).
type nicEnv struct {
	*env
	a, b, c string
}

func newNICEnv(t *testing.T) *nicEnv {
	t.Helper()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	b, err := e.sim.AddNetwork(simulator.Network{Name: "net-b", ZoneID: e.seed.ZoneID, CIDR: "10.2.0.0/24"})
	require.NoError(t, err)
	c, err := e.sim.AddNetwork(simulator.Network{Name: "net-c", ZoneID: e.seed.ZoneID, CIDR: "10.3.0.0/24"})
	require.NoError(t, err)
	return &nicEnv{env: e, a: e.seed.NetworkID, b: b, c: c}
}

// deployWith deploys a stopped VM named name, shaped by set.
func (e *env) deployWith(name string, set func(p *csgo.DeployVirtualMachineParams)) (*csgo.DeployVirtualMachineResponse, error) {
	p := e.cs.VirtualMachine.NewDeployVirtualMachineParams(e.seed.ServiceOfferingID, e.seed.TemplateID, e.seed.ZoneID)
	p.SetName(name)
	p.SetStartvm(false)
	set(p)
	return e.cs.VirtualMachine.DeployVirtualMachine(p)
}

// listed returns the VM as listVirtualMachines answers it.
func (e *env) listed(t *testing.T, id string) *csgo.VirtualMachine {
	t.Helper()
	vm, n, err := e.cs.VirtualMachine.GetVirtualMachineByID(id)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	return vm
}

type nicView struct{ network, mac, device string }

func nicsOf(nics []csgo.Nic) []nicView {
	out := make([]nicView, len(nics))
	for i, n := range nics {
		out[i] = nicView{n.Networkid, n.Macaddress, n.Deviceid}
	}
	return out
}

// refused asserts that err is CloudStack's 431 InvalidParameterValueException with text, from
// the HTTP call, and that no VM was created.
func (e *env) refused(t *testing.T, err error, before int, text string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, "CloudStack API error 431 (CSExceptionErrorCode: 4350): "+text, err.Error())
	assert.Empty(t, e.lastCall(t, "deployVirtualMachine").JobID, "refused before a job exists")
	assert.Len(t, e.sim.State().VMs, before, "nothing is created")
}

// UserVmManagerImpl gives every networkids entry a NIC of its own, in order, so one network
// may carry several NICs; the first is the default.
func TestNetworkIDsGiveOneNICPerEntryInOrder(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	vm, err := e.deployWith("three-nics", func(p *csgo.DeployVirtualMachineParams) {
		p.SetNetworkids([]string{e.a, e.b, e.a})
	})
	require.NoError(t, err)
	got := e.listed(t, vm.Id)
	require.Len(t, got.Nic, 3)
	for i, want := range []string{e.a, e.b, e.a} {
		assert.Equal(t, want, got.Nic[i].Networkid, "NIC %d", i)
		assert.Equal(t, []string{"0", "1", "2"}[i], got.Nic[i].Deviceid, "NIC %d", i)
		assert.Equal(t, i == 0, got.Nic[i].Isdefault, "NIC %d", i)
	}
	assert.NotEqual(t, got.Nic[0].Macaddress, got.Nic[2].Macaddress, "generated MACs differ")
	assert.NotEqual(t, got.Nic[0].Ipaddress, got.Nic[2].Ipaddress)
	st, _ := e.sim.State().VM(vm.Id)
	assert.Equal(t, []string{e.a, e.b, e.a}, st.NetworkIDs())
}

// BaseDeployVMCmd.getNetworkIds: iptonetworklist cannot come with networkids, ipaddress or
// ip6address.
func TestIPToNetworkListExcludesNetworkIDsAndIPAddress(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	list := []map[string]string{{"networkid": e.a, "mac": "00:50:56:00:00:01"}}
	for name, set := range map[string]func(p *csgo.DeployVirtualMachineParams){
		"with networkids": func(p *csgo.DeployVirtualMachineParams) { p.SetNetworkids([]string{e.b}) },
		"with ipaddress":  func(p *csgo.DeployVirtualMachineParams) { p.SetIpaddress("10.1.1.50") },
		"with ip6address": func(p *csgo.DeployVirtualMachineParams) { p.SetIp6address("fd00::50") },
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.deployWith("excl", func(p *csgo.DeployVirtualMachineParams) {
				p.SetIptonetworklist(list)
				set(p)
			})
			e.refused(t, err, 0, "ipToNetworkMap can't be specified along with networkIds or ipAddress")
		})
	}
}

// BaseDeployVMCmd.getIpToNetworkMap: one NIC per entry in index order, each with its MAC,
// standardized as NetUtils.standardizeMacAddress writes it.
func TestIPToNetworkListGivesNICsWithMACsInIndexOrder(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	vm, err := e.deployWith("macs", func(p *csgo.DeployVirtualMachineParams) {
		p.SetIptonetworklist([]map[string]string{
			{"networkid": e.c, "mac": "00:50:56:AA:00:01"},
			{"networkid": e.a},
			{"networkid": e.b, "mac": "0-50-56-aa-0-3"},
		})
	})
	require.NoError(t, err)
	got := e.listed(t, vm.Id)
	assert.Equal(t, []nicView{
		{e.c, "00:50:56:aa:00:01", "0"},
		{e.a, got.Nic[1].Macaddress, "1"},
		{e.b, "00:50:56:aa:00:03", "2"},
	}, nicsOf(got.Nic))
	assert.NotEmpty(t, got.Nic[1].Macaddress, "a NIC without a requested MAC gets one generated")
	assert.True(t, got.Nic[0].Isdefault, "the first entry is the default NIC")
	assert.Equal(t, "00:50:56:AA:00:01", e.lastCall(t, "deployVirtualMachine").Params.Get("iptonetworklist[0].mac"))
}

// BaseDeployVMCmd.getIpToNetworkMap keys a LinkedHashMap by network: a network listed twice
// keeps its first position and its last entry's MAC - one NIC, not two.
func TestIPToNetworkListCollapsesEntriesForOneNetwork(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	vm, err := e.deployWith("collapse", func(p *csgo.DeployVirtualMachineParams) {
		p.SetIptonetworklist([]map[string]string{
			{"networkid": e.a, "mac": "00:50:56:00:00:01"},
			{"networkid": e.b, "mac": "00:50:56:00:00:02"},
			{"networkid": e.a, "mac": "00:50:56:00:00:03"},
		})
	})
	require.NoError(t, err)
	assert.Equal(t, []nicView{{e.a, "00:50:56:00:00:03", "0"}, {e.b, "00:50:56:00:00:02", "1"}}, nicsOf(e.listed(t, vm.Id).Nic))
}

// BaseDeployVMCmd.getNetworkIdFomIpMap: an entry's networkid must name a network; a missing
// one is read as null. Its field names are read as sent, so "networkId" is no networkid.
func TestIPToNetworkListNetworkMustExist(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	const missing = "5e000000-0000-4000-8000-0000000fffff"
	tests := []struct {
		name  string
		entry map[string]string
		text  string
	}{
		{"unknown network", map[string]string{"networkid": missing}, "Unable to translate and find entity with networkId: " + missing},
		{"no networkid", map[string]string{"mac": "00:50:56:00:00:01"}, "Unable to translate and find entity with networkId: null"},
		{"field in another case", map[string]string{"networkId": e.a}, "Unable to translate and find entity with networkId: null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.deployWith("unknown-net", func(p *csgo.DeployVirtualMachineParams) {
				p.SetIptonetworklist([]map[string]string{tc.entry})
			})
			e.refused(t, err, 0, tc.text)
		})
	}
}

// NetUtils.isValidMac: six groups of one or two hex digits in any case, one separator
// (':', '-' or '.') throughout. BaseDeployVMCmd checks macaddress and every
// iptonetworklist mac with it and stores NetUtils.standardizeMacAddress's form.
func TestRequestedMACMustBeValid(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	for _, tc := range []struct{ mac, want string }{
		{"00:50:56:0A:0b:0C", "00:50:56:0a:0b:0c"},
		{"0:50:56:a:b:c", "00:50:56:0a:0b:0c"},
		{"00-50-56-00-01-02", "00:50:56:00:01:02"},
		{"00.50.56.00.01.03", "00:50:56:00:01:03"},
	} {
		vm, err := e.deployWith("valid", func(p *csgo.DeployVirtualMachineParams) {
			p.SetNetworkids([]string{e.a})
			p.SetMacaddress(tc.mac)
		})
		require.NoError(t, err, tc.mac)
		assert.Equal(t, tc.want, e.listed(t, vm.Id).Nic[0].Macaddress, tc.mac)
		_, err = e.cs.VirtualMachine.DestroyVirtualMachine(func() *csgo.DestroyVirtualMachineParams {
			p := e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id)
			p.SetExpunge(true)
			return p
		}())
		require.NoError(t, err, "free the name")
	}
	for _, bad := range []string{"00:50:56:0g:00:01", "00:50:56:00:01", "00:50:56:00:00:01:02", "00:50-56:00:00:01",
		"005:50:56:00:00:01", "00::56:00:00:01", "005056000001", "0050.5600.0001", "00:50:56:00:00:01 "} {
		t.Run(bad, func(t *testing.T) {
			before := len(e.sim.State().VMs)
			_, err := e.deployWith("bad-mac", func(p *csgo.DeployVirtualMachineParams) {
				p.SetNetworkids([]string{e.a})
				p.SetMacaddress(bad)
			})
			e.refused(t, err, before, "Mac address is not valid: "+bad)
			_, err = e.deployWith("bad-mac", func(p *csgo.DeployVirtualMachineParams) {
				p.SetIptonetworklist([]map[string]string{{"networkid": e.a, "mac": bad}})
			})
			e.refused(t, err, before, "Mac address is not valid: "+bad)
		})
	}
}

// NetUtils.isUnicastMac: a MAC with the group bit (the low bit of the first octet) set is
// refused; libvirt would not attach it.
func TestRequestedMACMustBeUnicast(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	for _, multicast := range []string{"01:00:5e:00:00:01", "03:00:00:00:00:01", "ff:ff:ff:ff:ff:ff"} {
		_, err := e.deployWith("multicast", func(p *csgo.DeployVirtualMachineParams) {
			p.SetIptonetworklist([]map[string]string{{"networkid": e.a, "mac": multicast}})
		})
		e.refused(t, err, 0, "Mac address is not unicast: "+multicast)
	}
	vm, err := e.deployWith("local", func(p *csgo.DeployVirtualMachineParams) {
		p.SetIptonetworklist([]map[string]string{{"networkid": e.a, "mac": "02:00:00:00:00:01"}})
	})
	require.NoError(t, err, "a locally administered unicast MAC is fine")
	assert.Equal(t, "02:00:00:00:00:01", e.listed(t, vm.Id).Nic[0].Macaddress)
}

// BaseDeployVMCmd's macaddress is the default NIC's: UserVmManagerImpl gives it to the first
// NIC only, also over the first iptonetworklist entry's mac.
func TestMacAddressIsTheDefaultNICs(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	vm, err := e.deployWith("default-mac", func(p *csgo.DeployVirtualMachineParams) {
		p.SetNetworkids([]string{e.a, e.a})
		p.SetMacaddress("00:50:56:00:00:0a")
	})
	require.NoError(t, err)
	nics := e.listed(t, vm.Id).Nic
	assert.Equal(t, "00:50:56:00:00:0a", nics[0].Macaddress)
	assert.NotEqual(t, "00:50:56:00:00:0a", nics[1].Macaddress, "the second NIC on the network gets a generated MAC")

	vm, err = e.deployWith("over-list", func(p *csgo.DeployVirtualMachineParams) {
		p.SetIptonetworklist([]map[string]string{{"networkid": e.b, "mac": "00:50:56:00:00:0b"}, {"networkid": e.c, "mac": "00:50:56:00:00:0c"}})
		p.SetMacaddress("00:50:56:00:00:0d")
	})
	require.NoError(t, err)
	assert.Equal(t, []nicView{{e.b, "00:50:56:00:00:0d", "0"}, {e.c, "00:50:56:00:00:0c", "1"}}, nicsOf(e.listed(t, vm.Id).Nic))

	vm, err = e.deployWith("only-network", func(p *csgo.DeployVirtualMachineParams) { p.SetMacaddress("00:50:56:00:00:0e") })
	require.Error(t, err, "three networks in the zone: networkids is needed")
	assert.Nil(t, vm)
}

// GuestNetworkGuru.allocate keeps a requested MAC without looking at the network's other
// NICs (only addNicToVirtualMachine refuses a MAC the network already has), so a deploy may
// repeat a MAC in use: a caller keeping source MACs must not run two copies of a VM on one
// network.
func TestRequestedMACIsNotCheckedAgainstTheNetwork(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	for _, name := range []string{"first", "second"} {
		vm, err := e.deployWith(name, func(p *csgo.DeployVirtualMachineParams) {
			p.SetIptonetworklist([]map[string]string{{"networkid": e.a, "mac": "00:50:56:00:00:99"}})
		})
		require.NoError(t, err, name)
		assert.Equal(t, "00:50:56:00:00:99", e.listed(t, vm.Id).Nic[0].Macaddress)
	}
}

// BaseCmd.unpackParams decodes name[index].field; any other shape of a map key is a 430.
func TestMapParameterKeysMustBeIndexedFields(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	for _, key := range []string{"iptonetworklist[x].networkid", "iptonetworklist[0]networkid", "iptonetworklist[0][1].networkid"} {
		_, err := e.custom("deployVirtualMachine", map[string]string{
			"zoneid": e.seed.ZoneID, "templateid": e.seed.TemplateID, "serviceofferingid": e.seed.ServiceOfferingID,
			key: e.a,
		})
		require.Error(t, err, key)
		assert.Equal(t, "CloudStack API error 430 (CSExceptionErrorCode: 9999): Unable to decode parameter "+key+
			"; if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup", err.Error())
	}
}

// The simulator assigns addresses itself: a requested IP is refused rather than ignored.
func TestRequestedIPAddressesAreNotModelled(t *testing.T) {
	t.Parallel()
	e := newNICEnv(t)
	for name, set := range map[string]func(p *csgo.DeployVirtualMachineParams){
		"ipaddress": func(p *csgo.DeployVirtualMachineParams) {
			p.SetNetworkids([]string{e.a})
			p.SetIpaddress("10.1.1.50")
		},
		"iptonetworklist ip": func(p *csgo.DeployVirtualMachineParams) {
			p.SetIptonetworklist([]map[string]string{{"networkid": e.a, "ip": "10.1.1.50"}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.deployWith("ip", set)
			e.refused(t, err, 0, "simulator: requested IP addresses (ipaddress, ip6address, iptonetworklist[i].ip and .ipv6) are not modelled; leave them out")
		})
	}
}

// listApis lists the NIC and boot parameters the simulator reads, typed as CloudStack types
// them.
func TestListApisDescribesNICAndBootParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	types := map[string]string{}
	for _, p := range listApis(t, e)["deployVirtualMachine"].Params {
		types[p.Name] = p.Type
	}
	for name, typ := range map[string]string{
		"networkids": "list", "iptonetworklist": "map", "macaddress": "string", "ipaddress": "string",
		"ip6address": "string", "boottype": "string", "bootmode": "string",
	} {
		assert.Equal(t, typ, types[name], name)
	}
}
