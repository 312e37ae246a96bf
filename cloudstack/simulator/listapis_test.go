package simulator_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requiredParams are the required parameters of each command, from the @Parameter
// annotations of CloudStack's *Cmd classes as its own listApis reports them (the answer
// cloudstack-go v2.19.0 is generated from), with templateid of deployVirtualMachine required
// as DeployVMCmd declares it. Kept here, apart from the simulator's table, so that the test
// checks the table against CloudStack rather than against itself.
var requiredParams = map[string][]string{
	"attachVolume":          {"id", "virtualmachineid"},
	"createSnapshot":        {"volumeid"},
	"createVolume":          nil, // diskofferingid or snapshotid, checked by allocVolume
	"deleteSnapshot":        {"id"},
	"deleteVolume":          {"id"},
	"deployVirtualMachine":  {"serviceofferingid", "templateid", "zoneid"},
	"destroyVirtualMachine": {"id"},
	"detachVolume":          nil, // id, or virtualmachineid and deviceid, checked in the job
	"expungeVirtualMachine": {"id"},
	"listApis":              nil,
	"listDiskOfferings":     nil,
	"listNetworks":          nil,
	"listServiceOfferings":  nil,
	"listSnapshots":         nil,
	"listTemplates":         {"templatefilter"},
	"listVirtualMachines":   nil,
	"listVolumes":           nil,
	"listZones":             nil,
	"queryAsyncJobResult":   {"jobid"},
	"rebootVirtualMachine":  {"id"},
	"revertSnapshot":        {"id"},
	"startVirtualMachine":   {"id"},
	"stopVirtualMachine":    {"id"},
}

func listApis(t *testing.T, e *env) map[string]*csgo.Api {
	t.Helper()
	r, err := e.cs.APIDiscovery.ListApis(e.cs.APIDiscovery.NewListApisParams())
	require.NoError(t, err)
	require.Equal(t, len(r.Apis), r.Count)
	out := make(map[string]*csgo.Api, len(r.Apis))
	for _, a := range r.Apis {
		out[a.Name] = a
	}
	return out
}

func TestListApisListsEveryCommandWithRequiredParams(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	apis := listApis(t, e)

	names := make([]string, 0, len(apis))
	for n := range apis {
		names = append(names, n)
	}
	sort.Strings(names)
	assert.Equal(t, simulator.Commands(), names, "listApis lists exactly the commands the simulator serves")
	assert.Len(t, requiredParams, len(simulator.Commands()), "every served command has an entry in requiredParams")

	for _, name := range simulator.Commands() {
		a := apis[name]
		require.NotNil(t, a, name)
		assert.NotEmpty(t, a.Description, name)
		assert.Equal(t, slices.Contains(simulator.AsyncCommands(), name), a.Isasync, "isasync of %s", name)
		var required []string
		for _, p := range a.Params {
			assert.NotEmpty(t, p.Type, "type of %s.%s", name, p.Name)
			assert.Positive(t, p.Length, "length of %s.%s", name, p.Name)
			if p.Required {
				required = append(required, p.Name)
			}
		}
		sort.Strings(required)
		want, known := requiredParams[name]
		require.True(t, known, "requiredParams has no entry for %s: look it up in CloudStack's %s command class", name, name)
		assert.Equal(t, want, required, "required parameters of %s", name)
	}

	// Types are CloudStack's CommandType names.
	types := map[string]string{}
	for _, p := range apis["attachVolume"].Params {
		types[p.Name] = p.Type
	}
	assert.Equal(t, map[string]string{"id": "uuid", "virtualmachineid": "uuid", "deviceid": "long"}, types)
	assert.Equal(t, "4.1.0", apis["listApis"].Since)
}

func TestListApisRequiredParametersAreRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	spare, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{})
	require.NoError(t, err)
	// Valid values for every required parameter, so that the one left out is the only
	// thing wrong with a call.
	values := map[string]string{
		"zoneid": e.seed.ZoneID, "serviceofferingid": e.seed.ServiceOfferingID, "templateid": e.seed.TemplateID,
		"templatefilter": "all", "virtualmachineid": e.seed.ApplianceVMID, "volumeid": e.seed.VolumeIDs[0],
	}
	// "id" names a different kind of resource per command.
	ids := map[string]string{"attachVolume": spare}

	for name, a := range listApis(t, e) {
		for _, omit := range a.Params {
			if !omit.Required {
				continue
			}
			t.Run(name+" without "+omit.Name, func(t *testing.T) {
				params := map[string]string{}
				for _, p := range a.Params {
					if !p.Required || p.Name == omit.Name {
						continue
					}
					v, ok := values[p.Name]
					if p.Name == "id" {
						v, ok = ids[name]
					}
					require.True(t, ok, "the test has no value for %s.%s", name, p.Name)
					params[p.Name] = v
				}
				_, err := e.custom(name, params)
				require.Error(t, err)
				assert.Equal(t, "CloudStack API error 431 (CSExceptionErrorCode: 9999): Unable to execute API command "+
					strings.ToLower(name)+" due to missing parameter "+omit.Name, err.Error())
			})
		}
	}
}

func TestListApisByNameAndRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	p := e.cs.APIDiscovery.NewListApisParams()
	p.SetName("detachVolume")
	r, err := e.cs.APIDiscovery.ListApis(p)
	require.NoError(t, err)
	require.Len(t, r.Apis, 1)
	assert.Equal(t, "detachVolume", r.Apis[0].Name)
	assert.True(t, r.Apis[0].Isasync)

	p.SetName("createVPCOffering")
	_, err = e.cs.APIDiscovery.ListApis(p)
	require.Error(t, err)
	assert.Equal(t, "CloudStack API error 530 (CSExceptionErrorCode: 9999): Api Discovery plugin was unable to find an api by that name or process any apis", err.Error())

	// A role sees only the commands it may call, as ApiDiscoveryServiceImpl filters by the
	// role's API checker.
	require.NoError(t, e.sim.SetAllowedCommands(e.seed.Account, []string{"listApis", "listZones"}))
	assert.Len(t, listApis(t, e), 2)
	p.SetName("detachVolume")
	_, err = e.cs.APIDiscovery.ListApis(p)
	require.Error(t, err, "a command the role may not call is not found")
}
