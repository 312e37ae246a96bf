package database

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

const sourceName = "database"

// GUI settings named in remedies.
const (
	guiCloudStack = "the OMA GUI's OSSEA (CloudStack) configuration"
	guiVSphere    = "the OMA GUI's VMware (vCenter) credentials settings"
)

// reader is the driver over the appliance's tables, read through gorm. It reads the
// database on every call and is safe for concurrent use.
type reader struct {
	db     *gorm.DB
	cfg    config
	cipher *Cipher
	usage  *usageTracker
}

var _ credentials.VMLinkDriver = (*reader)(nil)

// New returns the source over the appliance's tables in db. It does not touch the database;
// the tables are read on each call, as they are (no migration). The source links VMs to
// their vCenter sets (VSphereForVM, through ReadVSphereForVM). With WithUsageTracking, call Close when done.
//
// CloudStack returns the CloudStack configuration a Ref selects: the active row of
// ossea_configs with the lowest id, as the appliance picks it (zero Ref), or the active row
// with the given name (Ref.Name) or id (Ref.ID). A row with is_active = 0 was deleted in the
// appliance and is fkerrors.NotFound. When several rows are active the default carries a
// warning naming the others (Meta.Warnings, and logged), or is fkerrors.Ambiguous under
// StrictDefault. VSphere returns the vCenter set a Ref selects: the row of
// vmware_credentials with is_default and is_active set (zero Ref), or the active row with
// the given credential_name (Ref.Name) or id (Ref.ID); an inactive named row is
// fkerrors.NotFound, with a remedy saying to activate it.
func New(db *gorm.DB, opts ...SourceOption) (*credentials.Provider, error) {
	if db == nil {
		return nil, &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: "no database handle", Fix: "pass an open *gorm.DB to database.New"}
	}
	s := &reader{db: db, cfg: sourceConfig(opts)}
	if s.cfg.keySet {
		c, err := NewCipher(s.cfg.key)
		if err != nil {
			return nil, err
		}
		s.cipher = c
		// The cipher holds what it needs; keeping the raw key too would let a %#v of this
		// value print it.
		clear(s.cfg.key)
		s.cfg.key = nil
	}
	if s.cfg.usage {
		s.usage = startUsageTracker(db, s.cfg)
	}
	return credentials.NewProvider(sourceName, s, credentials.WithLogger(s.cfg.logger), credentials.WithClock(s.cfg.now)), nil
}

// Close stops the usage bookkeeping goroutine, if WithUsageTracking started one, dropping
// updates still queued. It is safe to call more than once; the source keeps answering
// fetches after Close.
func (s *reader) Close() error {
	if s.usage != nil {
		s.usage.close()
	}
	return nil
}

// ReadCloudStack implements credentials.Driver.
func (s *reader) ReadCloudStack(ctx context.Context, ref credentials.Ref) (credentials.CloudStack, error) {
	const kind = credentials.KindCloudStack
	match, err := selector(kind, ref)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	rows, err := queryRows(ctx, s.db, "SELECT "+cloudStackColumns+" FROM "+tableCloudStack+" ORDER BY id", nil,
		func(r *cloudStackRow) []any { return r.dest() })
	if err != nil {
		return credentials.CloudStack{}, s.readError(ctx, kind, ref, tableCloudStack, err)
	}
	row, warnings, err := pickCloudStack(ref, filter(rows, func(r *cloudStackRow) bool { return match(r.id, r.name.get()) }), s.cfg.strictDefault)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	for _, w := range warnings {
		s.cfg.logger.WarnContext(ctx, "credentials: "+w, "source", sourceName, "kind", string(kind), "location", row.location())
	}
	name := row.name.get()
	apiKey, err := s.cloudStackKey(ref, row, credentials.FieldAPIKey, row.apiKey.get())
	if err != nil {
		return credentials.CloudStack{}, err
	}
	secretKey, err := s.cloudStackKey(ref, row, credentials.FieldSecretKey, row.secretKey.get())
	if err != nil {
		return credentials.CloudStack{}, err
	}
	c := credentials.CloudStack{
		APIURL:             row.apiURL.get(),
		APIKey:             credentials.NewSecret(apiKey),
		SecretKey:          credentials.NewSecret(secretKey),
		Domain:             row.domain.get(),
		Zone:               row.zone.get(),
		ApplianceVMID:      row.omaVMID.get(),
		TemplateID:         row.templateID.get(),
		NetworkID:          row.networkID.get(),
		ServiceOfferingID:  row.serviceOfferingID.get(),
		DiskOfferingID:     row.diskOfferingID.get(),
		InsecureSkipVerify: s.cfg.insecureFor(kind, name),
	}
	if p := c.Check(); p != nil {
		return credentials.CloudStack{}, fieldError(kind, ref, row.location(), row.named(), p)
	}
	c.Meta = credentials.Meta{Origin: credentials.Origin{Source: sourceName, Account: name, Location: row.location()},
		Version: rowVersion(row.location(), name, c.ContentVersion()), Warnings: warnings}
	return c, nil
}

// pickCloudStack picks the row ref names, or the default: the active row with the lowest
// id, as the appliance's own code does (rows come ordered by id). Several active rows give
// a warning naming them all, or ErrAmbiguous when strict.
func pickCloudStack(ref credentials.Ref, rows []*cloudStackRow, strict bool) (*cloudStackRow, []string, error) {
	const kind = credentials.KindCloudStack
	if !ref.IsDefault() {
		if len(rows) == 0 {
			return nil, nil, namedMissing(kind, ref, tableCloudStack, "name",
				"create it ("+guiCloudStack+", or Writer.PutCloudStack) or correct the account name")
		}
		r := rows[0]
		if !r.active {
			return nil, nil, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: ref.String(),
				Problem: "the configuration " + r.named() + " was deleted (is_active = 0: the appliance deletes a configuration by deactivating it)",
				Fix: "restore it by saving it again in " + guiCloudStack + ", with Writer.ActivateCloudStack, or by setting is_active to 1 on " +
					r.location() + "; or name a configuration that is in use"}
		}
		return r, nil, nil
	}
	var active []*cloudStackRow
	var labels []string
	for _, r := range rows {
		if r.active {
			active = append(active, r)
			labels = append(labels, r.label())
		}
	}
	switch {
	case len(active) == 1:
		return active[0], nil, nil
	case len(active) > 1 && strict:
		return nil, nil, &credentials.Error{Code: fkerrors.Ambiguous, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: "more than one active row in " + tableCloudStack + ": " + strings.Join(labels, ", ") +
				" (the appliance would use " + active[0].label() + ", the lowest id; database.StrictDefault refuses to guess)",
			Fix: "delete the configurations not in use in " + guiCloudStack + " (or Writer.DeleteCloudStack), or name the account to use"}
	case len(active) > 1:
		return active[0], []string{"several active CloudStack configurations in " + tableCloudStack + ": " + strings.Join(labels, ", ") +
			"; using " + active[0].label() + ", the lowest id, as the appliance does. Delete the ones not in use in " + guiCloudStack +
			" (or Writer.DeleteCloudStack), or name the account to use"}, nil
	case len(rows) == 0:
		return nil, nil, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: tableCloudStack + " has no rows",
			Fix:     "fill in and save " + guiCloudStack + ", or create a configuration with Writer.PutCloudStack"}
	default:
		all := make([]string, 0, len(rows))
		for _, r := range rows {
			all = append(all, r.label())
		}
		return nil, nil, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: "no active row in " + tableCloudStack + ": every configuration was deleted (is_active = 0: " + strings.Join(all, ", ") + ")",
			Fix: "activate one: restore a deleted configuration with Writer.ActivateCloudStack (or is_active = 1 on its row), " +
				"save one in " + guiCloudStack + ", or create one with Writer.PutCloudStack"}
	}
}

// ReadVSphere implements credentials.Driver.
func (s *reader) ReadVSphere(ctx context.Context, ref credentials.Ref) (credentials.VSphere, error) {
	v, _, err := s.vSphereRow(ctx, ref)
	return v, err
}

func (s *reader) vSphereRow(ctx context.Context, ref credentials.Ref) (credentials.VSphere, *vSphereRow, error) {
	const kind = credentials.KindVSphere
	match, err := selector(kind, ref)
	if err != nil {
		return credentials.VSphere{}, nil, err
	}
	rows, err := queryRows(ctx, s.db, "SELECT "+vSphereColumns+" FROM "+tableVSphere+" ORDER BY id", nil,
		func(r *vSphereRow) []any { return r.dest() })
	if err != nil {
		return credentials.VSphere{}, nil, s.readError(ctx, kind, ref, tableVSphere, err)
	}
	row, err := pickVSphere(ref, filter(rows, func(r *vSphereRow) bool { return match(r.id, r.name.get()) }))
	if err != nil {
		return credentials.VSphere{}, nil, err
	}
	password, warnings, err := s.password(ctx, ref, row)
	if err != nil {
		return credentials.VSphere{}, nil, err
	}
	name := row.name.get()
	v := credentials.VSphere{
		Host:               row.host.get(),
		Username:           row.username.get(),
		Password:           credentials.NewSecret(password),
		Datacenter:         row.datacenter.get(),
		InsecureSkipVerify: s.cfg.insecureFor(kind, name),
	}
	if p := v.Check(); p != nil {
		return credentials.VSphere{}, nil, fieldError(kind, ref, row.location(), row.named(), p)
	}
	v.Meta = credentials.Meta{Origin: credentials.Origin{Source: sourceName, Account: name, Location: row.location()},
		Version: rowVersion(row.location(), name, v.ContentVersion()), Warnings: warnings}
	if s.usage != nil {
		s.usage.record(row.id)
	}
	return v, row, nil
}

func pickVSphere(ref credentials.Ref, rows []*vSphereRow) (*vSphereRow, error) {
	const kind = credentials.KindVSphere
	if !ref.IsDefault() {
		if len(rows) == 0 {
			return nil, namedMissing(kind, ref, tableVSphere, "credential_name",
				"add it ("+guiVSphere+", or Writer.PutVSphere) or correct the account name")
		}
		r := rows[0]
		if !r.active {
			return nil, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: ref.String(),
				Problem: "the set " + r.named() + " is inactive",
				Fix:     "activate it: set is_active to 1 on " + r.location() + ", call Writer.ActivateVSphere, or enable it in " + guiVSphere}
		}
		return r, nil
	}
	var defaults, inactiveDefaults []*vSphereRow
	for _, r := range rows {
		switch {
		case bool(r.isDefault && r.active):
			defaults = append(defaults, r)
		case bool(r.isDefault):
			inactiveDefaults = append(inactiveDefaults, r)
		}
	}
	switch {
	case len(defaults) == 1:
		return defaults[0], nil
	case len(defaults) > 1:
		labels := make([]string, 0, len(defaults))
		for _, r := range defaults {
			labels = append(labels, r.label())
		}
		return nil, &credentials.Error{Code: fkerrors.Ambiguous, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: "more than one active default row in " + tableVSphere + ": " + strings.Join(labels, ", "),
			Fix: "keep one default: set is_default to 0 on the others, or call Writer.SetDefaultVSphere with the one to keep " +
				"(it clears the rest), or choose the default in " + guiVSphere}
	case len(inactiveDefaults) > 0:
		r := inactiveDefaults[0]
		return nil, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: "the default set " + r.named() + " is inactive",
			Fix: "activate it (set is_active to 1 on " + r.location() + ", or Writer.ActivateVSphere), or make an active set " +
				"the default (Writer.SetDefaultVSphere, or " + guiVSphere + ")"}
	case len(rows) == 0:
		return nil, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: tableVSphere + " has no rows",
			Fix:     "add vCenter credentials in " + guiVSphere + " and make them the default, or call Writer.PutVSphere and Writer.SetDefaultVSphere"}
	default:
		return nil, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: "no row in " + tableVSphere + " is marked default",
			Fix:     "choose the default set in " + guiVSphere + ", set is_default to 1 on one active row, or call Writer.SetDefaultVSphere"}
	}
}

// selector returns the test a row must pass to be the one ref names: every row for the
// default (the caller then looks at the flags), otherwise an exact match of the name and/or
// the id. The whole table is read and matched here rather than in SQL: credential tables
// hold a handful of rows, one statement without arguments is a single round trip on every
// driver (no server-side prepare), and names compare exactly on every database instead of
// by each one's collation.
func selector(kind credentials.Kind, ref credentials.Ref) (func(id int64, name string) bool, error) {
	if ref.IsDefault() {
		return func(int64, string) bool { return true }, nil
	}
	wantID := int64(-1)
	if ref.ID != "" {
		id, err := strconv.ParseInt(strings.TrimSpace(ref.ID), 10, 64)
		if err != nil {
			return nil, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: ref.String(),
				Problem: "the id is not a number; rows of " + tableFor(kind) + " have numeric ids",
				Fix:     "select the account by its numeric id or by name (credentials.Account)"}
		}
		wantID = id
	}
	return func(id int64, name string) bool {
		return (ref.Name == "" || name == ref.Name) && (ref.ID == "" || id == wantID)
	}, nil
}

func filter[R any](rows []*R, keep func(*R) bool) []*R {
	out := rows[:0]
	for _, r := range rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func tableFor(kind credentials.Kind) string {
	if kind == credentials.KindVSphere {
		return tableVSphere
	}
	return tableCloudStack
}

func namedMissing(kind credentials.Kind, ref credentials.Ref, table, nameColumn, remedy string) error {
	problem := "no row in " + table + " with "
	switch {
	case ref.Name != "" && ref.ID != "":
		problem += nameColumn + " " + strconv.Quote(ref.Name) + " and id " + ref.ID
	case ref.Name != "":
		problem += nameColumn + " " + strconv.Quote(ref.Name)
	default:
		problem += "id " + ref.ID
	}
	return &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: ref.String(),
		Problem: problem,
		Fix:     remedy + "; to use the default set instead, pass the zero Ref or opt in with Ref.OrDefault"}
}

// columnOf maps a logical field to the appliance's column.
var columnOf = map[credentials.Field]string{
	credentials.FieldAPIURL:            "api_url",
	credentials.FieldAPIKey:            "api_key",
	credentials.FieldSecretKey:         "secret_key",
	credentials.FieldDomain:            "domain",
	credentials.FieldZone:              "zone",
	credentials.FieldApplianceVMID:     "oma_vm_id",
	credentials.FieldTemplateID:        "template_id",
	credentials.FieldNetworkID:         "network_id",
	credentials.FieldServiceOfferingID: "service_offering_id",
	credentials.FieldDiskOfferingID:    "disk_offering_id",
	credentials.FieldHost:              "vcenter_host",
	credentials.FieldUsername:          "username",
	credentials.FieldPassword:          "password_encrypted",
	credentials.FieldDatacenter:        "datacenter",
}

func fieldError(kind credentials.Kind, ref credentials.Ref, location, named string, p *credentials.Problem) error {
	column := columnOf[p.Field]
	gui, writer := guiCloudStack, "Writer.PutCloudStack"
	if kind == credentials.KindVSphere {
		gui, writer = guiVSphere, "Writer.PutVSphere"
	}
	action := "correct"
	if errors.Is(p.Code, fkerrors.Incomplete) {
		action = "fill in"
	}
	return &credentials.Error{Code: p.Code, Source: sourceName, Kind: kind, Account: ref.String(), Field: p.Field,
		Problem: p.Reason + ": column " + column + " of " + named,
		Fix:     action + " " + column + " of " + location + " in " + gui + " or with " + writer}
}

func contextError(kind credentials.Kind, ref credentials.Ref, err error) error {
	return &credentials.Error{Code: fkerrors.Canceled, Source: sourceName, Kind: kind, Account: ref.String(),
		Problem: "the operation's context ended before the read", Fix: "retry with a live context or a longer deadline", Err: err}
}

// readError classifies a failed read: an ended context, a missing table (not an appliance
// database, or not migrated), or an unreachable database.
func (s *reader) readError(ctx context.Context, kind credentials.Kind, ref credentials.Ref, table string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return contextError(kind, ref, ctxErr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return contextError(kind, ref, err)
	}
	var se scanError
	if errors.As(err, &se) {
		return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: "a row of " + table + " holds a value of the wrong type",
			Fix:     "check the column types of " + table + " against the appliance's schema (ids are integers, is_active and is_default booleans)",
			Err:     se.err}
	}
	if !s.db.WithContext(ctx).Migrator().HasTable(table) {
		return &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: "the database has no table " + table,
			Fix:     "point the source at the appliance (OMA) database, or create the tables on an empty database with database.Migrate and fill them with the Writer"}
	}
	if missing := missingColumns(ctx, s.db, table); len(missing) > 0 {
		return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Kind: kind, Account: ref.String(),
			Problem: "table " + table + " lacks the columns " + strings.Join(missing, ", "),
			Fix:     "point the source at the appliance's database, or bring " + table + " up to the appliance's schema (add the columns)",
			Err:     err}
	}
	return &credentials.Error{Code: fkerrors.Unavailable, Source: sourceName, Kind: kind, Account: ref.String(),
		Problem: "reading " + table + " failed",
		Fix:     "check that the database answers and that " + table + " has the appliance's columns", Err: err}
}

// missingColumns lists the columns this package reads that table lacks; it runs only after
// a read failed, to turn "unknown column" into a remedy.
func missingColumns(ctx context.Context, db *gorm.DB, table string) []string {
	types, err := db.WithContext(ctx).Migrator().ColumnTypes(table)
	if err != nil {
		return nil
	}
	have := map[string]bool{}
	for _, t := range types {
		have[strings.ToLower(t.Name())] = true
	}
	want := map[string]string{tableCloudStack: cloudStackColumns, tableVSphere: vSphereColumns,
		tableVMContexts: "context_id, vm_name"}[table]
	var missing []string
	for _, c := range strings.Split(want, ", ") {
		if !have[c] {
			missing = append(missing, c)
		}
	}
	return missing
}

// rowVersion changes whenever the row's stored set, its name or its identity changes; the
// usage bookkeeping columns play no part.
func rowVersion(location, name, content string) string {
	sum := sha256.Sum256([]byte(location + "\x00" + name + "\x00" + content))
	return "d" + hex.EncodeToString(sum[:6])
}

// queryRows runs q and scans every row through the destinations dest gives for a new R.
func queryRows[R any](ctx context.Context, db *gorm.DB, q string, args []any, dest func(*R) []any) ([]*R, error) {
	rows, err := db.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []*R
	for rows.Next() {
		r := new(R)
		if err := rows.Scan(dest(r)...); err != nil {
			return nil, scanError{err}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// scanError marks a row that was read but could not be converted.
type scanError struct{ err error }

func (e scanError) Error() string { return e.err.Error() }

var _ sql.Scanner = (*flag)(nil)
