package appliance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// bootDisk is the disk_id the appliance gives a VM's first disk, the one it boots from.
const bootDisk = "disk-2000"

// RequestFor builds the request to fail over the VM of replication context contextID, as
// the appliance records it:
//
//   - the source VM by its inventory path (vm_replication_contexts.vm_path);
//   - the vCenter set linked to the VM (Request.VMContext = contextID, resolved by the
//     credential source when the operation starts);
//   - the CloudStack set ossea_config_id names, or the active configuration when it is NULL;
//   - the replicated volumes: each vm_disks row's ossea_volumes.volume_id, in disk order
//     (disk-2000, disk-2001, ...), disk-2000 first and booting;
//   - the network mappings of network_mappings for kind: the test mappings
//     (is_test_network = 1) for a test failover, the others for a live one. A test failover
//     never falls back on the live mappings: an unmapped NIC is then left to preflight.
//
// kind is failover.KindTestFailover or failover.KindLiveFailover. It only reads. A missing
// or inconsistent row is an *Error matching ErrNotFound or ErrInconsistent that names the row
// and the fix; all such problems are reported together. The caller may adjust the request
// (power-off policy, name, placement overrides) before running it.
func RequestFor(ctx context.Context, db *gorm.DB, contextID string, kind failover.Kind) (failover.Request, error) {
	var req failover.Request
	if kind != failover.KindTestFailover && kind != failover.KindLiveFailover {
		return req, fmt.Errorf("%w: RequestFor: kind %q is neither %s nor %s", failover.ErrInvalidRequest, kind,
			failover.KindTestFailover, failover.KindLiveFailover)
	}
	if db == nil {
		return req, fmt.Errorf("%w: RequestFor needs the appliance's database", failover.ErrInvalidRequest)
	}
	db = db.WithContext(ctx)
	row := "context_id=" + contextID
	c, err := readContext(db, contextID)
	if err != nil {
		return req, err
	}
	var problems []error
	if strings.TrimSpace(c.path) == "" {
		problems = append(problems, &Error{Reason: ErrNotFound, Table: tableContexts, Row: row,
			Problem: "vm_path is empty, so the source VM cannot be found in vCenter",
			Fix:     "discover the VM again in the appliance so that its inventory path is recorded"})
	}
	req.VM = vsphere.ByPath(c.path)
	req.VMContext = contextID
	if c.config.Valid {
		req.CloudStack = credentials.AccountID(c.config.Int64)
	}

	volumes, errs := readVolumes(db, contextID)
	problems = append(problems, errs...)
	req.Volumes = volumes

	networks, errs := readNetworks(db, contextID, kind)
	problems = append(problems, errs...)
	if kind == failover.KindLiveFailover {
		req.Networks.Live = networks
	} else {
		req.Networks.Test = networks
	}
	if len(problems) > 0 {
		return req, errors.Join(problems...)
	}
	return req, nil
}

type contextFacts struct {
	path   string
	config sql.NullInt64
}

func readContext(db *gorm.DB, contextID string) (contextFacts, error) {
	var c contextFacts
	row := "context_id=" + contextID
	if strings.TrimSpace(contextID) == "" {
		return c, &Error{Reason: ErrNotFound, Table: tableContexts, Row: row, Problem: "no context_id given",
			Fix: "pass the context_id of a VM the appliance replicates"}
	}
	rows, err := db.Raw("SELECT vm_path, ossea_config_id FROM "+tableContexts+" WHERE context_id = ?", contextID).Rows()
	if err != nil {
		return c, dbError(tableContexts, row, "could not be read", err)
	}
	defer func() { _ = rows.Close() }()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return c, dbError(tableContexts, row, "could not be read", err)
		}
		return c, &Error{Reason: ErrNotFound, Table: tableContexts, Row: row, Problem: "no such replication context",
			Fix: "pass the context_id of a VM the appliance replicates (add the VM to replication in the OMA GUI first)"}
	}
	if err := rows.Scan(&c.path, &c.config); err != nil {
		return c, dbError(tableContexts, row, "could not be read", err)
	}
	return c, nil
}

// disk is a vm_disks row with its ossea_volumes row.
type disk struct {
	id       string
	key      int
	volumeFK sql.NullInt64
	volRowID sql.NullInt64
	volumeID sql.NullString
	volCtx   sql.NullString
}

// readVolumes lists the context's replicated volumes in disk order, the boot disk first.
func readVolumes(db *gorm.DB, contextID string) ([]failover.Volume, []error) {
	rows, err := db.Raw("SELECT d.disk_id, d.ossea_volume_id, v.id, v.volume_id, v.vm_context_id FROM "+tableDisks+" d "+
		"LEFT JOIN "+tableVolumes+" v ON v.id = d.ossea_volume_id WHERE d.vm_context_id = ?", contextID).Rows()
	if err != nil {
		return nil, []error{dbError(tableDisks, "of context "+contextID, "could not be read", err)}
	}
	var disks []disk
	var problems []error
	for rows.Next() {
		var d disk
		if err := rows.Scan(&d.id, &d.volumeFK, &d.volRowID, &d.volumeID, &d.volCtx); err != nil {
			_ = rows.Close()
			return nil, []error{dbError(tableDisks, "of context "+contextID, "could not be read", err)}
		}
		n, ok := strings.CutPrefix(d.id, "disk-")
		key, err := strconv.Atoi(n)
		if !ok || err != nil || key < 0 {
			problems = append(problems, &Error{Reason: ErrInconsistent, Table: tableDisks, Row: diskRow(d.id, contextID),
				Problem: "the disk_id is not of the form disk-<key> the appliance writes, so the disk order is unknown",
				Fix:     "correct the row's disk_id (disk-2000 for the first disk), or discover the VM again"})
			continue
		}
		d.key = key
		disks = append(disks, d)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, []error{dbError(tableDisks, "of context "+contextID, "could not be read", err)}
	}
	if len(disks) == 0 && len(problems) == 0 {
		return nil, []error{&Error{Reason: ErrNotFound, Table: tableDisks, Row: "of context " + contextID,
			Problem: "the appliance records no disk for this VM",
			Fix:     "replicate the VM first: its first replication records its disks and their volumes"}}
	}
	slices.SortFunc(disks, func(a, b disk) int { return a.key - b.key })
	if len(disks) > 0 && disks[0].id != bootDisk {
		problems = append(problems, &Error{Reason: ErrNotFound, Table: tableDisks, Row: diskRow(bootDisk, contextID),
			Problem: "the VM's boot disk is not recorded (the appliance boots the new VM from its first disk, disk-2000)",
			Fix:     "replicate the VM's first disk, or discover the VM again so that its disks are recorded"})
	}
	var volumes []failover.Volume
	seen := map[string]string{}
	for _, d := range disks {
		r := diskRow(d.id, contextID)
		switch {
		case !d.volumeFK.Valid:
			problems = append(problems, &Error{Reason: ErrNotFound, Table: tableDisks, Row: r,
				Problem: "the disk has no replicated volume (ossea_volume_id is NULL)",
				Fix:     "finish the VM's replication so that every disk has its volume in CloudStack"})
		case !d.volRowID.Valid:
			problems = append(problems, &Error{Reason: ErrInconsistent, Table: tableDisks, Row: r,
				Problem: fmt.Sprintf("ossea_volume_id %d names no %s row", d.volumeFK.Int64, tableVolumes),
				Fix:     "replicate the VM again so that the disk's volume is recorded, or correct the row"})
		case strings.TrimSpace(d.volumeID.String) == "":
			problems = append(problems, &Error{Reason: ErrInconsistent, Table: tableVolumes, Row: fmt.Sprintf("id=%d", d.volRowID.Int64),
				Problem: "the volume row (of disk " + d.id + ") has no CloudStack volume_id",
				Fix:     "replicate the VM again so that the volume is recorded with its CloudStack id"})
		case d.volCtx.Valid && d.volCtx.String != contextID:
			problems = append(problems, &Error{Reason: ErrInconsistent, Table: tableVolumes, Row: "volume_id=" + d.volumeID.String,
				Problem: "the volume of disk " + d.id + " of context " + contextID + " belongs to context " + d.volCtx.String,
				Fix:     "correct vm_disks.ossea_volume_id of the disk, or ossea_volumes.vm_context_id of the volume"})
		case seen[d.volumeID.String] != "":
			problems = append(problems, &Error{Reason: ErrInconsistent, Table: tableDisks, Row: r,
				Problem: "the disk has the same volume (" + d.volumeID.String + ") as disk " + seen[d.volumeID.String],
				Fix:     "correct the disks' ossea_volume_id so that each names its own volume"})
		default:
			seen[d.volumeID.String] = d.id
			volumes = append(volumes, failover.Volume{ID: d.volumeID.String, Boot: d.id == bootDisk})
		}
	}
	return volumes, problems
}

func diskRow(diskID, contextID string) string {
	return "disk_id=" + diskID + " of context " + contextID
}

// readNetworks reads the context's network mappings for kind.
func readNetworks(db *gorm.DB, contextID string, kind failover.Kind) (map[string]string, []error) {
	test := kind == failover.KindTestFailover
	rows, err := db.Raw("SELECT source_network_name, destination_network_id, is_test_network FROM "+tableNetworks+
		" WHERE vm_context_id = ? ORDER BY source_network_name", contextID).Rows()
	if err != nil {
		return nil, []error{dbError(tableNetworks, "of context "+contextID, "could not be read", err)}
	}
	defer func() { _ = rows.Close() }()
	var problems []error
	out := map[string]string{}
	for rows.Next() {
		var source, dest string
		var isTest sql.NullBool
		if err := rows.Scan(&source, &dest, &isTest); err != nil {
			return nil, []error{dbError(tableNetworks, "of context "+contextID, "could not be read", err)}
		}
		if isTest.Bool != test {
			continue
		}
		if strings.TrimSpace(dest) == "" {
			which := "live"
			if test {
				which = "test"
			}
			problems = append(problems, &Error{Reason: ErrInconsistent, Table: tableNetworks,
				Row:     "source_network_name=" + source + " (" + which + ") of context " + contextID,
				Problem: "the mapping has no destination_network_id",
				Fix:     "choose the CloudStack network for " + source + " in the VM's network mappings in the OMA GUI"})
			continue
		}
		out[source] = dest
	}
	if err := rows.Err(); err != nil {
		return nil, []error{dbError(tableNetworks, "of context "+contextID, "could not be read", err)}
	}
	if len(out) == 0 {
		return nil, problems
	}
	return out, problems
}
