package database

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/ossea-migrate/failoverkit/credentials"
)

type vmContextRow struct {
	contextID, vmName text
	credentialID      sql.NullInt64
}

// VSphereForVM returns the vCenter set linked to a replicated VM through
// vm_replication_contexts.vmware_credential_id. vm is the context's context_id or, when no
// context has that id, its vm_name.
//
// When the link is NULL the VM uses the default set (the OMA's rule), and the origin's
// Location says so. A link to a set that is missing or inactive is an error, never the
// default. A vm_name shared by contexts linked to different sets is ErrAmbiguous (pass the
// context_id). A database without vm_replication_contexts answers ErrNotFound: per-VM
// selection needs the table; use VSphere with a Ref instead.
func (s *Source) VSphereForVM(ctx context.Context, vm string) (credentials.VSphere, error) {
	const kind = credentials.KindVSphere
	account := "vm " + vm
	ref := credentials.Ref{Name: account}
	if err := ctx.Err(); err != nil {
		return credentials.VSphere{}, contextError(kind, ref, err)
	}
	if strings.TrimSpace(vm) == "" {
		return credentials.VSphere{}, &credentials.Error{Category: credentials.ErrNotFound, Source: sourceName, Kind: kind, Account: account,
			Problem: "no VM given", Remedy: "pass the VM's context_id or vm_name from " + tableVMContexts}
	}
	rows, err := queryRows(ctx, s.db,
		"SELECT context_id, vm_name, vmware_credential_id FROM "+tableVMContexts+" WHERE context_id = ? OR vm_name = ? ORDER BY context_id",
		[]any{vm, vm}, func(r *vmContextRow) []any { return []any{&r.contextID, &r.vmName, &r.credentialID} })
	if err != nil {
		return credentials.VSphere{}, s.readError(ctx, kind, ref, tableVMContexts, err)
	}
	row, err := pickVMContext(vm, rows)
	if err != nil {
		return credentials.VSphere{}, err
	}
	link := tableVMContexts + " context_id=" + row.contextID.get()
	target := credentials.Ref{}
	if row.credentialID.Valid {
		target = credentials.AccountID(row.credentialID.Int64)
	}
	v, _, err := s.vSphereRow(ctx, target)
	if err != nil {
		var e *credentials.Error
		if !errors.As(err, &e) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return credentials.VSphere{}, err
		}
		how := "has no vmware_credential_id, so it uses the default set, but "
		remedy := e.Remedy + "; or link the VM to a usable set with Writer.LinkVM"
		if row.credentialID.Valid {
			how = "is linked to " + tableVSphere + " id=" + strconv.FormatInt(row.credentialID.Int64, 10) + ": "
			remedy = e.Remedy + "; or link the VM to another set with Writer.LinkVM (an empty name clears the link and uses the default set)"
		}
		return credentials.VSphere{}, &credentials.Error{Category: e.Category, Source: sourceName, Kind: kind, Account: account,
			Field: e.Field, Problem: "VM " + strconv.Quote(vm) + " (" + link + ") " + how + e.Problem, Remedy: remedy, Err: e.Err}
	}
	if row.credentialID.Valid {
		v.Origin.Location += " via " + link
	} else {
		v.Origin.Location += " (default set: " + link + " has no vmware_credential_id)"
	}
	return v, nil
}

func pickVMContext(vm string, rows []*vmContextRow) (*vmContextRow, error) {
	const kind = credentials.KindVSphere
	for _, r := range rows {
		if r.contextID.get() == vm {
			return r, nil
		}
	}
	if len(rows) == 0 {
		return nil, &credentials.Error{Category: credentials.ErrNotFound, Source: sourceName, Kind: kind, Account: "vm " + vm,
			Problem: "no row in " + tableVMContexts + " with context_id or vm_name " + strconv.Quote(vm),
			Remedy:  "pass the context_id or vm_name of a VM the appliance replicates (add the VM to replication in the OMA GUI first)"}
	}
	links := map[string]bool{}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.contextID.get())
		links[linkKey(r.credentialID)] = true
	}
	if len(links) > 1 {
		return nil, &credentials.Error{Category: credentials.ErrAmbiguous, Source: sourceName, Kind: kind, Account: "vm " + vm,
			Problem: "VM name " + strconv.Quote(vm) + " has several replication contexts linked to different sets: " + strings.Join(ids, ", "),
			Remedy:  "pass the context_id of the one you mean"}
	}
	return rows[0], nil
}

func linkKey(id sql.NullInt64) string {
	if !id.Valid {
		return "default"
	}
	return strconv.FormatInt(id.Int64, 10)
}
