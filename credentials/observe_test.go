package credentials_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
)

func TestObservedReportsFetchesAndVersionChanges(t *testing.T) {
	t.Parallel()
	m := credentials.NewMemory(nil)
	m.PutCloudStack("main", validCloudStack())
	var mu sync.Mutex
	var events []credentials.FetchEvent
	var logs bytes.Buffer
	src := credentials.Observed(m, credentials.ObserverFunc(func(e credentials.FetchEvent) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ctx := context.Background()

	first, err := src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err)
	_, err = src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err)
	rotated := validCloudStack()
	rotated.SecretKey = credentials.NewSecret("fake-rotated-secret")
	m.PutCloudStack("main", rotated)
	second, err := src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err)
	_, err = src.VSphere(ctx, credentials.Ref{})
	require.Error(t, err)

	require.Len(t, events, 4)
	assert.False(t, events[0].VersionChanged)
	assert.False(t, events[1].VersionChanged)
	assert.True(t, events[2].VersionChanged)
	assert.Equal(t, first.Version, events[2].PreviousVersion)
	assert.Equal(t, second.Meta, events[2].Meta)
	assert.ErrorIs(t, events[3].Err, credentials.ErrNotFound)
	assert.Equal(t, credentials.KindVSphere, events[3].Kind)

	out := logs.String()
	assert.Contains(t, out, "fetched a new version")
	assert.Contains(t, out, second.Fingerprint)
	assert.Contains(t, out, "fetch failed")
	assert.NotContains(t, out, "fake-rotated-secret")
	assert.NotContains(t, out, "fake-secret")
}
