package appliance

import (
	"context"
	"errors"
	"sync"
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
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = ensureOwnTable(ctx, db, "failoverkit_appliance_jobs")
			}()
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs...))
		cols, err := tableshape.Columns(ctx, db, "failoverkit_appliance_jobs")
		require.NoError(t, err)
		assert.Equal(t, ownColumns, cols)
		require.NoError(t, ensureOwnTable(ctx, db, "failoverkit_appliance_jobs"))
	})
}
