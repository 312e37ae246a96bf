package credentials_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func TestErrorMatchesCategoryAndCause(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection refused")
	err := fmt.Errorf("fetch: %w", &credentials.Error{
		Code: fkerrors.Unavailable, Source: "database", Kind: credentials.KindCloudStack,
		Account: "prod", Problem: "cannot query ossea_configs", Fix: "check the database is running", Err: cause,
	})
	assert.ErrorIs(t, err, fkerrors.Unavailable)
	assert.ErrorIs(t, err, cause)
	assert.NotErrorIs(t, err, fkerrors.NotFound)
	var e *credentials.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "prod", e.Account)
	assert.Equal(t, "check the database is running", fkerrors.Remedy(err))
	assert.Equal(t, "fetch: credentials: database cloudstack account prod: cannot query ossea_configs: connection refused; fix: check the database is running", err.Error())
	assert.Empty(t, fkerrors.Remedy(cause))
}

func TestErrorNamesFieldOnce(t *testing.T) {
	t.Parallel()
	withField := &credentials.Error{Code: fkerrors.Incomplete, Source: "env", Field: credentials.FieldZone, Fix: "export CLOUDSTACK_ZONE"}
	assert.Equal(t, "credentials: env: credentials incomplete (field zone); fix: export CLOUDSTACK_ZONE", withField.Error())
	named := &credentials.Error{Code: fkerrors.Incomplete, Source: "env", Field: credentials.FieldZone, Problem: "zone is empty", Fix: "x"}
	assert.Equal(t, "credentials: env: zone is empty; fix: x", named.Error())
}

func TestErrorDoesNotRepeatSourceAsKind(t *testing.T) {
	t.Parallel()
	e := &credentials.Error{Code: fkerrors.Unauthenticated, Source: "cloudstack", Kind: credentials.KindCloudStack, Account: "a", Problem: "rejected"}
	assert.Equal(t, "credentials: cloudstack account a: rejected", e.Error())
}
