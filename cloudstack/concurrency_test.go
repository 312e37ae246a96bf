package cloudstack_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
)

// TestConcurrentOperationsShareTransport runs operations of two accounts at once, each
// building its own Client over one shared Transport, plus several goroutines sharing one
// Client; every request must carry its own account's key.
func TestConcurrentOperationsShareTransport(t *testing.T) {
	t.Parallel()
	r := newRig(t, 4)
	r.detachReplicated(t) // so that CloudStack snapshots them, several at once
	otherKey, otherSecret := r.sim.AddAccount("tenant-b")
	otherSet := r.setFor(otherKey, otherSecret)
	otherSet.Origin.Account = "tenant-b"
	tr := cloudstack.NewTransport()
	defer tr.CloseIdleConnections()

	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers*4)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			set := r.set
			if w%2 == 1 {
				set = otherSet
			}
			for i := 0; i < 3; i++ {
				c, err := cloudstack.New(set, cloudstack.WithTransport(tr))
				if err != nil {
					errs <- err
					return
				}
				vol := r.seed.VolumeIDs[w%len(r.seed.VolumeIDs)]
				snap, err := c.CreateSnapshot(context.Background(), vol, fmt.Sprintf("w%d-%d", w, i))
				if err != nil {
					errs <- err
					return
				}
				if err := c.DeleteSnapshot(context.Background(), snap.ID); err != nil {
					errs <- err
				}
			}
		}()
	}

	shared := r.client(t, cloudstack.WithTransport(tr))
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if _, err := shared.ListVolumes(context.Background(), r.seed.ApplianceVMID); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	accountByKey := map[string]string{r.seed.APIKey: r.seed.Account, otherKey: "tenant-b"}
	perAccount := map[string]int{}
	for _, call := range r.sim.CallsTo("createSnapshot") {
		assert.Equal(t, accountByKey[call.APIKey], call.Account)
		assert.Equal(t, 200, call.HTTPStatus)
		perAccount[call.Account]++
	}
	assert.Equal(t, map[string]int{r.seed.Account: workers / 2 * 3, "tenant-b": workers / 2 * 3}, perAccount)
	assert.Equal(t, 0, liveSnapshots(r.sim))
}

// TestClientsFromOneSourceConcurrently builds Clients from a Source while another goroutine
// replaces the set, as an operator editing credentials during operations would.
func TestClientsFromOneSourceConcurrently(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	store := credentials.NewMemory(nil)
	store.PutCloudStack("ops", r.set)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				set, err := store.CloudStack(context.Background(), credentials.Account("ops"))
				if !assert.NoError(t, err) {
					return
				}
				c, err := cloudstack.New(set)
				if !assert.NoError(t, err) {
					return
				}
				_, err = c.GetVolume(context.Background(), r.seed.VolumeIDs[0])
				assert.NoError(t, err)
			}
		}()
	}
	for i := 0; i < 10; i++ {
		store.PutCloudStack("ops", r.set)
	}
	wg.Wait()
	assert.Len(t, r.sim.CallsTo("listVolumes"), 40)
}
