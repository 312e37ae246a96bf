package database_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
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

// oneCloudStackRowWith gives the rows of a case that stores one active configuration "a"
// with column set to value.
func oneCloudStackRowWith(column string, value any) func(k, s string) []row {
	return func(k, s string) []row {
		r := cloudStackRow("a", true, k, s)
		r[column] = value
		return []row{r}
	}
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
	require.NotEmpty(t, e.Fix)
	msg := fmt.Sprintf("%v %+v", err, err)
	assert.Contains(t, msg, e.Fix)
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
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		cases := []struct {
			name     string
			rows     func(k, s string) []row
			ref      credentials.Ref
			category error // nil: success
			field    credentials.Field
			contains []string
		}{
			{name: "empty api_key", rows: oneCloudStackRowWith("api_key", ""),
				category: fkerrors.Incomplete, field: credentials.FieldAPIKey, contains: []string{"api_key", "ossea_configs id=", "OSSEA"}},
			{name: "empty api_url", rows: oneCloudStackRowWith("api_url", ""),
				category: fkerrors.Incomplete, field: credentials.FieldAPIURL, contains: []string{"api_url"}},
			{name: "white space secret_key", rows: oneCloudStackRowWith("secret_key", "   "),
				category: fkerrors.Incomplete, field: credentials.FieldSecretKey, contains: []string{"secret_key"}},
			{name: "padded api_key", rows: func(k, s string) []row {
				r := cloudStackRow("a", true, k, s)
				r["api_key"] = k + "\n"
				return []row{r}
			}, category: fkerrors.Invalid, field: credentials.FieldAPIKey},
			{name: "padded zone", rows: oneCloudStackRowWith("zone", " zone-1"),
				category: fkerrors.Invalid, field: credentials.FieldZone, contains: []string{"zone"}},
			{name: "relative url", rows: oneCloudStackRowWith("api_url", "cloud.example.invalid/client/api"),
				category: fkerrors.Invalid, field: credentials.FieldAPIURL},
			{name: "ftp url", rows: oneCloudStackRowWith("api_url", "ftp://cloud.example.invalid/"),
				category: fkerrors.Invalid, field: credentials.FieldAPIURL},
			{name: "garbage url", rows: oneCloudStackRowWith("api_url", "https://%zz"),
				category: fkerrors.Invalid, field: credentials.FieldAPIURL},
			{name: "NULL optional columns", rows: func(k, s string) []row {
				r := cloudStackRow("a", true, k, s)
				for _, c := range []string{"domain", "template_id", "network_id", "service_offering_id", "disk_offering_id", "oma_vm_id"} {
					r[c] = nil
				}
				return []row{r}
			}},
			{name: "NULL is_active is inactive", rows: oneCloudStackRowWith("is_active", nil),
				category: fkerrors.NotFound, contains: []string{"no active row", `"a"`, "deleted", "ActivateCloudStack"}},
			{name: "no rows", rows: func(string, string) []row { return nil },
				category: fkerrors.NotFound, contains: []string{"no rows", "OSSEA"}},
			{name: "two active rows: the lowest id", rows: func(k, s string) []row {
				return []row{cloudStackRow("third", false, k, "other-"+s), cloudStackRow("first", true, k, s), cloudStackRow("second", true, k, "other-"+s)}
			}},
			{name: "named inactive row is deleted", rows: func(k, s string) []row {
				return []row{cloudStackRow("on", true, k, s), cloudStackRow("off", false, k, s)}
			}, ref: credentials.Account("off"), category: fkerrors.NotFound,
				contains: []string{`"off"`, "deleted", "is_active", "ActivateCloudStack", "OSSEA"}},
			{name: "inactive row by id is deleted", rows: func(k, s string) []row {
				return []row{cloudStackRow("on", true, k, s), cloudStackRow("off", false, k, s)}
			}, ref: credentials.AccountID(2), category: fkerrors.NotFound, contains: []string{"id=2", "deleted"}},
			{name: "named missing is not the default", rows: func(k, s string) []row {
				return []row{cloudStackRow("on", true, k, s)}
			}, ref: credentials.Account("nope"), category: fkerrors.NotFound, contains: []string{`"nope"`, "OrDefault"}},
			{name: "id not a number", rows: func(k, s string) []row {
				return []row{cloudStackRow("on", true, k, s)}
			}, ref: credentials.Ref{ID: "abc"}, category: fkerrors.NotFound, contains: []string{"numeric"}},
			{name: "name and id must both match", rows: func(k, s string) []row {
				return []row{cloudStackRow("on", true, k, s)}
			}, ref: credentials.Ref{Name: "on", ID: "99"}, category: fkerrors.NotFound},
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

func vSphereRow(name string, active, isDefault bool, stored string) row {
	return row{"credential_name": name, "vcenter_host": "vc.example.invalid", "username": "svc", "password_encrypted": stored,
		"datacenter": "DC", "is_active": active, "is_default": isDefault}
}

func TestOddVSphereRows(t *testing.T) {
	t.Parallel()
	otherKey := newKey(t)
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
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
			}, category: fkerrors.Incomplete, field: credentials.FieldPassword, contains: []string{"password_encrypted", "VMware"}},
			{name: "empty username and datacenter", rows: func(t *testing.T, key []byte, pw string) []row {
				r := vSphereRow("a", true, true, omaEncrypt(t, key, pw))
				r["username"], r["datacenter"] = "", ""
				return []row{r}
			}, category: fkerrors.Incomplete, field: credentials.FieldUsername},
			{name: "empty datacenter is fine", rows: func(t *testing.T, key []byte, pw string) []row {
				r := vSphereRow("a", true, true, omaEncrypt(t, key, pw))
				r["datacenter"] = ""
				return []row{r}
			}},
			{name: "host with a path", rows: func(t *testing.T, key []byte, pw string) []row {
				r := vSphereRow("a", true, true, omaEncrypt(t, key, pw))
				r["vcenter_host"] = "vc.example.invalid/sdk"
				return []row{r}
			}, category: fkerrors.Invalid, field: credentials.FieldHost, contains: []string{"vcenter_host"}},
			{name: "not base64: a bare password, not garbled ciphertext", rows: func(t *testing.T, key []byte, pw string) []row {
				return []row{vSphereRow("a", true, true, "!!not*base64!!")}
			}, category: fkerrors.Decrypt, field: credentials.FieldPassword, cause: database.ErrPlaintext,
				contains: []string{"bare, unencrypted password", "ReencryptPlaintext", "AcceptPlaintextPasswords"}},
			{name: "short base64: a bare password", rows: func(t *testing.T, key []byte, pw string) []row {
				return []row{vSphereRow("a", true, true, "AAAAAAAA")}
			}, category: fkerrors.Decrypt, field: credentials.FieldPassword, cause: database.ErrPlaintext,
				contains: []string{"bare, unencrypted password"}},
			{name: "encrypted form, altered", rows: func(t *testing.T, key []byte, pw string) []row {
				raw, err := base64.StdEncoding.DecodeString(omaEncrypt(t, key, pw))
				require.NoError(t, err)
				raw[len(raw)-1] ^= 1 // a bit of the tag: still the encrypted form, no longer authentic
				return []row{vSphereRow("a", true, true, base64.StdEncoding.EncodeToString(raw))}
			}, category: fkerrors.Decrypt, field: credentials.FieldPassword, cause: database.ErrCiphertextAuth,
				contains: []string{"does not decrypt", database.KeyEnv}},
			{name: "wrong key", rows: func(t *testing.T, key []byte, pw string) []row {
				return []row{vSphereRow("a", true, true, omaEncrypt(t, otherKey, pw))}
			}, category: fkerrors.Decrypt, field: credentials.FieldPassword, cause: database.ErrCiphertextAuth,
				contains: []string{database.KeyEnv, "vmware_credentials id="}},
			{name: "plaintext refused", rows: func(t *testing.T, key []byte, pw string) []row {
				return []row{vSphereRow("a", true, true, "TEMP_PLAINTEXT_"+pw)}
			}, category: fkerrors.Decrypt, field: credentials.FieldPassword, cause: database.ErrPlaintext,
				contains: []string{"TEMP_PLAINTEXT_", "ReencryptPlaintext", "re-enter", `"a"`}},
			{name: "two defaults", rows: func(t *testing.T, key []byte, pw string) []row {
				return []row{vSphereRow("x", true, true, omaEncrypt(t, key, pw)), vSphereRow("y", true, true, omaEncrypt(t, key, pw))}
			}, category: fkerrors.Ambiguous, contains: []string{`"x"`, `"y"`, "SetDefaultVSphere"}},
			{name: "default inactive", rows: func(t *testing.T, key []byte, pw string) []row {
				return []row{vSphereRow("x", false, true, omaEncrypt(t, key, pw)), vSphereRow("y", true, false, omaEncrypt(t, key, pw))}
			}, category: fkerrors.NotFound, contains: []string{`"x"`, "inactive", "activate it"}},
			{name: "no default", rows: func(t *testing.T, key []byte, pw string) []row {
				return []row{vSphereRow("y", true, false, omaEncrypt(t, key, pw))}
			}, category: fkerrors.NotFound, contains: []string{"default"}},
			{name: "NULL flags", rows: func(t *testing.T, key []byte, pw string) []row {
				r := vSphereRow("y", true, true, omaEncrypt(t, key, pw))
				r["is_active"], r["is_default"] = nil, nil
				return []row{r}
			}, category: fkerrors.NotFound},
			{name: "named inactive", rows: func(t *testing.T, key []byte, pw string) []row {
				return []row{vSphereRow("on", true, true, omaEncrypt(t, key, pw)), vSphereRow("off", false, false, omaEncrypt(t, key, pw))}
			}, ref: credentials.Account("off"), category: fkerrors.NotFound, contains: []string{"inactive", "activate it", "ActivateVSphere"}},
			{name: "named missing with AllowDefault falls back to the default", rows: func(t *testing.T, key []byte, pw string) []row {
				return []row{vSphereRow("on", true, true, omaEncrypt(t, key, pw))}
			}, ref: credentials.Account("missing").OrDefault()},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				key := newKey(t)
				db := migrated(t, backend)
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

// TestPlaintextPasswords covers the unencrypted forms deployed databases hold: TEMP_ values
// (the appliance drops the first 15 characters, whatever follows TEMP_) and bare passwords.
// Each is refused by default with its own message, read with a warning on every use when
// opted in, and re-encrypted by ReencryptPlaintext.
func TestPlaintextPasswords(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := appliancedb.Open(t, backend)
		key := newKey(t)
		pws := map[string]string{}
		stored := map[string]string{}
		for _, name := range []string{"temp-plaintext", "temp-other", "bare", "encrypted"} {
			pws[name] = fakeSecret(t, "password")
		}
		stored["temp-plaintext"] = "TEMP_PLAINTEXT_" + pws["temp-plaintext"]
		stored["temp-other"] = "TEMP_ENCRYPTME_" + pws["temp-other"] // any TEMP_ value loses 15 characters
		stored["bare"] = pws["bare"]
		stored["encrypted"] = omaEncrypt(t, key, pws["encrypted"])
		stored["temp-short"] = "TEMP_PLAIN"
		for _, name := range []string{"temp-plaintext", "temp-other", "bare", "encrypted", "temp-short"} {
			insert(t, db, "vmware_credentials", vSphereRow(name, true, false, stored[name]))
		}
		secrets := []string{pws["temp-plaintext"], pws["temp-other"], pws["bare"], pws["encrypted"]}

		strict, err := database.New(db, database.WithKey(key), database.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		for name, fragments := range map[string][]string{
			"temp-plaintext": {"unencrypted TEMP_ value", "re-enter", "ReencryptPlaintext", "AcceptPlaintextPasswords"},
			"temp-other":     {"unencrypted TEMP_ value", "ReencryptPlaintext"},
			"bare":           {"bare, unencrypted password", database.KeyEnv, "ReencryptPlaintext", "AcceptPlaintextPasswords"},
		} {
			_, err := strict.VSphere(ctx, credentials.Account(name))
			requireErr(t, err, fkerrors.Decrypt, credentials.FieldPassword, secrets, append(fragments, `"`+name+`"`)...)
			assert.ErrorIs(t, err, database.ErrPlaintext, name)
			assert.NotErrorIs(t, err, database.ErrCiphertextEncoding, "%s is not reported as garbled ciphertext", name)
		}
		_, err = strict.VSphere(ctx, credentials.Account("temp-short"))
		requireErr(t, err, fkerrors.Decrypt, credentials.FieldPassword, nil, "shorter than the 15-character")

		logs := &recorder{}
		lax, err := database.New(db, database.AcceptPlaintextPasswords(), database.WithLogger(slog.New(logs)))
		require.NoError(t, err)
		warnings := 0
		for i := 1; i <= 2; i++ {
			for _, name := range []string{"temp-plaintext", "temp-other", "bare"} {
				v, err := lax.VSphere(ctx, credentials.Account(name))
				require.NoError(t, err, "no key is needed for a plaintext row")
				assert.Equal(t, pws[name], v.Password.Reveal(), name)
				require.Len(t, v.Warnings, 1, name)
				assert.Contains(t, v.Warnings[0], "stored unencrypted")
				warnings++
				assert.Equal(t, warnings, logs.count(slog.LevelWarn, "unencrypted"), "a warning on every use")
			}
		}
		_, err = lax.VSphere(ctx, credentials.Account("encrypted"))
		requireErr(t, err, fkerrors.Decrypt, credentials.FieldPassword, secrets, "WithKey")
		assert.ErrorIs(t, err, database.ErrKeyMissing, "opting in to plaintext does not read encrypted values without the key")
		_, err = lax.VSphere(ctx, credentials.Account("temp-short"))
		require.Error(t, err, "a TEMP_ value too short for the marker holds no password, opt-in or not")
		for _, p := range secrets {
			assert.NotContains(t, logs.text(), p)
		}

		// Re-encrypting fixes the three rows; the strict source then reads them all.
		w, err := database.NewWriter(db, database.WithKey(key))
		require.NoError(t, err)
		n, err := w.ReencryptPlaintext(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		for _, name := range []string{"temp-plaintext", "temp-other", "bare", "encrypted"} {
			v, err := strict.VSphere(ctx, credentials.Account(name))
			require.NoError(t, err, name)
			assert.Equal(t, pws[name], v.Password.Reveal(), name)
			assert.Empty(t, v.Warnings)
			var now string
			require.NoError(t, db.Raw("SELECT password_encrypted FROM vmware_credentials WHERE credential_name = ?", name).Scan(&now).Error)
			assert.Equal(t, pws[name], omaDecrypt(t, key, now), "the appliance can read %s", name)
		}
		var short string
		require.NoError(t, db.Raw("SELECT password_encrypted FROM vmware_credentials WHERE credential_name = 'temp-short'").Scan(&short).Error)
		assert.Equal(t, stored["temp-short"], short, "a value holding no password is left alone")
		n, err = w.ReencryptPlaintext(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing left to re-encrypt")
	})
}

func TestNoKeyConfigured(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := migrated(t, testdb.SQLite)
	pw := fakeSecret(t, "password")
	insert(t, db, "vmware_credentials", vSphereRow("vc", true, true, omaEncrypt(t, newKey(t), pw)))
	k, s := fakeSecret(t, "k"), fakeSecret(t, "s")
	insert(t, db, "ossea_configs", cloudStackRow("cs", true, k, s))

	src, err := database.New(db)
	require.NoError(t, err)
	_, err = src.VSphere(ctx, credentials.Ref{})
	requireErr(t, err, fkerrors.Decrypt, credentials.FieldPassword, []string{pw}, "WithKey", database.KeyEnv)
	assert.ErrorIs(t, err, database.ErrKeyMissing)
	c, err := src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err, "plaintext CloudStack keys need no key")
	assert.Equal(t, s, c.SecretKey.Reveal())
}

// cloudStackKey returns a key shaped as CloudStack makes them: Base64.encodeBase64URLSafeString
// of a 64-byte HmacSHA1 key, 86 characters.
func cloudStackKey(t testing.TB) string {
	t.Helper()
	b := make([]byte, 64)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestCloudStackKeysPerValue reads a database where the appliance stored CloudStack keys
// encrypted on some rows and in plaintext on others (even within one row).
func TestCloudStackKeysPerValue(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := appliancedb.Open(t, backend)
		key, otherKey := newKey(t), newKey(t)
		type pair struct{ k, s string }
		plain := map[string]pair{}
		stored := map[string]pair{}
		for _, name := range []string{"encrypted", "plaintext", "mixed", "wrong-key", "short-base64"} {
			plain[name] = pair{cloudStackKey(t), cloudStackKey(t)}
		}
		enc := func(k []byte, v string) string { return omaEncrypt(t, k, v) }
		stored["encrypted"] = pair{enc(key, plain["encrypted"].k), enc(key, plain["encrypted"].s)}
		stored["plaintext"] = plain["plaintext"]
		stored["mixed"] = pair{enc(key, plain["mixed"].k), plain["mixed"].s}
		stored["wrong-key"] = pair{plain["wrong-key"].k, enc(otherKey, plain["wrong-key"].s)}
		// Plaintext keys of other origins that happen to be standard base64: too short to
		// be nonce+tag, so plaintext.
		plain["short-base64"] = pair{"c2hvcnRrZXk=", "YW5vdGhlcnNob3J0a2V5"}
		stored["short-base64"] = plain["short-base64"]
		for _, name := range []string{"encrypted", "plaintext", "mixed", "wrong-key", "short-base64"} {
			insert(t, db, "ossea_configs", cloudStackRow(name, true, stored[name].k, stored[name].s))
		}
		var secrets []string
		for _, p := range plain {
			secrets = append(secrets, p.k, p.s)
		}
		for _, p := range stored {
			secrets = append(secrets, p.k, p.s)
		}

		src, err := database.New(db, database.WithKey(key), database.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		for _, name := range []string{"encrypted", "plaintext", "mixed", "short-base64"} {
			c, err := src.CloudStack(ctx, credentials.Account(name))
			require.NoError(t, err, name)
			assert.Equal(t, plain[name].k, c.APIKey.Reveal(), name)
			assert.Equal(t, plain[name].s, c.SecretKey.Reveal(), name)
		}
		_, err = src.CloudStack(ctx, credentials.Account("wrong-key"))
		requireErr(t, err, fkerrors.Decrypt, credentials.FieldSecretKey, secrets,
			"secret_key", `"wrong-key"`, "ossea_configs id=4", database.KeyEnv, "RotateCloudStackKeys")
		assert.ErrorIs(t, err, database.ErrCiphertextAuth)

		keyless, err := database.New(db, database.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		c, err := keyless.CloudStack(ctx, credentials.Account("plaintext"))
		require.NoError(t, err, "plaintext keys need no key")
		assert.Equal(t, plain["plaintext"].s, c.SecretKey.Reveal())
		for name, field := range map[string]credentials.Field{"encrypted": credentials.FieldAPIKey, "mixed": credentials.FieldAPIKey} {
			_, err := keyless.CloudStack(ctx, credentials.Account(name))
			requireErr(t, err, fkerrors.Decrypt, field, secrets, "api_key", `"`+name+`"`, "WithKey", database.KeyEnv)
			assert.ErrorIs(t, err, database.ErrKeyMissing, name)
		}
	})
}

func TestMissingTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, err := database.New(testdb.Open(t, testdb.SQLite))
	require.NoError(t, err)
	_, err = src.CloudStack(ctx, credentials.Ref{})
	requireErr(t, err, fkerrors.NotFound, "", nil, "ossea_configs", "Migrate")
	_, err = src.VSphere(ctx, credentials.Account("x"))
	requireErr(t, err, fkerrors.NotFound, "", nil, "vmware_credentials")
	_, err = src.VSphereForVM(ctx, "vm1")
	requireErr(t, err, fkerrors.NotFound, "", nil, "vm_replication_contexts")
}

func TestMissingColumns(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := testdb.Open(t, backend)
		// An older schema without oma_vm_id and disk_offering_id.
		require.NoError(t, db.Exec("CREATE TABLE ossea_configs (id integer PRIMARY KEY, name varchar(64), api_url varchar(255), "+
			"api_key varchar(255), secret_key varchar(255), domain varchar(255), zone varchar(255), template_id varchar(255), "+
			"network_id varchar(255), service_offering_id varchar(255), is_active integer)").Error)
		src, err := database.New(db)
		require.NoError(t, err)
		_, err = src.CloudStack(ctx, credentials.Ref{})
		requireErr(t, err, fkerrors.Invalid, "", nil, "disk_offering_id", "oma_vm_id")
	})
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
