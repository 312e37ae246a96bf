package tableshape

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// Every database names its types its own way; Columns reads them from each one's catalog
// into the same families, and Differences names every way a table is not the one wanted.
func TestColumnsAndDifferences(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, b testdb.Backend) {
		db := testdb.Open(t, b)
		ctx := context.Background()
		none, err := Columns(ctx, db, "shape_probe")
		require.NoError(t, err)
		assert.Empty(t, none, "a missing table has no columns")

		require.NoError(t, db.Exec("CREATE TABLE shape_probe (id VARCHAR(64) NOT NULL, n BIGINT NOT NULL, body TEXT NULL, at TIMESTAMP NULL, extra INTEGER NULL)").Error)
		have, err := Columns(ctx, db, "shape_probe")
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"id": Text, "n": Int, "body": Text, "at": Time, "extra": Int}, have)

		want := map[string]string{"id": Text, "n": Text, "body": Text, "at": Time, "gone": Int}
		assert.Equal(t, []string{
			"a column the probe does not have: extra",
			"column n is not of text type",
			"no column gone",
		}, Differences(want, have, "the probe"))
		delete(want, "gone")
		want["n"], want["extra"] = Int, Int
		assert.Empty(t, Differences(want, have, "the probe"))
	})
}
