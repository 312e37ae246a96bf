package appliance

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/internal/tableshape"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// The journal's own table is created on every backend, by engines starting at once, and
// found right the next time.
func TestOwnTableOnEveryBackend(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, b testdb.Backend) {
		db := testdb.Open(t, b)
		ctx := context.Background()
		require.NoError(t, StartAtOnce(4, func() error { return ensureOwnTable(ctx, db, "failoverkit_appliance_jobs") }))
		cols, err := tableshape.Columns(ctx, db, "failoverkit_appliance_jobs")
		require.NoError(t, err)
		assert.Equal(t, ownColumns, cols)
		require.NoError(t, ensureOwnTable(ctx, db, "failoverkit_appliance_jobs"))
	})
}
