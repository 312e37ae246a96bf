package cloudstack_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func TestCatalogLookups(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	t.Cleanup(sim.Close)
	seeded, err := sim.Seed(simulator.Scenario{Account: "catalog", Zone: "zone-a", WindowsTemplate: "win-2019"})
	require.NoError(t, err)
	c, err := cloudstack.New(credentials.CloudStack{
		APIURL:    sim.URL(),
		APIKey:    credentials.NewSecret(seeded.APIKey),
		SecretKey: credentials.NewSecret(seeded.SecretKey),
	})
	require.NoError(t, err)
	ctx := context.Background()

	zones, err := c.Zones(ctx)
	require.NoError(t, err)
	require.Len(t, zones, 1)
	z, err := c.GetZone(ctx, "zone-a")
	require.NoError(t, err)
	assert.Equal(t, seeded.ZoneID, z.ID)
	_, err = c.GetZone(ctx, "zone-b")
	assert.ErrorIs(t, err, fkerrors.NotFound)

	fixed, err := c.GetServiceOffering(ctx, seeded.ServiceOfferingID)
	require.NoError(t, err)
	assert.False(t, fixed.Custom)
	assert.Equal(t, 2, fixed.CPUs)
	assert.Equal(t, 2048, fixed.MemoryMB)
	custom, err := c.GetServiceOffering(ctx, seeded.CustomServiceOfferingID)
	require.NoError(t, err)
	assert.True(t, custom.Custom)

	disk, err := c.GetDiskOffering(ctx, seeded.DiskOfferingID)
	require.NoError(t, err)
	assert.EqualValues(t, 10, disk.SizeGB)
	tpl, err := c.GetTemplate(ctx, seeded.TemplateID)
	require.NoError(t, err)
	assert.Equal(t, seeded.ZoneID, tpl.ZoneID)
	assert.Equal(t, simulator.OSTypeLinux, tpl.OSTypeName)
	assert.NotEmpty(t, tpl.OSTypeID)
	assert.Equal(t, cloudstack.OSLinux, tpl.Family())
	win, err := c.GetTemplate(ctx, seeded.WindowsTemplateID)
	require.NoError(t, err)
	assert.Equal(t, simulator.OSTypeWindows, win.OSTypeName)
	assert.NotEqual(t, tpl.OSTypeID, win.OSTypeID)
	assert.Equal(t, cloudstack.OSWindows, win.Family())
	nw, err := c.GetNetwork(ctx, seeded.NetworkID)
	require.NoError(t, err)
	assert.Equal(t, seeded.ZoneID, nw.ZoneID)

	const unknown = "00000000-0000-4000-8000-0000000000ff"
	for name, lookup := range map[string]func() error{
		"service offering": func() error { _, err := c.GetServiceOffering(ctx, unknown); return err },
		"disk offering":    func() error { _, err := c.GetDiskOffering(ctx, unknown); return err },
		"template":         func() error { _, err := c.GetTemplate(ctx, unknown); return err },
		"network":          func() error { _, err := c.GetNetwork(ctx, unknown); return err },
	} {
		assert.ErrorIs(t, lookup(), fkerrors.NotFound, name)
	}
	_, err = c.GetTemplate(ctx, "")
	assert.ErrorIs(t, err, fkerrors.Invalid)
}
