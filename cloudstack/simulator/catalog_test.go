package simulator_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})

	z, err := e.cs.Zone.ListZones(e.cs.Zone.NewListZonesParams())
	require.NoError(t, err)
	require.Equal(t, 1, z.Count)
	assert.Equal(t, e.seed.ZoneID, z.Zones[0].Id)
	assert.Equal(t, "Advanced", z.Zones[0].Networktype)
	zone, n, err := e.cs.Zone.GetZoneByName("zone-1")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, e.seed.ZoneID, zone.Id)

	so, err := e.cs.ServiceOffering.ListServiceOfferings(e.cs.ServiceOffering.NewListServiceOfferingsParams())
	require.NoError(t, err)
	require.Equal(t, 2, so.Count)
	assert.Equal(t, "small", so.ServiceOfferings[0].Name)
	assert.Equal(t, 2, so.ServiceOfferings[0].Cpunumber)
	assert.Equal(t, 2048, so.ServiceOfferings[0].Memory)
	assert.False(t, so.ServiceOfferings[0].Iscustomized)
	assert.True(t, so.ServiceOfferings[1].Iscustomized)
	assert.Equal(t, 0, so.ServiceOfferings[1].Cpunumber)

	do, err := e.cs.DiskOffering.ListDiskOfferings(e.cs.DiskOffering.NewListDiskOfferingsParams())
	require.NoError(t, err)
	require.Equal(t, 2, do.Count)
	assert.Equal(t, int64(10), do.DiskOfferings[0].Disksize)
	assert.True(t, do.DiskOfferings[1].Iscustomized)

	tp := e.cs.Template.NewListTemplatesParams("executable")
	tp.SetZoneid(e.seed.ZoneID)
	tl, err := e.cs.Template.ListTemplates(tp)
	require.NoError(t, err)
	require.Equal(t, 1, tl.Count)
	assert.Equal(t, "KVM", tl.Templates[0].Hypervisor)
	assert.True(t, tl.Templates[0].Isready)
	assert.Equal(t, int64(8<<30), tl.Templates[0].Size)
	_, err = e.cs.Template.ListTemplates(e.cs.Template.NewListTemplatesParams(""))
	require.ErrorContains(t, err, "CloudStack API error 431", "templatefilter is required")

	nl, err := e.cs.Network.ListNetworks(e.cs.Network.NewListNetworksParams())
	require.NoError(t, err)
	require.Equal(t, 1, nl.Count)
	assert.Equal(t, "10.1.1.0/24", nl.Networks[0].Cidr)
	assert.Equal(t, "zone-1", nl.Networks[0].Zonename)

	// Filters that match nothing give CloudStack's empty list ({}), ids that name
	// nothing are 431.
	np := e.cs.Network.NewListNetworksParams()
	np.SetKeyword("nothing-like-this")
	nl, err = e.cs.Network.ListNetworks(np)
	require.NoError(t, err)
	assert.Equal(t, 0, nl.Count)
	zp := e.cs.Zone.NewListZonesParams()
	zp.SetId("5e000000-0000-4000-8000-0000000fffff")
	_, err = e.cs.Zone.ListZones(zp)
	require.ErrorContains(t, err, "CloudStack API error 431")
}

func TestEnvelopes(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	t.Cleanup(sim.Close)
	seed, err := sim.Seed(simulator.Scenario{SkipAppliance: true})
	require.NoError(t, err)
	call := func(command string, extra url.Values) (int, map[string]any) {
		return raw(t, sim, http.MethodGet, signed(command, seed.APIKey, seed.SecretKey, extra))
	}

	status, body := call("listVirtualMachines", nil)
	require.Equal(t, 200, status)
	assert.Empty(t, body, "an empty list is {}")

	status, body = call("listZones", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, body["count"])
	assert.Len(t, body["zone"], 1)

	status, body = call("deployVirtualMachine", url.Values{
		"zoneid": {seed.ZoneID}, "templateid": {seed.TemplateID}, "serviceofferingid": {seed.ServiceOfferingID}, "name": {"raw"},
	})
	require.Equal(t, 200, status)
	require.Len(t, body, 2, "an async create answers jobid and id")
	jobID, vmID := body["jobid"].(string), body["id"].(string)
	require.NotEmpty(t, jobID)
	require.NotEmpty(t, vmID)

	status, body = call("queryAsyncJobResult", url.Values{"jobid": {jobID}})
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, body["jobstatus"])
	assert.Equal(t, "object", body["jobresulttype"])
	assert.Equal(t, "VirtualMachine", body["jobinstancetype"])
	assert.Equal(t, vmID, body["jobinstanceid"])
	res := body["jobresult"].(map[string]any)["virtualmachine"].(map[string]any)
	assert.Equal(t, vmID, res["id"])
	assert.Equal(t, "Running", res["state"])

	status, body = call("stopVirtualMachine", url.Values{"id": {vmID}})
	require.Equal(t, 200, status)
	require.Len(t, body, 1, "a non-create async command answers only jobid")

	status, body = call("startVirtualMachine", url.Values{"id": {vmID}, "extra": {"ignored"}})
	require.Equal(t, 200, status)
	// ParamProcessWorker reads booleans with Boolean.valueOf: anything but "true" is false.
	status, body = call("destroyVirtualMachine", url.Values{"id": {vmID}, "expunge": {"maybe"}})
	require.Equal(t, 200, status, "a malformed boolean is false, not an error")
	status, body = call("queryAsyncJobResult", url.Values{"jobid": {body["jobid"].(string)}})
	require.Equal(t, 200, status)
	assert.Equal(t, "Destroyed", body["jobresult"].(map[string]any)["virtualmachine"].(map[string]any)["state"], "not expunged")

	// a failed job: a destroyed VM does not reboot
	status, body = call("rebootVirtualMachine", url.Values{"id": {vmID}})
	require.Equal(t, 200, status)
	status, body = call("queryAsyncJobResult", url.Values{"jobid": {body["jobid"].(string)}})
	require.Equal(t, 200, status)
	assert.EqualValues(t, 2, body["jobstatus"])
	assert.EqualValues(t, 431, body["jobresultcode"])
	jr := body["jobresult"].(map[string]any)
	assert.EqualValues(t, 431, jr["errorcode"])
	assert.NotEmpty(t, jr["errortext"])

	status, body = call("queryAsyncJobResult", url.Values{"jobid": {"5e000000-0000-4000-8000-0000000fffff"}})
	assert.Equal(t, 431, status)
	status, body = call("queryAsyncJobResult", nil)
	assert.Equal(t, 431, status)
	assert.Contains(t, body["errortext"], "missing parameter jobid")

	// Parameter names are case-insensitive, as on CloudStack.
	status, body = call("listVirtualMachines", url.Values{"ID": {vmID}})
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, body["count"])
}

func TestCommandsAreListed(t *testing.T) {
	t.Parallel()
	all := simulator.Commands()
	async := simulator.AsyncCommands()
	for _, c := range []string{"deployVirtualMachine", "startVirtualMachine", "stopVirtualMachine", "destroyVirtualMachine",
		"attachVolume", "detachVolume", "createSnapshot", "revertSnapshot", "deleteSnapshot"} {
		assert.Contains(t, async, c)
	}
	for _, c := range []string{"listZones", "listVolumes", "deleteVolume", "queryAsyncJobResult"} {
		assert.Contains(t, all, c)
		assert.NotContains(t, async, c)
	}
}

// listTemplates answers ostypeid and ostypename: the seeded template is Linux, the Windows
// template Scenario.WindowsTemplate asks for is Windows, and templates of one OS type share
// its id. A template's UEFI boot mode is its "UEFI" detail.
func TestTemplatesCarryTheirOSType(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true, WindowsTemplate: "win2019"})
	require.NotEmpty(t, e.seed.WindowsTemplateID)
	another, err := e.sim.AddTemplate(simulator.Template{Name: "linux-2", ZoneID: e.seed.ZoneID})
	require.NoError(t, err)
	uefi, err := e.sim.AddTemplate(simulator.Template{Name: "win11", ZoneID: e.seed.ZoneID, OSType: "Windows 11 (64-bit)", UEFI: "SECURE"})
	require.NoError(t, err)

	get := func(id string) *csgo.Template {
		tpl, n, err := e.cs.Template.GetTemplateByID(id, "all")
		require.NoError(t, err)
		require.Equal(t, 1, n)
		return tpl
	}
	linux, windows := get(e.seed.TemplateID), get(e.seed.WindowsTemplateID)
	assert.Equal(t, simulator.OSTypeLinux, linux.Ostypename)
	assert.Equal(t, simulator.OSTypeWindows, windows.Ostypename)
	assert.Equal(t, "win2019", windows.Name)
	assert.Equal(t, linux.Hypervisor, windows.Hypervisor)
	assert.True(t, csgo.IsID(linux.Ostypeid), linux.Ostypeid)
	assert.NotEqual(t, linux.Ostypeid, windows.Ostypeid)
	assert.Equal(t, linux.Ostypeid, get(another).Ostypeid, "one OS type, one id")
	assert.Equal(t, map[string]string{"UEFI": "SECURE"}, get(uefi).Details)
	assert.Empty(t, linux.Details)
}

// The catalog list commands filter name by SQL equality (QueryManagerImpl, and
// NetworkServiceImpl for networks), case-insensitive under MySQL's collation: a name that
// is a substring of another lists only its own entry.
func TestCatalogNameFilterIsExact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	z2 := e.sim.AddZone("zone-1-dr")
	e.sim.AddServiceOffering(cloudstack.ServiceOffering{Name: "small-2", CPUs: 1, CPUSpeedMHz: 1000, MemoryMB: 1024})
	e.sim.AddDiskOffering(cloudstack.DiskOffering{Name: "data-10g-ssd", SizeGB: 10})
	_, err := e.sim.AddTemplate(simulator.Template{Name: "template-1-v2", ZoneID: e.seed.ZoneID})
	require.NoError(t, err)
	_, err = e.sim.AddNetwork(simulator.Network{Name: "network-1-dr", ZoneID: z2, CIDR: "10.9.0.0/24"})
	require.NoError(t, err)

	tests := []struct {
		command, key, name string
		extra              url.Values
	}{
		{"listZones", "zone", "zone-1", nil},
		{"listServiceOfferings", "serviceoffering", "small", nil},
		{"listDiskOfferings", "diskoffering", "data-10g", nil},
		{"listTemplates", "template", "template-1", url.Values{"templatefilter": {"executable"}}},
		{"listNetworks", "network", "network-1", nil},
	}
	for _, tc := range tests {
		t.Run(tc.command, func(t *testing.T) {
			t.Parallel()
			for _, name := range []string{tc.name, strings.ToUpper(tc.name)} {
				params := url.Values{"name": {name}}
				for k, v := range tc.extra {
					params[k] = v
				}
				status, body := raw(t, e.sim, http.MethodGet, signed(tc.command, e.seed.APIKey, e.seed.SecretKey, params))
				require.Equal(t, http.StatusOK, status)
				assert.EqualValues(t, 1, body["count"], "name=%s", name)
				items, _ := body[tc.key].([]any)
				require.Len(t, items, 1, "name=%s", name)
				assert.Equal(t, tc.name, items[0].(map[string]any)["name"], "name=%s", name)
			}
		})
	}
}

// listTemplates and listNetworks filter by zoneid: QueryManagerImpl.templateChecks
// (dataCenterId, Op.EQ) and NetworkServiceImpl.createNetworkSearchCriteria (dataCenterId,
// Op.EQ).
func TestTemplatesAndNetworksFilterByZone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	z2 := e.sim.AddZone("zone-2")
	_, err := e.sim.AddTemplate(simulator.Template{Name: "template-2", ZoneID: z2})
	require.NoError(t, err)
	_, err = e.sim.AddNetwork(simulator.Network{Name: "network-2", ZoneID: z2, CIDR: "10.2.0.0/24"})
	require.NoError(t, err)

	templates := func(zoneID string) []string {
		t.Helper()
		p := e.cs.Template.NewListTemplatesParams("executable")
		p.SetZoneid(zoneID)
		r, err := e.cs.Template.ListTemplates(p)
		require.NoError(t, err)
		return namesOf(r.Templates)
	}
	networks := func(zoneID string) []string {
		t.Helper()
		p := e.cs.Network.NewListNetworksParams()
		p.SetZoneid(zoneID)
		r, err := e.cs.Network.ListNetworks(p)
		require.NoError(t, err)
		return namesOf(r.Networks)
	}
	assert.Equal(t, []string{"template-1"}, templates(e.seed.ZoneID))
	assert.Equal(t, []string{"template-2"}, templates(z2))
	assert.Equal(t, []string{"network-1"}, networks(e.seed.ZoneID))
	assert.Equal(t, []string{"network-2"}, networks(z2))
}

// QueryManagerImpl.listDataCentersInternal applies one of id, name and keyword: id when
// given, else name, else keyword. A caller passing an id and a stale name still gets the
// zone; one passing a name and an unrelated keyword gets the named zone.
func TestListZonesFiltersByIdElseNameElseKeyword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	e.sim.AddZone("zone-dr")
	var zoneName string
	for _, z := range e.sim.State().Zones {
		if z.ID == e.seed.ZoneID {
			zoneName = z.Name
		}
	}
	require.NotEmpty(t, zoneName)

	tests := []struct {
		name              string
		id, zone, keyword string
		want              []string
	}{
		{"id wins over a name", e.seed.ZoneID, "zone-dr", "", []string{zoneName}},
		{"id wins over a keyword", e.seed.ZoneID, "", "dr", []string{zoneName}},
		{"name wins over a keyword", "", "zone-dr", "no-such-zone", []string{"zone-dr"}},
		{"keyword alone", "", "", "dr", []string{"zone-dr"}},
	}
	for _, tc := range tests {
		p := e.cs.Zone.NewListZonesParams()
		if tc.id != "" {
			p.SetId(tc.id)
		}
		if tc.zone != "" {
			p.SetName(tc.zone)
		}
		if tc.keyword != "" {
			p.SetKeyword(tc.keyword)
		}
		r, err := e.cs.Zone.ListZones(p)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, namesOf(r.Zones), tc.name)
	}
}
