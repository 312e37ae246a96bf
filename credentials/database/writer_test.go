package database_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
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
	for _, backend := range testdb.Backends(t) {
		t.Run(string(backend), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, backend)
			require.NoError(t, database.Migrate(ctx, db))
			key := newKey(t)
			w, err := database.NewWriter(db, database.WithKey(key))
			require.NoError(t, err)
			src, err := database.New(db, database.WithKey(key))
			require.NoError(t, err)

			// CloudStack: create, duplicate, update, activate exclusively, rotate.
			idA, err := w.CreateCloudStack(ctx, "a", validCloudStack(t, "z1"))
			require.NoError(t, err)
			_, err = w.CreateCloudStack(ctx, "a", validCloudStack(t, "z1"))
			require.ErrorIs(t, err, database.ErrExists)
			require.ErrorIs(t, w.UpdateCloudStack(ctx, "nope", validCloudStack(t, "z")), credentials.ErrNotFound)
			idB, err := w.PutCloudStack(ctx, "b", validCloudStack(t, "z2"))
			require.NoError(t, err)
			assert.NotEqual(t, idA, idB)
			_, err = src.CloudStack(ctx, credentials.Ref{})
			require.ErrorIs(t, err, credentials.ErrNotFound, "new configurations are inactive")

			require.NoError(t, w.ActivateCloudStack(ctx, "a"))
			require.NoError(t, w.ActivateCloudStack(ctx, "b"))
			c, err := src.CloudStack(ctx, credentials.Ref{})
			require.NoError(t, err, "activating b deactivated a")
			assert.Equal(t, "b", c.Origin.Account)
			byID, err := src.CloudStack(ctx, credentials.AccountID(idA))
			require.NoError(t, err)
			assert.Equal(t, "a", byID.Origin.Account)

			newKeyV, newSecret := credentials.NewSecret(fakeSecret(t, "k")), credentials.NewSecret(fakeSecret(t, "s"))
			require.NoError(t, w.RotateCloudStackKeys(ctx, "b", newKeyV, newSecret))
			rotated, err := src.CloudStack(ctx, credentials.Ref{})
			require.NoError(t, err)
			assert.True(t, rotated.SecretKey.Equal(newSecret))
			assert.NotEqual(t, c.Version, rotated.Version)
			require.NoError(t, w.DeactivateCloudStack(ctx, "b"))
			_, err = src.CloudStack(ctx, credentials.Ref{})
			require.ErrorIs(t, err, credentials.ErrNotFound)

			// Validation, unless switched off.
			bad := validCloudStack(t, " padded ")
			_, err = w.PutCloudStack(ctx, "c", bad)
			require.ErrorIs(t, err, credentials.ErrInvalid)
			_, err = w.PutCloudStack(ctx, " c", validCloudStack(t, "z"))
			require.ErrorIs(t, err, credentials.ErrInvalid, "padded names are refused")
			require.ErrorIs(t, w.RotateCloudStackKeys(ctx, "a", credentials.NewSecret(""), newSecret), credentials.ErrIncomplete)

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
			require.ErrorIs(t, err, credentials.ErrNotFound)

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
			require.ErrorIs(t, w.RotateVSpherePassword(ctx, "v1", credentials.NewSecret(" x")), credentials.ErrIncomplete)
			require.NoError(t, w.UpdateVSphere(ctx, "v2", validVSphere(t, "vc2b.example.invalid")))
			updated, err := src.VSphere(ctx, credentials.Account("v2"))
			require.NoError(t, err)
			assert.Equal(t, "vc2b.example.invalid", updated.Host)

			require.NoError(t, w.DeleteVSphere(ctx, "v2"))
			require.ErrorIs(t, w.DeleteVSphere(ctx, "v2"), credentials.ErrNotFound)
			require.ErrorIs(t, w.ActivateCloudStack(ctx, "missing"), credentials.ErrNotFound)
			require.ErrorIs(t, w.LinkVM(ctx, "ctx-1", "vm", "missing"), credentials.ErrNotFound)

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
}

func TestConstructorsRejectBadInput(t *testing.T) {
	t.Parallel()
	_, err := database.New(nil)
	require.ErrorIs(t, err, credentials.ErrInvalid)
	_, err = database.NewWriter(nil)
	require.ErrorIs(t, err, credentials.ErrInvalid)
	require.ErrorIs(t, database.Migrate(context.Background(), nil), credentials.ErrInvalid)
	db := testdb.Open(t, testdb.SQLite)
	_, err = database.New(db, database.WithKey(make([]byte, 16)))
	require.ErrorIs(t, err, database.ErrKeyInvalid)
	_, err = database.NewWriter(db, database.WithKey(nil))
	require.ErrorIs(t, err, database.ErrKeyInvalid)
}
