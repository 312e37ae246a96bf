package database

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// The per-VM link from vm_replication_contexts to vmware_credentials: credential_id in
// deployed databases, vmware_credential_id in one of the appliance's migration files. The
// table in hand says which one it has; it is read on every call, never remembered.
var linkColumns = []string{"credential_id", "vmware_credential_id"}

type vmContextRow struct {
	contextID, vmName text
	// links holds the value of each link column present; link is the one read, from
	// linkColumn.
	links      []sql.NullInt64
	link       sql.NullInt64
	linkColumn string
	// conflict names the two link columns when a table has both and they disagree.
	conflict string
}

// ReadVSphereForVM implements credentials.VMLinkDriver: the source's VSphereForVM returns the
// vCenter set linked to a replicated VM through
// vm_replication_contexts.credential_id (or vmware_credential_id, whichever column the table
// has). vm is the context's context_id or, when no context has that id, its vm_name.
//
// When the link is NULL the VM uses the default set (the OMA's rule), and the origin's
// Location says so. A link to a set that is missing or inactive is an error, never the
// default. A vm_name shared by contexts linked to different sets is ErrAmbiguous (pass the
// context_id). A table with neither link column is ErrInvalid; one with both, disagreeing, is
// ErrAmbiguous. A database without vm_replication_contexts answers ErrNotFound: per-VM
// selection needs the table; use VSphere with a Ref instead.
func (s *reader) ReadVSphereForVM(ctx context.Context, vm string) (credentials.VSphere, error) {
	const kind = credentials.KindVSphere
	account := "vm " + vm
	ref := credentials.Ref{Name: account}
	if err := ctx.Err(); err != nil {
		return credentials.VSphere{}, contextError(kind, ref, err)
	}
	if strings.TrimSpace(vm) == "" {
		return credentials.VSphere{}, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: account,
			Problem: "no VM given", Fix: "pass the VM's context_id or vm_name from " + tableVMContexts}
	}
	rows, present, err := queryContexts(ctx, s.db, vm)
	if err != nil {
		return credentials.VSphere{}, s.readError(ctx, kind, ref, tableVMContexts, err)
	}
	if len(present) == 0 {
		return credentials.VSphere{}, noLinkColumn(kind, account)
	}
	row, err := pickVMContext(vm, rows)
	if err != nil {
		return credentials.VSphere{}, err
	}
	link := tableVMContexts + " context_id=" + row.contextID.get()
	if row.conflict != "" {
		return credentials.VSphere{}, &credentials.Error{Code: fkerrors.Ambiguous, Source: sourceName, Kind: kind, Account: account,
			Problem: "VM " + strconv.Quote(vm) + " (" + link + ") is linked differently by " + row.conflict,
			Fix:     "the appliance reads credential_id: make vmware_credential_id agree with it (or drop that column's value), or pass a vCenter account instead of the VM"}
	}
	target := credentials.Ref{}
	if row.link.Valid {
		target = credentials.AccountID(row.link.Int64)
	}
	v, _, err := s.vSphereRow(ctx, target)
	if err != nil {
		var e *credentials.Error
		if !errors.As(err, &e) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return credentials.VSphere{}, err
		}
		how := "has no " + row.linkColumn + ", so it uses the default set, but "
		remedy := e.Fix + "; or link the VM to a usable set with Writer.LinkVM"
		if row.link.Valid {
			how = "is linked to " + tableVSphere + " id=" + strconv.FormatInt(row.link.Int64, 10) + " (" + row.linkColumn + "): "
			remedy = e.Fix + "; or link the VM to another set with Writer.LinkVM (an empty name clears the link and uses the default set)"
		}
		return credentials.VSphere{}, &credentials.Error{Code: e.Code, Source: sourceName, Kind: kind, Account: account,
			Field: e.Field, Problem: "VM " + strconv.Quote(vm) + " (" + link + ") " + how + e.Problem, Fix: remedy, Err: e.Err}
	}
	if row.link.Valid {
		v.Origin.Location += " via " + link
	} else {
		v.Origin.Location += " (default set: " + link + " has no " + row.linkColumn + ")"
	}
	return v, nil
}

// queryContexts reads the contexts whose context_id or vm_name is vm, with the link from
// whichever link column the table has, and lists the link columns present (none: no rows
// are read). The columns are looked up first, on every call, so that the table's shape as it
// is now decides; the query then names them, so a driver's cached statement for another
// shape is never reused.
func queryContexts(ctx context.Context, db *gorm.DB, vm string) ([]*vmContextRow, []string, error) {
	cols, err := contextColumns(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	present := linkColumnsIn(cols)
	if len(present) == 0 {
		return nil, nil, nil
	}
	rows, err := queryRows(ctx, db, "SELECT context_id, vm_name, "+strings.Join(present, ", ")+" FROM "+tableVMContexts+
		" WHERE context_id = ? OR vm_name = ? ORDER BY context_id", []any{vm, vm},
		func(r *vmContextRow) []any {
			r.links = make([]sql.NullInt64, len(present))
			dest := []any{&r.contextID, &r.vmName}
			for i := range r.links {
				dest = append(dest, &r.links[i])
			}
			return dest
		})
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		r.link, r.linkColumn = r.links[0], present[0]
		for i := 1; i < len(present); i++ {
			if r.links[i] != r.link {
				r.conflict = present[0] + " (" + linkKey(r.link) + ") and " + present[i] + " (" + linkKey(r.links[i]) + ")"
			}
		}
	}
	return rows, present, nil
}

// contextColumns lists the columns vm_replication_contexts has now, lower-cased, from the
// catalog: a query whose result has the same shape whatever the table's, so that no driver
// keeps a stale statement for it. A missing table lists no columns and is not an error here.
func contextColumns(ctx context.Context, db *gorm.DB) ([]string, error) {
	var q string
	switch db.Dialector.Name() {
	case "mysql":
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?"
	case "postgres":
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
	case "sqlite":
		q = "SELECT name FROM pragma_table_info(?)"
	default:
		return selectStarColumns(ctx, db)
	}
	names, err := queryRows(ctx, db, q, []any{tableVMContexts}, func(r *text) []any { return []any{r} })
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		// Let the caller's own read report the missing table, with its remedy.
		return selectStarColumns(ctx, db)
	}
	cols := make([]string, 0, len(names))
	for _, n := range names {
		cols = append(cols, strings.ToLower(n.get()))
	}
	return cols, nil
}

// selectStarColumns learns the columns from an empty SELECT *, for dialects without a
// catalog query here.
func selectStarColumns(ctx context.Context, db *gorm.DB) ([]string, error) {
	rows, err := db.WithContext(ctx).Raw("SELECT * FROM " + tableVMContexts + " WHERE 1 = 0").Rows()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	for i, c := range cols {
		cols[i] = strings.ToLower(c)
	}
	return cols, rows.Err()
}

// linkColumnsIn lists the link columns among cols.
func linkColumnsIn(cols []string) []string {
	var present []string
	for _, c := range linkColumns {
		if slices.Contains(cols, c) {
			present = append(present, c)
		}
	}
	return present
}

func noLinkColumn(kind credentials.Kind, account string) error {
	return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Kind: kind, Account: account,
		Problem: "table " + tableVMContexts + " has neither credential_id (as the appliance's deployed schema has it) nor vmware_credential_id, " +
			"so it links no VM to a vCenter set",
		Fix: "point the source at the appliance's database (its " + tableVMContexts + " has credential_id, an int referencing " +
			tableVSphere + ".id), or select the vCenter set by account instead of by VM"}
}

func pickVMContext(vm string, rows []*vmContextRow) (*vmContextRow, error) {
	const kind = credentials.KindVSphere
	for _, r := range rows {
		if r.contextID.get() == vm {
			return r, nil
		}
	}
	if len(rows) == 0 {
		return nil, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: "vm " + vm,
			Problem: "no row in " + tableVMContexts + " with context_id or vm_name " + strconv.Quote(vm),
			Fix:     "pass the context_id or vm_name of a VM the appliance replicates (add the VM to replication in the OMA GUI first)"}
	}
	links := map[string]bool{}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.contextID.get())
		links[linkKey(r.link)+"/"+r.conflict] = true
	}
	if len(links) > 1 {
		return nil, &credentials.Error{Code: fkerrors.Ambiguous, Source: sourceName, Kind: kind, Account: "vm " + vm,
			Problem: "VM name " + strconv.Quote(vm) + " has several replication contexts linked to different sets: " + strings.Join(ids, ", "),
			Fix:     "pass the context_id of the one you mean"}
	}
	return rows[0], nil
}

func linkKey(id sql.NullInt64) string {
	if !id.Valid {
		return "NULL"
	}
	return strconv.FormatInt(id.Int64, 10)
}
