package database_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

func validCloudStack(t *testing.T, zone string) credentials.CloudStack {
	return credentials.CloudStack{APIURL: "https://cloud.example.invalid/client/api",
		APIKey: credentials.NewSecret(fakeSecret(t, "k")), SecretKey: credentials.NewSecret(fakeSecret(t, "s")), Zone: zone}
}

func validVSphere(t *testing.T, host string) credentials.VSphere {
	return credentials.VSphere{Host: host, Username: "svc", Password: credentials.NewSecret(fakeSecret(t, "pw")), Datacenter: "DC"}
}

func TestWriter(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := migrated(t, backend)
		key := newKey(t)
		w, err := database.NewWriter(db, database.WithKey(key))
		require.NoError(t, err)
		src, err := database.New(db, database.WithKey(key))
		require.NoError(t, err)

		// CloudStack: a saved configuration is active; several can be; the lowest id is
		// the default; deleting clears is_active and keeps the row.
		logs := &recorder{}
		src, err = database.New(db, database.WithKey(key), database.WithLogger(slog.New(logs)))
		require.NoError(t, err)
		idA, err := w.CreateCloudStack(ctx, "a", validCloudStack(t, "z1"))
		require.NoError(t, err)
		_, err = w.CreateCloudStack(ctx, "a", validCloudStack(t, "z1"))
		require.ErrorIs(t, err, database.ErrExists)
		require.ErrorIs(t, w.UpdateCloudStack(ctx, "nope", validCloudStack(t, "z")), fkerrors.NotFound)
		c, err := src.CloudStack(ctx, credentials.Ref{})
		require.NoError(t, err, "a saved configuration is active")
		assert.Equal(t, "a", c.Origin.Account)
		assert.Empty(t, c.Warnings)
		idB, err := w.PutCloudStack(ctx, "b", validCloudStack(t, "z2"))
		require.NoError(t, err)
		assert.NotEqual(t, idA, idB)
		c, err = src.CloudStack(ctx, credentials.Ref{})
		require.NoError(t, err, "saving b left a active: the appliance deactivates only rows of the same name")
		assert.Equal(t, "a", c.Origin.Account, "the lowest id")
		require.Len(t, c.Warnings, 1)
		assert.Contains(t, c.Warnings[0], `"b"`)
		assert.Equal(t, 1, logs.count(slog.LevelWarn, "several active CloudStack configurations"))

		require.NoError(t, w.DeleteCloudStack(ctx, "a"))
		c, err = src.CloudStack(ctx, credentials.Ref{})
		require.NoError(t, err)
		assert.Equal(t, "b", c.Origin.Account, "with a deleted, b is the default")
		_, err = src.CloudStack(ctx, credentials.AccountID(idA))
		require.ErrorIs(t, err, fkerrors.NotFound, "a deleted configuration is gone for named lookups too")
		require.NoError(t, w.ActivateCloudStack(ctx, "a"))
		byID, err := src.CloudStack(ctx, credentials.AccountID(idA))
		require.NoError(t, err, "ActivateCloudStack restores it")
		assert.Equal(t, "a", byID.Origin.Account)
		require.NoError(t, w.DeactivateCloudStack(ctx, "a"))
		again, err := w.CreateCloudStack(ctx, "a", validCloudStack(t, "z3"))
		require.NoError(t, err, "creating a deleted configuration's name restores it, as the appliance's save does")
		assert.Equal(t, idA, again)
		restored, err := src.CloudStack(ctx, credentials.Account("a"))
		require.NoError(t, err)
		assert.Equal(t, "z3", restored.Zone)

		c, err = src.CloudStack(ctx, credentials.Account("b"))
		require.NoError(t, err)
		newKeyV, newSecret := credentials.NewSecret(fakeSecret(t, "k")), credentials.NewSecret(fakeSecret(t, "s"))
		require.NoError(t, w.RotateCloudStackKeys(ctx, "b", newKeyV, newSecret))
		rotated, err := src.CloudStack(ctx, credentials.Account("b"))
		require.NoError(t, err)
		assert.True(t, rotated.SecretKey.Equal(newSecret))
		assert.NotEqual(t, c.Version, rotated.Version)
		require.NoError(t, w.DeleteCloudStack(ctx, "a"))
		require.NoError(t, w.DeleteCloudStack(ctx, "b"))
		_, err = src.CloudStack(ctx, credentials.Ref{})
		require.ErrorIs(t, err, fkerrors.NotFound)

		// Validation, unless switched off.
		bad := validCloudStack(t, " padded ")
		_, err = w.PutCloudStack(ctx, "c", bad)
		require.ErrorIs(t, err, fkerrors.Invalid)
		_, err = w.PutCloudStack(ctx, " c", validCloudStack(t, "z"))
		require.ErrorIs(t, err, fkerrors.Invalid, "padded names are refused")
		require.ErrorIs(t, w.RotateCloudStackKeys(ctx, "a", credentials.NewSecret(""), newSecret), fkerrors.Incomplete)

		// vCenter: new sets are active, not default; SetDefault is exclusive and activates.
		v1, v2 := validVSphere(t, "vc1.example.invalid"), validVSphere(t, "vc2.example.invalid")
		_, err = w.PutVSphere(ctx, "v1", v1)
		require.NoError(t, err)
		_, err = w.CreateVSphere(ctx, "v2", v2)
		require.NoError(t, err)
		_, err = w.CreateVSphere(ctx, "v2", v2)
		require.ErrorIs(t, err, database.ErrExists)
		named, err := src.VSphere(ctx, credentials.Account("v2"))
		require.NoError(t, err)
		assert.True(t, named.Password.Equal(v2.Password))
		_, err = src.VSphere(ctx, credentials.Ref{})
		require.ErrorIs(t, err, fkerrors.NotFound)

		require.NoError(t, w.DeactivateVSphere(ctx, "v1"))
		require.NoError(t, w.SetDefaultVSphere(ctx, "v1"))
		require.NoError(t, w.SetDefaultVSphere(ctx, "v2"))
		def, err := src.VSphere(ctx, credentials.Ref{})
		require.NoError(t, err)
		assert.Equal(t, "v2", def.Origin.Account)
		require.NoError(t, w.SetDefaultVSphere(ctx, "v1"))
		def, err = src.VSphere(ctx, credentials.Ref{})
		require.NoError(t, err, "SetDefaultVSphere activates the set and clears the other default")
		assert.Equal(t, "v1", def.Origin.Account)

		pw := credentials.NewSecret(fakeSecret(t, "pw"))
		require.NoError(t, w.RotateVSpherePassword(ctx, "v1", pw))
		def, err = src.VSphere(ctx, credentials.Ref{})
		require.NoError(t, err)
		assert.True(t, def.Password.Equal(pw))
		require.ErrorIs(t, w.RotateVSpherePassword(ctx, "v1", credentials.NewSecret(" x")), fkerrors.Incomplete)
		require.NoError(t, w.UpdateVSphere(ctx, "v2", validVSphere(t, "vc2b.example.invalid")))
		updated, err := src.VSphere(ctx, credentials.Account("v2"))
		require.NoError(t, err)
		assert.Equal(t, "vc2b.example.invalid", updated.Host)

		require.NoError(t, w.DeleteVSphere(ctx, "v2"))
		require.ErrorIs(t, w.DeleteVSphere(ctx, "v2"), fkerrors.NotFound)
		require.ErrorIs(t, w.ActivateCloudStack(ctx, "missing"), fkerrors.NotFound)
		require.ErrorIs(t, w.LinkVM(ctx, "ctx-1", "missing"), fkerrors.NotFound)

		// Without a key the writer refuses to store a vCenter password.
		keyless, err := database.NewWriter(db)
		require.NoError(t, err)
		_, err = keyless.PutVSphere(ctx, "v3", validVSphere(t, "vc3.example.invalid"))
		require.ErrorIs(t, err, database.ErrKeyMissing)
		_, err = keyless.ReencryptPlaintext(ctx)
		require.ErrorIs(t, err, database.ErrKeyMissing)

		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = w.PutCloudStack(cctx, "z", validCloudStack(t, "z"))
		require.ErrorIs(t, err, context.Canceled)
	})
}

// TestWriterStoresCloudStackKeysAsTheAppliance: with the key the writer encrypts the keys
// exactly as the appliance's configuration handler does (the appliance's own decryption reads
// them); without it, it stores plaintext, as the appliance's other save paths do.
func TestWriterStoresCloudStackKeysAsTheAppliance(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := appliancedb.Open(t, backend)
		key := newKey(t)
		w, err := database.NewWriter(db, database.WithKey(key))
		require.NoError(t, err)
		keyless, err := database.NewWriter(db)
		require.NoError(t, err)
		storedKeys := func(name string) (string, string) {
			var r struct{ APIKey, SecretKey string }
			require.NoError(t, db.Raw("SELECT api_key, secret_key FROM ossea_configs WHERE name = ?", name).Scan(&r).Error)
			return r.APIKey, r.SecretKey
		}

		enc := validCloudStack(t, "z")
		_, err = w.PutCloudStack(ctx, "encrypted", enc)
		require.NoError(t, err)
		k, s := storedKeys("encrypted")
		assert.Equal(t, enc.APIKey.Reveal(), omaDecrypt(t, key, k))
		assert.Equal(t, enc.SecretKey.Reveal(), omaDecrypt(t, key, s))
		rotated := credentials.NewSecret(fakeSecret(t, "s"))
		require.NoError(t, w.RotateCloudStackKeys(ctx, "encrypted", enc.APIKey, rotated))
		_, s = storedKeys("encrypted")
		assert.Equal(t, rotated.Reveal(), omaDecrypt(t, key, s))

		plain := validCloudStack(t, "z")
		plain.APIKey, plain.SecretKey = credentials.NewSecret(cloudStackKey(t)), credentials.NewSecret(cloudStackKey(t))
		_, err = keyless.PutCloudStack(ctx, "plaintext", plain)
		require.NoError(t, err)
		k, s = storedKeys("plaintext")
		assert.Equal(t, plain.APIKey.Reveal(), k)
		assert.Equal(t, plain.SecretKey.Reveal(), s)

		src, err := database.New(db, database.WithKey(key), database.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		for name, want := range map[string]credentials.Secret{"encrypted": rotated, "plaintext": plain.SecretKey} {
			c, err := src.CloudStack(ctx, credentials.Account(name))
			require.NoError(t, err, name)
			assert.True(t, c.SecretKey.Equal(want), name)
		}

		// Without a key, a value with the encrypted form would be read back as one.
		looksSealed := validCloudStack(t, "z")
		looksSealed.SecretKey = credentials.NewSecret(omaEncrypt(t, newKey(t), "x"))
		_, err = keyless.PutCloudStack(ctx, "confusing", looksSealed)
		requireErr(t, err, fkerrors.Invalid, credentials.FieldSecretKey, []string{looksSealed.SecretKey.Reveal()}, "WithKey")
		_, err = w.PutCloudStack(ctx, "confusing", looksSealed)
		require.NoError(t, err, "with the key it is stored encrypted, so it reads back as given")
		c, err := src.CloudStack(ctx, credentials.Account("confusing"))
		require.NoError(t, err)
		assert.True(t, c.SecretKey.Equal(looksSealed.SecretKey))
	})
}

func TestConstructorsRejectBadInput(t *testing.T) {
	t.Parallel()
	_, err := database.New(nil)
	require.ErrorIs(t, err, fkerrors.Invalid)
	_, err = database.NewWriter(nil)
	require.ErrorIs(t, err, fkerrors.Invalid)
	require.ErrorIs(t, database.Migrate(context.Background(), nil), fkerrors.Invalid)
	db := testdb.Open(t, testdb.SQLite)
	_, err = database.New(db, database.WithKey(make([]byte, 16)))
	require.ErrorIs(t, err, database.ErrKeyInvalid)
	_, err = database.NewWriter(db, database.WithKey(nil))
	require.ErrorIs(t, err, database.ErrKeyInvalid)
}

// The Writer refuses values no Source would read - a 1 MiB key, a control character, a
// name that could forge a line of output - with fkerrors.Invalid naming the field, never
// the value, and stores nothing.
func TestWriterRefusesInsaneValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := migrated(t, testdb.SQLite)
	w, err := database.NewWriter(db, database.WithKey(newKey(t)))
	require.NoError(t, err)
	cs := func(mutate func(*credentials.CloudStack)) credentials.CloudStack {
		c := credentials.CloudStack{APIURL: "https://cloud.example.invalid/client/api",
			APIKey: credentials.NewSecret("fake-key"), SecretKey: credentials.NewSecret("fake-secret")}
		mutate(&c)
		return c
	}
	bigKey := strings.Repeat("k", 1<<20)
	tests := []struct {
		name  string
		put   func() error
		field credentials.Field
	}{
		{"1 MiB api_key", func() error {
			_, err := w.PutCloudStack(ctx, "big", cs(func(c *credentials.CloudStack) { c.APIKey = credentials.NewSecret(bigKey) }))
			return err
		}, credentials.FieldAPIKey},
		{"escape in zone", func() error {
			_, err := w.PutCloudStack(ctx, "esc", cs(func(c *credentials.CloudStack) { c.Zone = "z\x1b[2J" }))
			return err
		}, credentials.FieldZone},
		{"newline in name", func() error {
			_, err := w.PutCloudStack(ctx, "a\nfix: forged", cs(func(*credentials.CloudStack) {}))
			return err
		}, credentials.FieldAccount},
		{"padded name", func() error {
			_, err := w.PutCloudStack(ctx, " padded ", cs(func(*credentials.CloudStack) {}))
			return err
		}, credentials.FieldAccount},
		{"blank name", func() error {
			_, err := w.PutVSphere(ctx, "", credentials.VSphere{Host: "vc.example.invalid", Username: "u",
				Password: credentials.NewSecret("fake-password")})
			return err
		}, credentials.FieldAccount},
		{"rotated key with a control character", func() error {
			return w.RotateCloudStackKeys(ctx, "any", credentials.NewSecret("fake\x00key"), credentials.NewSecret("fake-secret"))
		}, credentials.FieldAPIKey},
		{"4 KiB password", func() error {
			_, err := w.PutVSphere(ctx, "vc", credentials.VSphere{Host: "vc.example.invalid", Username: "u",
				Password: credentials.NewSecret(strings.Repeat("p", 4096))})
			return err
		}, credentials.FieldPassword},
		{"rotated password with BEL", func() error {
			return w.RotateVSpherePassword(ctx, "vc", credentials.NewSecret("fake\apassword"))
		}, credentials.FieldPassword},
	}
	for _, tt := range tests {
		err := tt.put()
		e := testkit.RequireErrorAs[*credentials.Error](t, err, fkerrors.Invalid)
		assert.Equal(t, tt.field, e.Field, tt.name)
		assert.NotContains(t, err.Error(), "fake", tt.name)
		assert.Less(t, len(err.Error()), 1024, tt.name)
	}
	var n int64
	require.NoError(t, db.Raw("SELECT COUNT(*) FROM ossea_configs").Scan(&n).Error)
	assert.Zero(t, n, "nothing was stored")
}
