package database

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Causes (Err) of Writer errors, for errors.Is.
var (
	// ErrExists: a Create call found a set of that name (an active one, for CloudStack).
	ErrExists = errors.New("a credential set with this name exists")
	// ErrInUse: DeleteVSphere found replication contexts linked to the set.
	ErrInUse = errors.New("the credential set is linked to replication contexts")
	// ErrNoContext: LinkVM found no replication context with that id; the appliance creates
	// them, never failoverkit.
	ErrNoContext = errors.New("no such replication context")
)

// Writer creates and changes credential sets in the appliance's tables: for tests, the
// quickstart and integrators' admin screens. It writes only what the appliance itself
// writes, in its formats: CloudStack keys encrypted with the key (as the appliance's
// configuration handler does when MIGRATEKIT_CRED_ENCRYPTION_KEY is set) or in plaintext
// without one (as its other save paths do); vCenter passwords always encrypted; a CloudStack
// configuration deleted by clearing is_active, as the GUI does; and never a
// vm_replication_contexts row, which only the appliance creates. It never changes a table's
// definition. Every method runs in one transaction. A Writer is safe for concurrent use.
type Writer struct {
	db     *gorm.DB
	cfg    config
	cipher *Cipher
}

// NewWriter returns a Writer on db. WithKey is needed to write vCenter passwords;
// WithClock sets the timestamps; WithoutValidation lets broken sets be stored (for tests).
func NewWriter(db *gorm.DB, opts ...WriterOption) (*Writer, error) {
	if db == nil {
		return nil, &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: "no database handle", Fix: "pass an open *gorm.DB to database.NewWriter"}
	}
	w := &Writer{db: db, cfg: writerConfig(opts)}
	if w.cfg.keySet {
		c, err := NewCipher(w.cfg.key)
		if err != nil {
			return nil, err
		}
		w.cipher = c
		// The cipher holds what it needs; keeping the raw key too would let a %#v of this
		// value print it.
		clear(w.cfg.key)
		w.cfg.key = nil
	}
	return w, nil
}

type putMode int

const (
	upsert putMode = iota
	createOnly
	updateOnly
)

// PutCloudStack saves the CloudStack configuration name, creating it or replacing its
// values, and returns its id. The saved configuration is active, as the appliance's save
// leaves it (a deleted one of that name is restored). Other configurations are left as they
// are - the appliance's save deactivates only rows of the same name - so several can be
// active; default lookups then use the lowest id. With the writer's key the API and secret
// keys are stored encrypted, without it in plaintext. Meta and InsecureSkipVerify are not
// stored (the table has no column).
func (w *Writer) PutCloudStack(ctx context.Context, name string, c credentials.CloudStack) (int64, error) {
	return w.putCloudStack(ctx, name, c, upsert)
}

// CreateCloudStack is PutCloudStack that fails (ErrInvalid, cause ErrExists) when an active
// configuration of that name exists; a deleted one is restored with the new values.
func (w *Writer) CreateCloudStack(ctx context.Context, name string, c credentials.CloudStack) (int64, error) {
	return w.putCloudStack(ctx, name, c, createOnly)
}

// UpdateCloudStack replaces the values of the existing configuration name, leaving it active
// (ErrNotFound if there is none).
func (w *Writer) UpdateCloudStack(ctx context.Context, name string, c credentials.CloudStack) error {
	_, err := w.putCloudStack(ctx, name, c, updateOnly)
	return err
}

func (w *Writer) putCloudStack(ctx context.Context, name string, c credentials.CloudStack, mode putMode) (int64, error) {
	const kind = credentials.KindCloudStack
	if err := w.check(kind, name, c.Check); err != nil {
		return 0, err
	}
	apiKey, secretKey, err := w.cloudStackKeys(name, c.APIKey, c.SecretKey)
	if err != nil {
		return 0, err
	}
	cols := []string{"api_url", "api_key", "secret_key", "domain", "zone", "template_id", "network_id",
		"service_offering_id", "disk_offering_id", "oma_vm_id"}
	vals := []any{c.APIURL, apiKey, secretKey, c.Domain, c.Zone, c.TemplateID, c.NetworkID,
		c.ServiceOfferingID, c.DiskOfferingID, c.ApplianceVMID}
	// Saving makes the configuration active, on insert and update alike.
	cols, vals = append(cols, "is_active"), append(vals, true)
	return w.put(ctx, kind, name, mode, cols, vals, nil, nil)
}

// RotateCloudStackKeys replaces the API key and secret key of the configuration name,
// encrypted with the writer's key or in plaintext without one.
func (w *Writer) RotateCloudStackKeys(ctx context.Context, name string, apiKey, secretKey credentials.Secret) error {
	const kind = credentials.KindCloudStack
	if !w.cfg.skipValidation && (blankOrPadded(apiKey.Reveal()) || blankOrPadded(secretKey.Reveal())) {
		return &credentials.Error{Code: fkerrors.Incomplete, Source: sourceName, Kind: kind, Account: name,
			Field: credentials.FieldSecretKey, Problem: "the new API key or secret key is empty or padded with white space",
			Fix: "pass both keys exactly as CloudStack shows them"}
	}
	if err := w.checkValue(kind, name, credentials.FieldAPIKey, apiKey.Reveal()); err != nil {
		return err
	}
	if err := w.checkValue(kind, name, credentials.FieldSecretKey, secretKey.Reveal()); err != nil {
		return err
	}
	storedKey, storedSecret, err := w.cloudStackKeys(name, apiKey, secretKey)
	if err != nil {
		return err
	}
	return w.updateColumns(ctx, kind, name, []string{"api_key", "secret_key"}, []any{storedKey, storedSecret})
}

// cloudStackKeys returns the stored form of the two keys: encrypted when the writer has a
// key, as the appliance's configuration handler stores them; plaintext otherwise. A plaintext
// key that has the form of an encrypted value is refused, since a Source would read it back
// as one.
func (w *Writer) cloudStackKeys(name string, apiKey, secretKey credentials.Secret) (string, string, error) {
	stored := make([]string, 2)
	for i, k := range []credentials.Secret{apiKey, secretKey} {
		if k.IsZero() {
			continue
		}
		if w.cipher == nil {
			if looksEncrypted(k.Reveal()) {
				field := []credentials.Field{credentials.FieldAPIKey, credentials.FieldSecretKey}[i]
				return "", "", &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Kind: credentials.KindCloudStack,
					Account: name, Field: field,
					Problem: "the " + string(field) + " has the form of an encrypted value (padded standard base64 of 28 bytes or more), " +
						"so stored in plaintext it would be read back as encrypted",
					Fix: "give the writer the appliance's key (database.WithKey) so that it stores the keys encrypted, " +
						"or check that this is the key CloudStack issued (CloudStack's keys are 86 characters of URL-safe base64)"}
			}
			stored[i] = k.Reveal()
			continue
		}
		v, err := w.cipher.Encrypt(k.Reveal())
		if err != nil {
			return "", "", err
		}
		stored[i] = v
	}
	return stored[0], stored[1], nil
}

// ActivateCloudStack sets is_active on the configuration name, restoring it if it was
// deleted. Other configurations are not touched: the appliance never deactivates one
// configuration because another is activated. When several are active, default lookups use
// the lowest id (with a warning); delete the others to choose another default.
func (w *Writer) ActivateCloudStack(ctx context.Context, name string) error {
	return w.updateColumns(ctx, credentials.KindCloudStack, name, []string{"is_active"}, []any{true})
}

// DeactivateCloudStack clears is_active on name, which is how the appliance deletes a
// configuration: named lookups of it answer ErrNotFound, and with no active configuration
// left, so do default lookups. ActivateCloudStack or saving it again restores it.
func (w *Writer) DeactivateCloudStack(ctx context.Context, name string) error {
	return w.updateColumns(ctx, credentials.KindCloudStack, name, []string{"is_active"}, []any{false})
}

// DeleteCloudStack deletes the configuration name the way the appliance's GUI does: it
// clears is_active (DeactivateCloudStack) and keeps the row (ErrNotFound if there is none).
func (w *Writer) DeleteCloudStack(ctx context.Context, name string) error {
	return w.DeactivateCloudStack(ctx, name)
}

// PutVSphere creates the vCenter set name, or replaces its values when it exists, and
// returns its id. The password is encrypted (WithKey is required unless it is empty). A new
// set is active and not the default: see SetDefaultVSphere. An existing set keeps its
// is_active and is_default. InsecureSkipVerify is not stored (see WithInsecureSkipVerify).
func (w *Writer) PutVSphere(ctx context.Context, name string, v credentials.VSphere) (int64, error) {
	return w.putVSphere(ctx, name, v, upsert)
}

// CreateVSphere is PutVSphere that fails (ErrInvalid, cause ErrExists) when name exists.
func (w *Writer) CreateVSphere(ctx context.Context, name string, v credentials.VSphere) (int64, error) {
	return w.putVSphere(ctx, name, v, createOnly)
}

// UpdateVSphere replaces the values of the existing set name (ErrNotFound if there is none).
func (w *Writer) UpdateVSphere(ctx context.Context, name string, v credentials.VSphere) error {
	_, err := w.putVSphere(ctx, name, v, updateOnly)
	return err
}

func (w *Writer) putVSphere(ctx context.Context, name string, v credentials.VSphere, mode putMode) (int64, error) {
	const kind = credentials.KindVSphere
	if err := w.check(kind, name, v.Check); err != nil {
		return 0, err
	}
	stored, err := w.encrypt(name, v.Password)
	if err != nil {
		return 0, err
	}
	cols := []string{"vcenter_host", "username", "password_encrypted", "datacenter"}
	vals := []any{v.Host, v.Username, stored, v.Datacenter}
	return w.put(ctx, kind, name, mode, cols, vals, []string{"is_active", "is_default", "usage_count"}, []any{true, false, 0})
}

// RotateVSpherePassword encrypts and stores a new password for the set name.
func (w *Writer) RotateVSpherePassword(ctx context.Context, name string, password credentials.Secret) error {
	const kind = credentials.KindVSphere
	if !w.cfg.skipValidation && blankOrPadded(password.Reveal()) {
		return &credentials.Error{Code: fkerrors.Incomplete, Source: sourceName, Kind: kind, Account: name,
			Field: credentials.FieldPassword, Problem: "the new password is empty or padded with white space",
			Fix: "pass the password exactly as vCenter expects it"}
	}
	if err := w.checkValue(kind, name, credentials.FieldPassword, password.Reveal()); err != nil {
		return err
	}
	stored, err := w.encrypt(name, password)
	if err != nil {
		return err
	}
	return w.updateColumns(ctx, kind, name, []string{"password_encrypted"}, []any{stored})
}

// ActivateVSphere sets is_active on name.
func (w *Writer) ActivateVSphere(ctx context.Context, name string) error {
	return w.updateColumns(ctx, credentials.KindVSphere, name, []string{"is_active"}, []any{true})
}

// DeactivateVSphere clears is_active on name: lookups of it answer ErrNotFound until it is
// activated again, and if it is the default, so do default lookups.
func (w *Writer) DeactivateVSphere(ctx context.Context, name string) error {
	return w.updateColumns(ctx, credentials.KindVSphere, name, []string{"is_active"}, []any{false})
}

// SetDefaultVSphere makes name the default set, activating it, and clears is_default on
// every other set, in one transaction.
func (w *Writer) SetDefaultVSphere(ctx context.Context, name string) error {
	return w.exclusive(ctx, credentials.KindVSphere, name, "is_default", []string{"is_active"})
}

// DeleteVSphere deletes the set name (ErrNotFound if there is none). A set that replication
// contexts are linked to is refused (ErrInvalid, cause ErrInUse, naming them): the
// appliance's foreign key would set their links to NULL, silently moving those VMs to the
// default set. Link them elsewhere first (LinkVM).
func (w *Writer) DeleteVSphere(ctx context.Context, name string) error {
	const kind = credentials.KindVSphere
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		id, err := w.idOf(ctx, tx, kind, name)
		if err != nil {
			return err
		}
		if tx.Migrator().HasTable(tableVMContexts) {
			cols, err := contextColumns(ctx, tx)
			if err != nil {
				return err
			}
			for _, col := range linkColumnsIn(cols) {
				linked, err := queryRows(ctx, tx, "SELECT context_id FROM "+tableVMContexts+" WHERE "+col+" = ? ORDER BY context_id", []any{id},
					func(r *text) []any { return []any{r} })
				if err != nil {
					return err
				}
				if len(linked) > 0 {
					ids := make([]string, 0, len(linked))
					for _, l := range linked {
						ids = append(ids, l.get())
					}
					return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Kind: kind, Account: name,
						Problem: "replication contexts are linked to this set (" + tableVMContexts + "." + col + "): " + strings.Join(ids, ", "),
						Fix: "link those VMs to another set first (Writer.LinkVM, or the OMA GUI), then delete it; " +
							"deleting it now would move them to the default set without a word",
						Err: ErrInUse}
				}
			}
		}
		return tx.Exec("DELETE FROM "+tableVSphere+" WHERE id = ?", id).Error
	})
	if err != nil {
		return w.writeError(ctx, kind, name, tableVSphere, err)
	}
	return nil
}

// ReencryptPlaintext encrypts every vCenter password stored unencrypted - a TEMP_ value
// (whose first 15 characters the appliance drops, as it does here) or a bare password - and
// returns how many rows it changed. Values that are encrypted, or have the encrypted form
// (even under another key), and TEMP_ values too short to hold a password are left alone. A
// row changed concurrently is left for the next run.
func (w *Writer) ReencryptPlaintext(ctx context.Context) (int, error) {
	const kind = credentials.KindVSphere
	if w.cipher == nil {
		return 0, w.noKey(kind, "")
	}
	n := 0
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		type stored struct {
			id    int64
			value text
		}
		rows, err := queryRows(ctx, tx, "SELECT id, password_encrypted FROM "+tableVSphere+" ORDER BY id", nil,
			func(r *stored) []any { return []any{&r.id, &r.value} })
		if err != nil {
			return err
		}
		for _, r := range rows {
			value := r.value.get()
			var plain string
			switch {
			case value == "":
				continue
			case strings.HasPrefix(value, tempPrefix):
				if len(value) < tempStrip {
					continue
				}
				plain = value[tempStrip:]
			case looksEncrypted(value):
				continue
			default:
				plain = value
			}
			sealed, err := w.cipher.Encrypt(plain)
			if err != nil {
				return err
			}
			res := tx.Exec("UPDATE "+tableVSphere+" SET password_encrypted = ?, updated_at = ? WHERE id = ? AND password_encrypted = ?",
				sealed, w.cfg.now().UTC(), r.id, value)
			if res.Error != nil {
				return res.Error
			}
			n += int(res.RowsAffected)
		}
		return nil
	})
	if err != nil {
		return 0, w.writeError(ctx, kind, "", tableVSphere, err)
	}
	return n, nil
}

// LinkVM links the existing replication context contextID to the vCenter set
// credentialName, or clears the link (the VM then uses the default set) when credentialName
// is "". It writes the link column the table has (credential_id as deployed, or
// vmware_credential_id), and nothing else but updated_at. It never creates a context: only
// the appliance does, when a VM is added to replication, so a missing one is ErrNotFound
// (cause ErrNoContext).
func (w *Writer) LinkVM(ctx context.Context, contextID, credentialName string) error {
	const kind = credentials.KindVSphere
	account := "vm " + contextID
	if blankOrPadded(contextID) {
		return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Kind: kind, Account: account,
			Problem: "the context id is empty or padded", Fix: "pass the context_id of the replication context"}
	}
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var link any
		if credentialName != "" {
			id, err := w.idOf(ctx, tx, kind, credentialName)
			if err != nil {
				return err
			}
			link = id
		}
		cols, err := contextColumns(ctx, tx)
		if err != nil {
			return err
		}
		present := linkColumnsIn(cols)
		if len(present) == 0 {
			return noLinkColumn(kind, account)
		}
		var count int64
		if err := tx.Raw("SELECT COUNT(*) FROM "+tableVMContexts+" WHERE context_id = ?", contextID).Scan(&count).Error; err != nil {
			return err
		}
		if count == 0 {
			return &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: account,
				Problem: "no replication context with context_id " + strconv.Quote(contextID) + " in " + tableVMContexts,
				Fix: "the appliance creates replication contexts when a VM is added to replication (OMA GUI); " +
					"failoverkit never inserts one: add the VM there first, or pass the context_id of an existing context",
				Err: ErrNoContext}
		}
		set := make([]string, 0, len(present)+1)
		args := make([]any, 0, len(present)+2)
		for _, c := range present {
			set = append(set, c+" = ?")
			args = append(args, link)
		}
		if slices.Contains(cols, "updated_at") {
			set = append(set, "updated_at = ?")
			args = append(args, w.cfg.now().UTC())
		}
		return tx.Exec("UPDATE "+tableVMContexts+" SET "+strings.Join(set, ", ")+" WHERE context_id = ?", append(args, contextID)...).Error
	})
	if err != nil {
		return w.writeError(ctx, kind, account, tableVMContexts, err)
	}
	return nil
}

func (w *Writer) check(kind credentials.Kind, name string, check func() *credentials.Problem) error {
	if blankOrPadded(name) {
		return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Kind: kind, Account: name,
			Field: credentials.FieldAccount, Problem: "the set's name is empty or padded with white space",
			Fix: "give the set a name without surrounding white space"}
	}
	if w.cfg.skipValidation {
		return nil
	}
	if p := credentials.CheckField(credentials.FieldAccount, name); p != nil {
		return &credentials.Error{Code: p.Code, Source: sourceName, Kind: kind, Account: name, Field: p.Field,
			Problem: "the set's name: " + p.Reason, Fix: "give the set a name of at most 255 bytes without control characters"}
	}
	if p := check(); p != nil {
		return &credentials.Error{Code: p.Code, Source: sourceName, Kind: kind, Account: name, Field: p.Field,
			Problem: p.Reason, Fix: "correct " + string(p.Field) + " before saving"}
	}
	return nil
}

// checkValue refuses a value out of its field's bounds (credentials.CheckField), so that the
// Writer never stores what every Source would refuse to read.
func (w *Writer) checkValue(kind credentials.Kind, name string, f credentials.Field, value string) error {
	if w.cfg.skipValidation {
		return nil
	}
	if p := credentials.CheckField(f, value); p != nil {
		return &credentials.Error{Code: p.Code, Source: sourceName, Kind: kind, Account: name, Field: p.Field,
			Problem: p.Reason, Fix: "correct " + string(p.Field) + " before saving"}
	}
	return nil
}

func (w *Writer) encrypt(name string, password credentials.Secret) (string, error) {
	if password.IsZero() {
		return "", nil
	}
	if w.cipher == nil {
		return "", w.noKey(credentials.KindVSphere, name)
	}
	return w.cipher.Encrypt(password.Reveal())
}

func (w *Writer) noKey(kind credentials.Kind, name string) error {
	return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Kind: kind, Account: name,
		Field: credentials.FieldPassword, Problem: "the writer has no encryption key for vCenter passwords",
		Fix: "pass database.WithKey(key) to NewWriter, with the key from database.KeyFromEnv (" + KeyEnv + ")", Err: ErrKeyMissing}
}

// put inserts or updates the row name of kind's table.
func (w *Writer) put(ctx context.Context, kind credentials.Kind, name string, mode putMode,
	cols []string, vals []any, newCols []string, newVals []any) (int64, error) {
	table, nameCol := tableFor(kind), nameColumn(kind)
	var id int64
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		type existing struct {
			id     int64
			active flag
		}
		rows, err := queryRows(ctx, tx, "SELECT id, is_active FROM "+table+" WHERE "+nameCol+" = ?", []any{name},
			func(r *existing) []any { return []any{&r.id, &r.active} })
		if err != nil {
			return err
		}
		now := w.cfg.now().UTC()
		if len(rows) > 0 {
			// A deleted CloudStack configuration (is_active = 0) is gone for the appliance,
			// whose save of that name reuses the row; a vCenter set exists until deleted.
			if mode == createOnly && (kind == credentials.KindVSphere || bool(rows[0].active)) {
				return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName, Kind: kind, Account: name,
					Problem: "a row named " + strconv.Quote(name) + " exists in " + table,
					Fix:     "choose another name, or update the existing set", Err: ErrExists}
			}
			id = rows[0].id
			set := make([]string, 0, len(cols)+1)
			for _, c := range cols {
				set = append(set, c+" = ?")
			}
			set = append(set, "updated_at = ?")
			args := append(append(append([]any{}, vals...), now), id)
			return tx.Exec("UPDATE "+table+" SET "+strings.Join(set, ", ")+" WHERE id = ?", args...).Error
		}
		if mode == updateOnly {
			return w.missing(kind, name)
		}
		all := append(append(append([]string{nameCol}, cols...), newCols...), "created_at", "updated_at")
		args := append(append(append([]any{name}, vals...), newVals...), now, now)
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(all)), ", ")
		if err := tx.Exec("INSERT INTO "+table+" ("+strings.Join(all, ", ")+") VALUES ("+marks+")", args...).Error; err != nil {
			return err
		}
		id, err = w.idOf(ctx, tx, kind, name)
		return err
	})
	if err != nil {
		return 0, w.writeError(ctx, kind, name, table, err)
	}
	return id, nil
}

func (w *Writer) updateColumns(ctx context.Context, kind credentials.Kind, name string, cols []string, vals []any) error {
	table := tableFor(kind)
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		id, err := w.idOf(ctx, tx, kind, name)
		if err != nil {
			return err
		}
		set := make([]string, 0, len(cols)+1)
		for _, c := range cols {
			set = append(set, c+" = ?")
		}
		set = append(set, "updated_at = ?")
		args := append(append(append([]any{}, vals...), w.cfg.now().UTC()), id)
		return tx.Exec("UPDATE "+table+" SET "+strings.Join(set, ", ")+" WHERE id = ?", args...).Error
	})
	if err != nil {
		return w.writeError(ctx, kind, name, table, err)
	}
	return nil
}

// exclusive sets column on name and clears it on every other row, in one transaction; also
// sets the columns in alsoSet on name.
func (w *Writer) exclusive(ctx context.Context, kind credentials.Kind, name, column string, alsoSet []string) error {
	table := tableFor(kind)
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		id, err := w.idOf(ctx, tx, kind, name)
		if err != nil {
			return err
		}
		now := w.cfg.now().UTC()
		if err := tx.Exec("UPDATE "+table+" SET "+column+" = ?, updated_at = ? WHERE id <> ? AND "+column+" <> ?",
			false, now, id, false).Error; err != nil {
			return err
		}
		set := []string{column + " = ?"}
		args := []any{true}
		for _, c := range alsoSet {
			set = append(set, c+" = ?")
			args = append(args, true)
		}
		args = append(args, now, id)
		return tx.Exec("UPDATE "+table+" SET "+strings.Join(set, ", ")+", updated_at = ? WHERE id = ?", args...).Error
	})
	if err != nil {
		return w.writeError(ctx, kind, name, table, err)
	}
	return nil
}

func (w *Writer) delete(ctx context.Context, kind credentials.Kind, name string) error {
	table := tableFor(kind)
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		id, err := w.idOf(ctx, tx, kind, name)
		if err != nil {
			return err
		}
		return tx.Exec("DELETE FROM "+table+" WHERE id = ?", id).Error
	})
	if err != nil {
		return w.writeError(ctx, kind, name, table, err)
	}
	return nil
}

func (w *Writer) idOf(ctx context.Context, tx *gorm.DB, kind credentials.Kind, name string) (int64, error) {
	ids, err := queryRows(ctx, tx, "SELECT id FROM "+tableFor(kind)+" WHERE "+nameColumn(kind)+" = ?", []any{name},
		func(r *int64) []any { return []any{r} })
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, w.missing(kind, name)
	}
	return *ids[0], nil
}

func (w *Writer) missing(kind credentials.Kind, name string) error {
	return &credentials.Error{Code: fkerrors.NotFound, Source: sourceName, Kind: kind, Account: name,
		Problem: "no row in " + tableFor(kind) + " with " + nameColumn(kind) + " " + strconv.Quote(name),
		Fix:     "create the set first (Writer.Put" + map[credentials.Kind]string{credentials.KindCloudStack: "CloudStack", credentials.KindVSphere: "VSphere"}[kind] + ") or correct the name"}
}

// writeError passes typed errors through and wraps database failures.
func (w *Writer) writeError(ctx context.Context, kind credentials.Kind, name, table string, err error) error {
	var e *credentials.Error
	if errors.As(err, &e) {
		return err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return contextError(kind, credentials.Account(name), ctxErr)
	}
	return &credentials.Error{Code: fkerrors.Unavailable, Source: sourceName, Kind: kind, Account: name,
		Problem: "writing " + table + " failed",
		Fix:     "check that the database answers, that " + table + " exists (database.Migrate creates it) and that the user may write it", Err: err}
}

func nameColumn(kind credentials.Kind) string {
	if kind == credentials.KindVSphere {
		return "credential_name"
	}
	return "name"
}

func blankOrPadded(s string) bool {
	return strings.TrimSpace(s) == "" || s != strings.TrimSpace(s)
}
