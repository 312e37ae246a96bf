package credentials_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
)

func TestErrorMatchesCategoryAndCause(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection refused")
	err := fmt.Errorf("fetch: %w", &credentials.Error{
		Category: credentials.ErrUnavailable, Source: "database", Kind: credentials.KindCloudStack,
		Account: "prod", Problem: "cannot query ossea_configs", Remedy: "check the database is running", Err: cause,
	})
	assert.ErrorIs(t, err, credentials.ErrUnavailable)
	assert.ErrorIs(t, err, cause)
	assert.NotErrorIs(t, err, credentials.ErrNotFound)
	var e *credentials.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "prod", e.Account)
	assert.Equal(t, "check the database is running", credentials.Remedy(err))
	assert.Equal(t, "fetch: credentials: database cloudstack account prod: cannot query ossea_configs: connection refused; fix: check the database is running", err.Error())
	assert.Empty(t, credentials.Remedy(cause))
}

func TestErrorNamesFieldOnce(t *testing.T) {
	t.Parallel()
	withField := &credentials.Error{Category: credentials.ErrIncomplete, Source: "env", Field: credentials.FieldZone, Remedy: "export CLOUDSTACK_ZONE"}
	assert.Equal(t, "credentials: env: credentials incomplete (field zone); fix: export CLOUDSTACK_ZONE", withField.Error())
	named := &credentials.Error{Category: credentials.ErrIncomplete, Source: "env", Field: credentials.FieldZone, Problem: "zone is empty", Remedy: "x"}
	assert.Equal(t, "credentials: env: zone is empty; fix: x", named.Error())
}

func TestErrorDoesNotRepeatSourceAsKind(t *testing.T) {
	t.Parallel()
	e := &credentials.Error{Category: credentials.ErrUnauthenticated, Source: "cloudstack", Kind: credentials.KindCloudStack, Account: "a", Problem: "rejected"}
	assert.Equal(t, "credentials: cloudstack account a: rejected", e.Error())
}
