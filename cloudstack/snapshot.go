package cloudstack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-multierror"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// SnapshotState is a volume snapshot's state as CloudStack reports it.
type SnapshotState string

// Snapshot states.
const (
	SnapshotAllocated        SnapshotState = "Allocated"
	SnapshotCreating         SnapshotState = "Creating"
	SnapshotCreatedOnPrimary SnapshotState = "CreatedOnPrimary"
	SnapshotBackingUp        SnapshotState = "BackingUp"
	SnapshotBackedUp         SnapshotState = "BackedUp"
	SnapshotError            SnapshotState = "Error"
	SnapshotDestroyed        SnapshotState = "Destroyed"
)

// Snapshot is a volume snapshot.
type Snapshot struct {
	ID         string
	Name       string
	VolumeID   string
	VolumeName string
	VolumeType VolumeType
	State      SnapshotState
	// Type is MANUAL for snapshots taken on request, else the schedule's interval.
	Type              string
	ZoneID            string
	Revertable        bool
	PhysicalSizeBytes int64
	VirtualSizeBytes  int64
	Created           time.Time
}

// snapshotFromWire converts CloudStack's snapshot answer.
func snapshotFromWire(w *wire.Snapshot) *Snapshot {
	return &Snapshot{
		ID: w.ID, Name: w.Name, VolumeID: w.VolumeID, VolumeName: w.VolumeName,
		VolumeType: VolumeType(w.VolumeType), State: SnapshotState(w.State), Type: w.SnapshotType,
		ZoneID: w.ZoneID, Revertable: w.Revertable, PhysicalSizeBytes: w.PhysicalSize,
		VirtualSizeBytes: w.VirtualSize, Created: parseTime(w.Created),
	}
}

// CreateSnapshot snapshots a volume and returns the snapshot when CloudStack has taken it.
// name may be empty (CloudStack then names it). If CloudStack announced the snapshot's id
// before the call failed, the returned Snapshot is non-nil and holds that id, so that the
// caller can delete it.
func (c *Client) CreateSnapshot(ctx context.Context, volumeID, name string) (*Snapshot, error) {
	return c.createSnapshot(ctx, volumeID, name, nil)
}

func (c *Client) createSnapshot(ctx context.Context, volumeID, name string, announce func(id string)) (*Snapshot, error) {
	const command = "createSnapshot"
	if volumeID == "" {
		return nil, invalidArg(command, "empty volume id")
	}
	var w wire.Snapshot
	id, err := c.asyncAnnounced(ctx, command, newParams("volumeid", volumeID, "name", name), &w, announce)
	if err != nil {
		if id != "" {
			return &Snapshot{ID: id, Name: name, VolumeID: volumeID}, err
		}
		return nil, err
	}
	return snapshotFromWire(&w), nil
}

// RevertSnapshot reverts the snapshot's volume to it. CloudStack requires the volume to be
// detached or its VM stopped; otherwise the error matches fkerrors.Conflict.
func (c *Client) RevertSnapshot(ctx context.Context, id string) error {
	const command = "revertSnapshot"
	if id == "" {
		return invalidArg(command, "empty snapshot id")
	}
	_, err := c.async(ctx, command, newParams("id", id), nil)
	return err
}

// DeleteSnapshot deletes a snapshot.
func (c *Client) DeleteSnapshot(ctx context.Context, id string) error {
	const command = "deleteSnapshot"
	if id == "" {
		return invalidArg(command, "empty snapshot id")
	}
	_, err := c.async(ctx, command, newParams("id", id), nil)
	return err
}

// GetSnapshot returns the snapshot with the given id, or an error matching fkerrors.NotFound.
func (c *Client) GetSnapshot(ctx context.Context, id string) (*Snapshot, error) {
	const command = "listSnapshots"
	if id == "" {
		return nil, invalidArg(command, "empty snapshot id")
	}
	var l wire.List[wire.Snapshot]
	if err := c.request(ctx, command, "", newParams("id", id, "listall", "true"), &l); err != nil {
		return nil, err
	}
	for i := range l.Items {
		if l.Items[i].ID == id {
			return snapshotFromWire(&l.Items[i]), nil
		}
	}
	return nil, &APIError{Command: command, Text: "no snapshot with id " + id, Code: fkerrors.NotFound}
}

// ListSnapshots returns the snapshots of a volume.
func (c *Client) ListSnapshots(ctx context.Context, volumeID string) ([]Snapshot, error) {
	const command = "listSnapshots"
	if volumeID == "" {
		return nil, invalidArg(command, "empty volume id")
	}
	var l wire.List[wire.Snapshot]
	if err := c.request(ctx, command, "", newParams("volumeid", volumeID, "listall", "true"), &l); err != nil {
		return nil, err
	}
	snaps := make([]Snapshot, 0, len(l.Items))
	for i := range l.Items {
		if l.Items[i].VolumeID == volumeID {
			snaps = append(snaps, *snapshotFromWire(&l.Items[i]))
		}
	}
	return snaps, nil
}

// SnapshotOption configures SnapshotVolumes.
type SnapshotOption func(*snapshotConfig)

type snapshotConfig struct {
	name      func(volumeID string) string
	parallel  int
	onCreated func(Snapshot)
	cleanup   time.Duration
}

// SnapshotName names each snapshot; default: CloudStack's name.
func SnapshotName(name func(volumeID string) string) SnapshotOption {
	return func(c *snapshotConfig) { c.name = name }
}

// SnapshotParallel takes up to n snapshots at once (default 4).
func SnapshotParallel(n int) SnapshotOption {
	return func(c *snapshotConfig) {
		if n > 0 {
			c.parallel = n
		}
	}
}

// OnSnapshotCreated is called for every snapshot as soon as CloudStack has announced its id,
// before its job ends, with ID, Name (as requested, possibly empty) and VolumeID set, so that
// a caller can record it for cleanup before the set is complete - even if the process dies
// while the job runs. Calls come from several goroutines, one at a time.
func OnSnapshotCreated(f func(Snapshot)) SnapshotOption {
	return func(c *snapshotConfig) { c.onCreated = f }
}

// SnapshotCleanupTimeout bounds the deletion of the snapshots made when the set fails
// (default 5 minutes). Deletion runs even when ctx has ended.
func SnapshotCleanupTimeout(d time.Duration) SnapshotOption {
	return func(c *snapshotConfig) {
		if d > 0 {
			c.cleanup = d
		}
	}
}

// SnapshotVolumes snapshots every volume (rollback protection before a failover changes
// anything) and returns the snapshots in the order of volumeIDs.
//
// It is all or nothing: if any snapshot fails, it deletes the ones it made and returns an
// error holding every failure - each failed snapshot and each failed deletion - and saying how
// many failed. Snapshots it could not delete are returned with the error so that the caller
// can record them and delete them later; on a clean rollback the slice is empty.
func (c *Client) SnapshotVolumes(ctx context.Context, volumeIDs []string, opts ...SnapshotOption) ([]Snapshot, error) {
	cfg := snapshotConfig{parallel: 4, cleanup: 5 * time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	seen := make(map[string]bool, len(volumeIDs))
	for _, id := range volumeIDs {
		if id == "" || seen[id] {
			return nil, invalidArg("createSnapshot", "volume ids must be non-empty and distinct, got %q", volumeIDs)
		}
		seen[id] = true
	}

	snaps := make([]*Snapshot, len(volumeIDs))
	errs := make([]error, len(volumeIDs))
	var notify sync.Mutex
	sem := make(chan struct{}, cfg.parallel)
	var wg sync.WaitGroup
	for i, vol := range volumeIDs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			name := ""
			if cfg.name != nil {
				name = cfg.name(vol)
			}
			var announce func(string)
			if cfg.onCreated != nil {
				announce = func(id string) {
					notify.Lock()
					defer notify.Unlock()
					cfg.onCreated(Snapshot{ID: id, Name: name, VolumeID: vol})
				}
			}
			snaps[i], errs[i] = c.createSnapshot(ctx, vol, name, announce)
		}()
	}
	wg.Wait()

	var failed undoErrors
	failed.total = len(volumeIDs)
	for i, err := range errs {
		if err != nil {
			failed.add(fmt.Errorf("snapshot of volume %s: %w", volumeIDs[i], err))
		}
	}
	if failed.count() == 0 {
		out := make([]Snapshot, len(snaps))
		for i, s := range snaps {
			out[i] = *s
		}
		return out, nil
	}

	// Roll back: delete every snapshot CloudStack announced, including those whose job failed
	// or was abandoned, with a context that outlives a cancelled ctx.
	cleanCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.cleanup)
	defer cancel()
	var cleanup undoErrors
	var left []Snapshot
	for i, s := range snaps {
		if s == nil {
			continue
		}
		err := c.DeleteSnapshot(cleanCtx, s.ID)
		if err != nil && errs[i] != nil && isGone(err) {
			// A failed creation that left nothing behind: nothing to delete.
			continue
		}
		cleanup.total++
		if err != nil {
			cleanup.add(fmt.Errorf("delete snapshot %s of volume %s: %w", s.ID, s.VolumeID, err))
			left = append(left, *s)
		}
	}
	return left, joinSetErrors(len(volumeIDs), &failed, &cleanup, left)
}

// isGone reports whether a deletion failed because the snapshot is already gone, as a
// snapshot whose creation job failed may be.
func isGone(err error) bool { return errors.Is(err, fkerrors.NotFound) }

func joinSetErrors(n int, failed, cleanup *undoErrors, left []Snapshot) error {
	var all *multierror.Error
	all = multierror.Append(all, failed.list()...)
	all = multierror.Append(all, cleanup.list()...)
	all.ErrorFormat = func(es []error) string {
		var b strings.Builder
		fmt.Fprintf(&b, "cloudstack: snapshotting %d volumes: %d of %d snapshots failed", n, failed.count(), n)
		if cleanup.total > 0 {
			if cleanup.count() == 0 {
				fmt.Fprintf(&b, "; the %d made were deleted", cleanup.total)
			} else {
				ids := make([]string, len(left))
				for i, s := range left {
					ids[i] = s.ID
				}
				fmt.Fprintf(&b, "; %d of %d deletions failed, left: %s", cleanup.count(), cleanup.total, strings.Join(ids, ", "))
			}
		}
		fmt.Fprintf(&b, " (%d errors):", len(es))
		for _, e := range es {
			b.WriteString("\n\t* ")
			b.WriteString(e.Error())
		}
		return b.String()
	}
	return all
}
