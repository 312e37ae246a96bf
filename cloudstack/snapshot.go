package cloudstack

import (
	"context"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
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
	const command = "createSnapshot"
	if volumeID == "" {
		return nil, invalidArg(command, "empty volume id")
	}
	var w wire.Snapshot
	id, err := c.async(ctx, command, newParams("volumeid", volumeID, "name", name), &w)
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
	return c.snapshotJob(ctx, "revertSnapshot", id)
}

// DeleteSnapshot deletes a snapshot.
func (c *Client) DeleteSnapshot(ctx context.Context, id string) error {
	return c.snapshotJob(ctx, "deleteSnapshot", id)
}

// snapshotJob runs a job on the snapshot that answers no object.
func (c *Client) snapshotJob(ctx context.Context, command, id string) error {
	if id == "" {
		return invalidArg(command, "empty snapshot id")
	}
	_, err := c.async(ctx, command, newParams("id", id), nil)
	return err
}

// GetSnapshot returns the snapshot with the given id, or an error matching fkerrors.NotFound.
func (c *Client) GetSnapshot(ctx context.Context, id string) (*Snapshot, error) {
	return getOne(ctx, c, "listSnapshots", "snapshot", id, newParams("id", id, "listall", "true"),
		func(w wire.Snapshot) (string, Snapshot) { return w.ID, *snapshotFromWire(&w) })
}

// ListSnapshots returns the snapshots of a volume.
func (c *Client) ListSnapshots(ctx context.Context, volumeID string) ([]Snapshot, error) {
	return listBy(ctx, c, "listSnapshots", "volume id", "volumeid", volumeID,
		func(w *wire.Snapshot) string { return w.VolumeID }, snapshotFromWire)
}
