package failovertest

import (
	"log/slog"

	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
)

// Options shape a lab. The zero value is one source VM with two replicated volumes.
type Options struct {
	// SourceVMs is how many source VMs to prepare (default 1). vcsim's inventory grows to
	// hold them.
	SourceVMs int
	// VolumesPerVM is how many replicated volumes each source VM has (default 2, at most
	// 24); the first is its boot volume.
	VolumesPerVM int
	// Logger receives the lab's records (rotations, expired sessions, injected vCenter
	// faults) and the CloudStack simulator's one record per call. No secret is logged.
	// The default discards them.
	Logger *slog.Logger
	// Guests shapes the source VMs the way real guests are - guest OS, firmware, Secure
	// Boot, network adapters and their MAC addresses: Guests[i] shapes Sources[i]. Source
	// VMs without an entry, and a zero Guest, keep vcsim's VM as it is.
	Guests []Guest
	// CloudNetworks names guest networks to add to every CloudStack account's zone beside its
	// default network, so that each source network can map to a network of its own;
	// Catalog returns their ids.
	CloudNetworks []string
	// CloudStackOptions are passed to simulator.New after the lab's own (a logger), so they
	// win: simulator.WithLatency for a slow cloud, an option saying whether volumes of a
	// running VM may be snapshotted, and so on. The lab itself depends on none of them.
	CloudStackOptions []simulator.Option
}
