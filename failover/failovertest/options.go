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
	// CloudStackOptions are passed to simulator.New after the lab's own (a logger), so they
	// win: simulator.WithLatency for a slow cloud, an option saying whether volumes of a
	// running VM may be snapshotted, and so on. The lab itself depends on none of them.
	CloudStackOptions []simulator.Option
}
