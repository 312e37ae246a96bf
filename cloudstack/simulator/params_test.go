package simulator_test

import (
	"encoding/json"
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// custom sends any command with the given parameters through cloudstack-go's CustomService
// (signed like every cloudstack-go request) and returns the inner response object.
func (e *env) custom(command string, params map[string]string) (map[string]json.RawMessage, error) {
	p := &csgo.CustomServiceParams{}
	for k, v := range params {
		p.SetParam(k, v)
	}
	var out map[string]json.RawMessage
	err := e.cs.Custom.(*csgo.CustomService).CustomRequest(command, p, &out)
	return out, err
}

// Parameter processing (ParamProcessWorker) throws ServerApiException(PARAM_ERROR) itself,
// so ApiServer answers cserrorcode 9999 for it, not InvalidParameterValueException's 4350.
func TestParameterErrorsCarryCSErrorCode9999(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	const unknown = "5e000000-0000-4000-8000-0000000fffff"
	tests := []struct {
		name    string
		command string
		params  map[string]string
		text    string
	}{
		{"missing parameter", "startVirtualMachine", nil,
			"Unable to execute API command startvirtualmachine due to missing parameter id"},
		{"id naming nothing", "listVolumes", map[string]string{"virtualmachineid": unknown},
			"Unable to execute API command listvolumes due to invalid value. Invalid parameter virtualmachineid value=" + unknown},
		{"number that does not parse", "attachVolume", map[string]string{"id": e.seed.VolumeIDs[0], "virtualmachineid": e.seed.ApplianceVMID, "deviceid": "one"},
			"Unable to execute API command attachvolume due to invalid value one for parameter deviceid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.custom(tc.command, tc.params)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "CloudStack API error 431 (CSExceptionErrorCode: 9999): "+tc.text)
			c := e.lastCall(t, tc.command)
			assert.Empty(t, c.JobID, "parameter processing fails the call before any job")
		})
	}
}

func TestPagesizeWithoutPageAnswers431(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{})
	p := e.cs.VirtualMachine.NewListVirtualMachinesParams()
	p.SetPagesize(10)
	_, err := e.cs.VirtualMachine.ListVirtualMachines(p)
	require.Error(t, err)
	assert.Equal(t, `CloudStack API error 431 (CSExceptionErrorCode: 9999): "page" parameter is required when "pagesize" is specified`, err.Error())
}

func TestPagePastTheEndAnswersCountWithoutList(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2}})
	out, err := e.custom("listVolumes", map[string]string{"page": "2", "pagesize": "3"})
	require.NoError(t, err)
	assert.Equal(t, map[string]json.RawMessage{"count": json.RawMessage("3")}, out,
		"ApiResponseSerializer writes the total and no list key for an empty page")

	out, err = e.custom("listVolumes", map[string]string{"page": "1", "pagesize": "2"})
	require.NoError(t, err)
	var vols []map[string]any
	require.NoError(t, json.Unmarshal(out["volume"], &vols))
	assert.Len(t, vols, 2)
	assert.JSONEq(t, "3", string(out["count"]))
}

// The rest of BaseListCmd's paging rules.
func TestPagingRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2}})
	tests := []struct {
		name   string
		params map[string]string
		err    string // empty: the call succeeds
		items  int
	}{
		{"page without pagesize", map[string]string{"page": "1"},
			`CloudStack API error 431 (CSExceptionErrorCode: 9999): "pagesize" parameter is required when "page" is specified`, 0},
		{"pagesize above default.page.size", map[string]string{"page": "1", "pagesize": "501"},
			"CloudStack API error 431 (CSExceptionErrorCode: 4350): Page size can't exceed max allowed page size value: 500", 0},
		{"pagesize -1 lists everything", map[string]string{"pagesize": "-1"}, "", 3},
		{"pagesize -1 takes no page", map[string]string{"page": "1", "pagesize": "-1"},
			"CloudStack API error 431 (CSExceptionErrorCode: 4350): Can't specify page parameter when pagesize is -1 (Unlimited)", 0},
		{"page 0 is the first page", map[string]string{"page": "0", "pagesize": "2"}, "", 2},
		{"no paging", nil, "", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := e.custom("listVolumes", tc.params)
			if tc.err != "" {
				require.Error(t, err)
				assert.Equal(t, tc.err, err.Error())
				return
			}
			require.NoError(t, err)
			var vols []map[string]any
			require.NoError(t, json.Unmarshal(out["volume"], &vols))
			assert.Len(t, vols, tc.items)
		})
	}
}
