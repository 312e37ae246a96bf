package cloudstack_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
)

// rig is a simulator seeded with an appliance VM holding replicated volumes, and the
// credential set an operation would fetch for its account.
type rig struct {
	sim  *simulator.Simulator
	seed simulator.Seeded
	set  credentials.CloudStack
}

func newRig(t testing.TB, volumes int, opts ...simulator.Option) *rig {
	t.Helper()
	sim := simulator.New(opts...)
	t.Cleanup(sim.Close)
	seed, err := sim.Seed(simulator.Scenario{Account: "ops", Appliance: simulator.ApplianceSpec{ReplicatedVolumes: volumes}})
	require.NoError(t, err)
	r := &rig{sim: sim, seed: seed}
	r.set = r.setFor(seed.APIKey, seed.SecretKey)
	return r
}

// setFor builds the set a source would return for the account, with the given keys.
func (r *rig) setFor(apiKey, secretKey string) credentials.CloudStack {
	set := credentials.CloudStack{
		APIURL:            r.sim.URL(),
		APIKey:            credentials.NewSecret(apiKey),
		SecretKey:         credentials.NewSecret(secretKey),
		Zone:              "zone-1",
		ApplianceVMID:     r.seed.ApplianceVMID,
		TemplateID:        r.seed.TemplateID,
		NetworkID:         r.seed.NetworkID,
		ServiceOfferingID: r.seed.ServiceOfferingID,
		DiskOfferingID:    r.seed.DiskOfferingID,
	}
	set.Meta = credentials.Meta{Origin: credentials.Origin{Source: "memory", Account: r.seed.Account, Location: "test"}, Version: set.ContentVersion(), Fingerprint: set.SecretKey.Fingerprint(), FetchedAt: time.Now()}
	return set
}

// detachReplicated detaches the replicated volumes from the running appliance. A default
// KVM cloud snapshots only detached volumes or those of stopped VMs
// (kvm.snapshot.enabled=false), and only one at a time per VM.
func (r *rig) detachReplicated(t testing.TB) {
	t.Helper()
	c := r.client(t)
	for _, id := range r.seed.VolumeIDs {
		_, err := c.DetachVolume(context.Background(), id)
		require.NoError(t, err)
	}
}

// client builds a Client from the rig's set, polling fast.
func (r *rig) client(t testing.TB, opts ...cloudstack.Option) *cloudstack.Client {
	t.Helper()
	c, err := cloudstack.New(r.set, append([]cloudstack.Option{cloudstack.WithPollInterval(time.Millisecond, 5*time.Millisecond)}, opts...)...)
	require.NoError(t, err)
	return c
}
