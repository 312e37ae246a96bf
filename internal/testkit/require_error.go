package testkit

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// RequireErrorAs fails the test now unless err matches category with errors.Is and holds an
// error of type T (errors.As); it returns that error for checks of its fields.
//
//	e := testkit.RequireErrorAs[*credentials.Error](t, err, fkerrors.NotFound)
//	assert.Equal(t, "vault", e.Source)
func RequireErrorAs[T error](t testing.TB, err, category error) T {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, category, "error: %v", err)
	var detail T
	require.True(t, errors.As(err, &detail), "error %v holds no %T", err, detail)
	return detail
}
