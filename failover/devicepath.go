package failover

import (
	"context"
	"slices"

	"github.com/ossea-migrate/failoverkit/cloudstack"
)

// DevicePaths tells where the replicated volumes appear on the appliance VM - the block
// device path a driver-injection script opens - by volume id. It is given every volume
// attached to the appliance (its own and the replicated ones) with their CloudStack device
// ids, as preflight found them. Implementations must be safe for concurrent use.
type DevicePaths interface {
	DevicePaths(ctx context.Context, applianceVMID string, attached []cloudstack.Volume) (map[string]string, error)
}

// DevicePathsFunc adapts a function to DevicePaths.
type DevicePathsFunc func(ctx context.Context, applianceVMID string, attached []cloudstack.Volume) (map[string]string, error)

// DevicePaths calls f.
func (f DevicePathsFunc) DevicePaths(ctx context.Context, applianceVMID string, attached []cloudstack.Volume) (map[string]string, error) {
	return f(ctx, applianceVMID, attached)
}

// VirtioDevicePaths names the appliance's disks the way a Linux guest on KVM names virtio
// disks: in device id order, /dev/vda, /dev/vdb, ... /dev/vdz, /dev/vdaa, ... CloudStack keeps
// device id 3 for the CD-ROM, which is not a virtio disk, so device 4 is the fourth disk
// (/dev/vdd), not /dev/vde. It is a default for appliances that record nothing better; the
// appliance's own bookkeeping (device_mappings.device_path) knows for sure.
func VirtioDevicePaths() DevicePaths {
	return DevicePathsFunc(func(_ context.Context, _ string, attached []cloudstack.Volume) (map[string]string, error) {
		vols := slices.Clone(attached)
		slices.SortFunc(vols, func(a, b cloudstack.Volume) int { return int(a.DeviceID - b.DeviceID) })
		paths := make(map[string]string, len(vols))
		for i, v := range vols {
			paths[v.ID] = "/dev/vd" + diskLetters(i)
		}
		return paths, nil
	})
}

// diskLetters is the suffix Linux gives the i-th disk: a ... z, aa ... az, ba ...
func diskLetters(i int) string {
	s := ""
	for i >= 0 {
		s = string(rune('a'+i%26)) + s
		i = i/26 - 1
	}
	return s
}
