package database_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// row is one raw row to insert: column -> value (nil for NULL).
type row map[string]any

func insert(t testing.TB, db *gorm.DB, table string, r row) {
	t.Helper()
	cols := make([]string, 0, len(r))
	args := make([]any, 0, len(r))
	for c, v := range r {
		cols = append(cols, c)
		args = append(args, v)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	require.NoError(t, db.Exec(fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), marks), args...).Error)
}

func cloudStackRow(name string, active bool, secrets ...string) row {
	return row{"name": name, "api_url": "https://cloud.example.invalid/client/api", "api_key": secrets[0],
		"secret_key": secrets[1], "domain": "ROOT", "zone": "zone-1", "is_active": active}
}

// requireErr checks category, field, that the message carries the remedy and the given
// fragments, and that no secret appears in it.
func requireErr(t *testing.T, err error, category error, field credentials.Field, secrets []string, fragments ...string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, category, "%v", err)
	var e *credentials.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, field, e.Field, "%v", err)
	require.NotEmpty(t, e.Remedy)
	msg := fmt.Sprintf("%v %+v", err, err)
	assert.Contains(t, msg, e.Remedy)
	for _, f := range fragments {
		assert.Contains(t, msg, f)
	}
	for _, s := range secrets {
		if s != "" {
			assert.NotContains(t, msg, s, "a secret appears in the error")
		}
	}
}

func TestOddCloudStackRows(t *testing.T) {
	t.Parallel()
	for _, backend := range testdb.Backends(t) {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			cases := []struct {
				name     string
				rows     func(k, s string) []row
				ref      credentials.Ref
				category error // nil: success
				field    credentials.Field
				contains []string
			}{
				{name: "NULL api_key", rows: func(k, s string) []row {
					r := cloudStackRow("a", true, k, s)
					r["api_key"] = nil
					return []row{r}
				}, category: credentials.ErrIncomplete, field: credentials.FieldAPIKey, contains: []string{"api_key", "ossea_configs id=", "OSSEA"}},
				{name: "empty api_url", rows: func(k, s string) []row {
					r := cloudStackRow("a", true, k, s)
					r["api_url"] = ""
					return []row{r}
				}, category: credentials.ErrIncomplete, field: credentials.FieldAPIURL, contains: []string{"api_url"}},
				{name: "white space secret_key", rows: func(k, s string) []row {
					r := cloudStackRow("a", true, k, s)
					r["secret_key"] = "   "
					return []row{r}
				}, category: credentials.ErrIncomplete, field: credentials.FieldSecretKey, contains: []string{"secret_key"}},
				{name: "padded api_key", rows: func(k, s string) []row {
					r := cloudStackRow("a", true, k, s)
					r["api_key"] = k + "\n"
					return []row{r}
				}, category: credentials.ErrInvalid, field: credentials.FieldAPIKey},
				{name: "padded zone", rows: func(k, s string) []row {
					r := cloudStackRow("a", true, k, s)
					r["zone"] = " zone-1"
					return []row{r}
				}, category: credentials.ErrInvalid, field: credentials.FieldZone, contains: []string{"zone"}},
				{name: "relative url", rows: func(k, s string) []row {
					r := cloudStackRow("a", true, k, s)
					r["api_url"] = "cloud.example.invalid/client/api"
					return []row{r}
				}, category: credentials.ErrInvalid, field: credentials.FieldAPIURL},
				{name: "ftp url", rows: func(k, s string) []row {
					r := cloudStackRow("a", true, k, s)
					r["api_url"] = "ftp://cloud.example.invalid/"
					return []row{r}
				}, category: credentials.ErrInvalid, field: credentials.FieldAPIURL},
				{name: "garbage url", rows: func(k, s string) []row {
					r := cloudStackRow("a", true, k, s)
					r["api_url"] = "https://%zz"
					return []row{r}
				}, category: credentials.ErrInvalid, field: credentials.FieldAPIURL},
				{name: "NULL optional columns", rows: func(k, s string) []row {
					r := cloudStackRow("a", true, k, s)
					for _, c := range []string{"domain", "zone", "template_id", "network_id", "service_offering_id", "disk_offering_id", "oma_vm_id"} {
						r[c] = nil
					}
					return []row{r}
				}},
				{name: "NULL is_active is inactive", rows: func(k, s string) []row {
					r := cloudStackRow("a", true, k, s)
					r["is_active"] = nil
					return []row{r}
				}, category: credentials.ErrNotFound, contains: []string{"no active row", `"a"`, "activate"}},
				{name: "no rows", rows: func(string, string) []row { return nil },
					category: credentials.ErrNotFound, contains: []string{"no rows", "OSSEA"}},
				{name: "two active rows", rows: func(k, s string) []row {
					return []row{cloudStackRow("first", true, k, s), cloudStackRow("second", true, k, s), cloudStackRow("third", false, k, s)}
				}, category: credentials.ErrAmbiguous, contains: []string{`"first"`, `"second"`, "deactivate all but one"}},
				{name: "named inactive row is usable", rows: func(k, s string) []row {
					return []row{cloudStackRow("on", true, k, s), cloudStackRow("off", false, k, s)}
				}, ref: credentials.Account("off")},
				{name: "named missing is not the default", rows: func(k, s string) []row {
					return []row{cloudStackRow("on", true, k, s)}
				}, ref: credentials.Account("nope"), category: credentials.ErrNotFound, contains: []string{`"nope"`, "OrDefault"}},
				{name: "id not a number", rows: func(k, s string) []row {
					return []row{cloudStackRow("on", true, k, s)}
				}, ref: credentials.Ref{ID: "abc"}, category: credentials.ErrNotFound, contains: []string{"numeric"}},
				{name: "name and id must both match", rows: func(k, s string) []row {
					return []row{cloudStackRow("on", true, k, s)}
				}, ref: credentials.Ref{Name: "on", ID: "99"}, category: credentials.ErrNotFound},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					db, src, _ := newStore(t, backend)
					k, s := fakeSecret(t, "apikey"), fakeSecret(t, "secretkey")
					for _, r := range tc.rows(k, s) {
						insert(t, db, "ossea_configs", r)
					}
					c, err := src.CloudStack(context.Background(), tc.ref)
					if tc.category == nil {
						require.NoError(t, err)
						assert.Equal(t, s, c.SecretKey.Reveal())
						return
					}
					requireErr(t, err, tc.category, tc.field, []string{k, s}, tc.contains...)
				})
			}
		})
	}
}

func vSphereRow(name string, active, isDefault bool, stored string) row {
	return row{"credential_name": name, "vcenter_host": "vc.example.invalid", "username": "svc", "password_encrypted": stored,
		"datacenter": "DC", "is_active": active, "is_default": isDefault}
}

func TestOddVSphereRows(t *testing.T) {
	t.Parallel()
	otherKey := newKey(t)
	for _, backend := range testdb.Backends(t) {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			cases := []struct {
				name     string
				rows     func(t *testing.T, key []byte, pw string) []row
				ref      credentials.Ref
				category error
				field    credentials.Field
				cause    error
				contains []string
			}{
				{name: "NULL password", rows: func(t *testing.T, key []byte, pw string) []row {
					return []row{vSphereRow("a", true, true, "")}
				}, category: credentials.ErrIncomplete, field: credentials.FieldPassword, contains: []string{"password_encrypted", "VMware"}},
				{name: "NULL username and datacenter", rows: func(t *testing.T, key []byte, pw string) []row {
					r := vSphereRow("a", true, true, omaEncrypt(t, key, pw))
					r["username"], r["datacenter"] = nil, nil
					return []row{r}
				}, category: credentials.ErrIncomplete, field: credentials.FieldUsername},
				{name: "NULL datacenter is fine", rows: func(t *testing.T, key []byte, pw string) []row {
					r := vSphereRow("a", true, true, omaEncrypt(t, key, pw))
					r["datacenter"] = nil
					return []row{r}
				}},
				{name: "host with a path", rows: func(t *testing.T, key []byte, pw string) []row {
					r := vSphereRow("a", true, true, omaEncrypt(t, key, pw))
					r["vcenter_host"] = "vc.example.invalid/sdk"
					return []row{r}
				}, category: credentials.ErrInvalid, field: credentials.FieldHost, contains: []string{"vcenter_host"}},
				{name: "garbled ciphertext", rows: func(t *testing.T, key []byte, pw string) []row {
					return []row{vSphereRow("a", true, true, "!!not*base64!!")}
				}, category: credentials.ErrDecrypt, field: credentials.FieldPassword, cause: database.ErrCiphertextEncoding},
				{name: "short ciphertext", rows: func(t *testing.T, key []byte, pw string) []row {
					return []row{vSphereRow("a", true, true, "AAAAAAAA")}
				}, category: credentials.ErrDecrypt, field: credentials.FieldPassword, cause: database.ErrCiphertextShort},
				{name: "wrong key", rows: func(t *testing.T, key []byte, pw string) []row {
					return []row{vSphereRow("a", true, true, omaEncrypt(t, otherKey, pw))}
				}, category: credentials.ErrDecrypt, field: credentials.FieldPassword, cause: database.ErrCiphertextAuth,
					contains: []string{database.KeyEnv, "vmware_credentials id="}},
				{name: "plaintext refused", rows: func(t *testing.T, key []byte, pw string) []row {
					return []row{vSphereRow("a", true, true, "TEMP_PLAINTEXT_"+pw)}
				}, category: credentials.ErrDecrypt, field: credentials.FieldPassword,
					contains: []string{"TEMP_PLAINTEXT_", "ReencryptPlaintext", "re-enter", `"a"`}},
				{name: "two defaults", rows: func(t *testing.T, key []byte, pw string) []row {
					return []row{vSphereRow("x", true, true, omaEncrypt(t, key, pw)), vSphereRow("y", true, true, omaEncrypt(t, key, pw))}
				}, category: credentials.ErrAmbiguous, contains: []string{`"x"`, `"y"`, "SetDefaultVSphere"}},
				{name: "default inactive", rows: func(t *testing.T, key []byte, pw string) []row {
					return []row{vSphereRow("x", false, true, omaEncrypt(t, key, pw)), vSphereRow("y", true, false, omaEncrypt(t, key, pw))}
				}, category: credentials.ErrNotFound, contains: []string{`"x"`, "inactive", "activate it"}},
				{name: "no default", rows: func(t *testing.T, key []byte, pw string) []row {
					return []row{vSphereRow("y", true, false, omaEncrypt(t, key, pw))}
				}, category: credentials.ErrNotFound, contains: []string{"default"}},
				{name: "NULL flags", rows: func(t *testing.T, key []byte, pw string) []row {
					r := vSphereRow("y", true, true, omaEncrypt(t, key, pw))
					r["is_active"], r["is_default"] = nil, nil
					return []row{r}
				}, category: credentials.ErrNotFound},
				{name: "named inactive", rows: func(t *testing.T, key []byte, pw string) []row {
					return []row{vSphereRow("on", true, true, omaEncrypt(t, key, pw)), vSphereRow("off", false, false, omaEncrypt(t, key, pw))}
				}, ref: credentials.Account("off"), category: credentials.ErrNotFound, contains: []string{"inactive", "activate it", "ActivateVSphere"}},
				{name: "named missing with AllowDefault falls back to the default", rows: func(t *testing.T, key []byte, pw string) []row {
					return []row{vSphereRow("on", true, true, omaEncrypt(t, key, pw))}
				}, ref: credentials.Account("missing").OrDefault()},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					key := newKey(t)
					db := testdb.Open(t, backend)
					require.NoError(t, database.Migrate(context.Background(), db))
					src, err := database.New(db, database.WithKey(key), database.WithLogger(slog.New(slog.DiscardHandler)))
					require.NoError(t, err)
					pw := fakeSecret(t, "password")
					rows := tc.rows(t, key, pw)
					var stored []string
					for _, r := range rows {
						insert(t, db, "vmware_credentials", r)
						if s, _ := r["password_encrypted"].(string); s != "" {
							stored = append(stored, s)
						}
					}
					v, err := src.VSphere(context.Background(), tc.ref)
					if tc.category == nil {
						require.NoError(t, err)
						assert.Equal(t, pw, v.Password.Reveal())
						return
					}
					requireErr(t, err, tc.category, tc.field, append(stored, pw), tc.contains...)
					if tc.cause != nil {
						assert.ErrorIs(t, err, tc.cause)
					}
				})
			}
		})
	}
}

func TestPlaintextOptIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	require.NoError(t, database.Migrate(ctx, db))
	pw := fakeSecret(t, "password")
	insert(t, db, "vmware_credentials", vSphereRow("legacy", true, true, "TEMP_PLAINTEXT_"+pw))

	logs := &recorder{}
	src, err := database.New(db, database.AcceptPlaintextPasswords(), database.WithLogger(slog.New(logs)))
	require.NoError(t, err)
	for i := 1; i <= 3; i++ {
		v, err := src.VSphere(ctx, credentials.Ref{})
		require.NoError(t, err, "no key is needed for a plaintext row")
		assert.Equal(t, pw, v.Password.Reveal())
		assert.Equal(t, i, logs.count(slog.LevelWarn, "unencrypted"), "a warning on every use")
	}
	assert.Contains(t, logs.text(), "vmware_credentials id=1")
	assert.NotContains(t, logs.text(), pw)

	// Re-encrypting fixes the row: the default source (no opt-in) then reads it.
	key := newKey(t)
	w, err := database.NewWriter(db, database.WithKey(key))
	require.NoError(t, err)
	n, err := w.ReencryptPlaintext(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	strict, err := database.New(db, database.WithKey(key))
	require.NoError(t, err)
	v, err := strict.VSphere(ctx, credentials.Ref{})
	require.NoError(t, err)
	assert.Equal(t, pw, v.Password.Reveal())
	n, err = w.ReencryptPlaintext(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestNoKeyConfigured(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	require.NoError(t, database.Migrate(ctx, db))
	pw := fakeSecret(t, "password")
	insert(t, db, "vmware_credentials", vSphereRow("vc", true, true, omaEncrypt(t, newKey(t), pw)))
	k, s := fakeSecret(t, "k"), fakeSecret(t, "s")
	insert(t, db, "ossea_configs", cloudStackRow("cs", true, k, s))

	src, err := database.New(db)
	require.NoError(t, err)
	_, err = src.VSphere(ctx, credentials.Ref{})
	requireErr(t, err, credentials.ErrDecrypt, credentials.FieldPassword, []string{pw}, "WithKey", database.KeyEnv)
	assert.ErrorIs(t, err, database.ErrKeyMissing)
	c, err := src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err, "CloudStack keys are plaintext: no key needed")
	assert.Equal(t, s, c.SecretKey.Reveal())
}

func TestMissingTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, err := database.New(testdb.Open(t, testdb.SQLite))
	require.NoError(t, err)
	_, err = src.CloudStack(ctx, credentials.Ref{})
	requireErr(t, err, credentials.ErrNotFound, "", nil, "ossea_configs", "Migrate")
	_, err = src.VSphere(ctx, credentials.Account("x"))
	requireErr(t, err, credentials.ErrNotFound, "", nil, "vmware_credentials")
	_, err = src.VSphereForVM(ctx, "vm1")
	requireErr(t, err, credentials.ErrNotFound, "", nil, "vm_replication_contexts")
}

func TestMissingColumns(t *testing.T) {
	t.Parallel()
	for _, backend := range testdb.Backends(t) {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, backend)
			// An older schema without oma_vm_id and disk_offering_id.
			require.NoError(t, db.Exec("CREATE TABLE ossea_configs (id integer PRIMARY KEY, name varchar(64), api_url varchar(255), "+
				"api_key varchar(255), secret_key varchar(255), domain varchar(255), zone varchar(255), template_id varchar(255), "+
				"network_id varchar(255), service_offering_id varchar(255), is_active integer)").Error)
			src, err := database.New(db)
			require.NoError(t, err)
			_, err = src.CloudStack(ctx, credentials.Ref{})
			requireErr(t, err, credentials.ErrInvalid, "", nil, "disk_offering_id", "oma_vm_id")
		})
	}
}

func TestEncryptedCloudStackKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	require.NoError(t, database.Migrate(ctx, db))
	key := newKey(t)
	k, s := fakeSecret(t, "apikey"), fakeSecret(t, "secretkey")
	encK, encS := omaEncrypt(t, key, k), omaEncrypt(t, key, s)
	insert(t, db, "ossea_configs", cloudStackRow("enc", true, encK, encS))

	src, err := database.New(db, database.WithKey(key), database.WithEncryptedCloudStackKeys())
	require.NoError(t, err)
	c, err := src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err)
	assert.Equal(t, k, c.APIKey.Reveal())
	assert.Equal(t, s, c.SecretKey.Reveal())

	plain, err := database.New(db, database.WithKey(key))
	require.NoError(t, err)
	c, err = plain.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err, "without the option the columns are taken as they are")
	assert.Equal(t, encS, c.SecretKey.Reveal())

	wrong, err := database.New(db, database.WithKey(newKey(t)), database.WithEncryptedCloudStackKeys())
	require.NoError(t, err)
	_, err = wrong.CloudStack(ctx, credentials.Ref{})
	requireErr(t, err, credentials.ErrDecrypt, credentials.FieldAPIKey, []string{k, s, encK, encS}, "api_key", database.KeyEnv)
	assert.ErrorIs(t, err, database.ErrCiphertextAuth)

	keyless, err := database.New(db, database.WithEncryptedCloudStackKeys())
	require.NoError(t, err)
	_, err = keyless.CloudStack(ctx, credentials.Ref{})
	requireErr(t, err, credentials.ErrDecrypt, credentials.FieldAPIKey, []string{k, s}, "WithKey")

	// The writer stores them the same way.
	w, err := database.NewWriter(db, database.WithKey(key), database.WithEncryptedCloudStackKeys())
	require.NoError(t, err)
	k2, s2 := credentials.NewSecret(fakeSecret(t, "apikey")), credentials.NewSecret(fakeSecret(t, "secretkey"))
	require.NoError(t, w.RotateCloudStackKeys(ctx, "enc", k2, s2))
	var storedSecret string
	require.NoError(t, db.Raw("SELECT secret_key FROM ossea_configs WHERE name = 'enc'").Scan(&storedSecret).Error)
	assert.Equal(t, s2.Reveal(), omaDecrypt(t, key, storedSecret))
	c, err = src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err)
	assert.True(t, c.APIKey.Equal(k2))
	keylessWriter, err := database.NewWriter(db, database.WithEncryptedCloudStackKeys())
	require.NoError(t, err)
	require.ErrorIs(t, keylessWriter.RotateCloudStackKeys(ctx, "enc", k2, s2), database.ErrKeyMissing)
}

func TestInsecureSkipVerifyOption(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, w := newStore(t, testdb.SQLite)
	key := newKey(t)
	w, err := database.NewWriter(db, database.WithKey(key))
	require.NoError(t, err)
	for _, name := range []string{"lab", "prod"} {
		_, err := w.PutVSphere(ctx, name, credentials.VSphere{Host: name + ".example.invalid", Username: "u",
			Password: credentials.NewSecret(fakeSecret(t, "pw"))})
		require.NoError(t, err)
	}
	src, err := database.New(db, database.WithKey(key), database.WithInsecureSkipVerify(credentials.KindVSphere, "lab"))
	require.NoError(t, err)
	lab, err := src.VSphere(ctx, credentials.Account("lab"))
	require.NoError(t, err)
	prod, err := src.VSphere(ctx, credentials.Account("prod"))
	require.NoError(t, err)
	assert.True(t, lab.InsecureSkipVerify)
	assert.False(t, prod.InsecureSkipVerify, "verification stays on for sets not named")
	assert.NotEqual(t, lab.Version, prod.Version)
}
