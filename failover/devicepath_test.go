package failover

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
)

func TestVirtioDevicePaths(t *testing.T) {
	t.Parallel()
	var attached []cloudstack.Volume
	// Out of order, with the CD-ROM's device 3 missing as it is on CloudStack.
	for _, dev := range []int64{5, 0, 2, 1, 4, 6} {
		attached = append(attached, cloudstack.Volume{ID: "vol-" + string(rune('0'+dev)), DeviceID: dev})
	}
	paths, err := VirtioDevicePaths().DevicePaths(context.Background(), "appliance", attached)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"vol-0": "/dev/vda", "vol-1": "/dev/vdb", "vol-2": "/dev/vdc",
		"vol-4": "/dev/vdd", "vol-5": "/dev/vde", "vol-6": "/dev/vdf",
	}, paths)
	for i, want := range map[int]string{0: "a", 25: "z", 26: "aa", 27: "ab", 51: "az", 52: "ba", 701: "zz", 702: "aaa"} {
		assert.Equal(t, want, diskLetters(i), "disk %d", i)
	}
}
