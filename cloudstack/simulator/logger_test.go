package simulator_test

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"

	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLoggerRecordsCallsWithoutSecrets(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
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
