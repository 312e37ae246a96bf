package simulator_test

import (
	"testing"

	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoggerRecordsCallsWithoutSecrets(t *testing.T) {
	t.Parallel()
	var buf testkit.LogBuffer
	logger := buf.Logger()
	e := newEnv(t, simulator.Scenario{}, simulator.WithLogger(logger))
	_, err := e.cs.Volume.ListVolumes(e.cs.Volume.NewListVolumesParams())
	require.NoError(t, err)
	_, err = e.cs.VirtualMachine.StopVirtualMachine(e.cs.VirtualMachine.NewStopVirtualMachineParams(e.seed.ApplianceVMID))
	require.NoError(t, err)

	out := buf.String()
	assert.Contains(t, out, "command=listVolumes")
	assert.Contains(t, out, "command=stopVirtualMachine")
	assert.Contains(t, out, "account=admin")
	assert.NotContains(t, out, e.seed.SecretKey)
	assert.NotContains(t, out, e.seed.APIKey, "records name the account, not the key")
}
