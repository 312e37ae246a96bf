package database_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// TestSeveralActiveConfigurations: the appliance's save deactivates only rows of the same
// name, so several ossea_configs rows can be active, and the appliance uses the lowest id.
// The source does the same, warning on every fetch; StrictDefault refuses instead.
func TestSeveralActiveConfigurations(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		ctx := context.Background()
		db := appliancedb.Open(t, backend)
		secrets := map[string]string{}
		for _, c := range []struct {
			name   string
			active bool
		}{{"deleted-first", false}, {"primary", true}, {"dr-site", true}, {"lab", true}} {
			secrets[c.name] = fakeSecret(t, "secret")
			insert(t, db, "ossea_configs", cloudStackRow(c.name, c.active, fakeSecret(t, "key"), secrets[c.name]))
		}
		var all []string
		for _, s := range secrets {
			all = append(all, s)
		}

		logs := &recorder{}
		src, err := database.New(db, database.WithLogger(slog.New(logs)))
		require.NoError(t, err)
		for i := 1; i <= 3; i++ {
			c, err := src.CloudStack(ctx, credentials.Ref{})
			require.NoError(t, err)
			assert.Equal(t, "primary", c.Origin.Account, "the active row with the lowest id")
			assert.Equal(t, secrets["primary"], c.SecretKey.Reveal())
			require.Len(t, c.Warnings, 1)
			for _, want := range []string{`"primary" (id=2)`, `"dr-site" (id=3)`, `"lab" (id=4)`, "lowest id", "Writer.DeleteCloudStack"} {
				assert.Contains(t, c.Warnings[0], want)
			}
			assert.NotContains(t, c.Warnings[0], "deleted-first", "a deleted configuration is not a candidate")
			assert.Equal(t, i, logs.count(slog.LevelWarn, "several active CloudStack configurations"), "logged on every fetch")
		}
		for _, s := range all {
			assert.NotContains(t, logs.text(), s)
		}

		named, err := src.CloudStack(ctx, credentials.Account("dr-site"))
		require.NoError(t, err)
		assert.Equal(t, secrets["dr-site"], named.SecretKey.Reveal())
		assert.Empty(t, named.Warnings, "naming the account is not ambiguous")

		strict, err := database.New(db, database.StrictDefault())
		require.NoError(t, err)
		_, err = strict.CloudStack(ctx, credentials.Ref{})
		requireErr(t, err, fkerrors.Ambiguous, "", all, `"primary" (id=2)`, `"dr-site" (id=3)`, `"lab" (id=4)`, "StrictDefault")
		named, err = strict.CloudStack(ctx, credentials.Account("lab"))
		require.NoError(t, err, "StrictDefault concerns the default only")
		assert.Equal(t, "lab", named.Origin.Account)

		// Deleting the configurations not in use, as the warning says, ends it.
		w, err := database.NewWriter(db)
		require.NoError(t, err)
		require.NoError(t, w.DeleteCloudStack(ctx, "primary"))
		require.NoError(t, w.DeleteCloudStack(ctx, "lab"))
		for _, s := range []*credentials.Provider{src, strict} {
			c, err := s.CloudStack(ctx, credentials.Ref{})
			require.NoError(t, err)
			assert.Equal(t, "dr-site", c.Origin.Account)
			assert.Empty(t, c.Warnings)
		}
	})
}
