package failover

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Several volumes' failures read as one line, numbered, each with its remedy when it is
// not the joined error's own, and still match every cause.
func TestJoinVolumeErrorsOnOneLine(t *testing.T) {
	t.Parallel()
	a := &Error{Code: fkerrors.Capacity, Problem: "volume vol-a: no capacity", Fix: "free capacity"}
	b := &Error{Code: fkerrors.NotFound, Problem: "volume vol-b: gone", Fix: "check the id"}
	c := errors.New("volume vol-c: reset by peer")
	err := joinVolumeErrors([]error{a, b, c})
	msg := err.Error()
	assert.Equal(t, "3 volumes failed: (1) failover: volume vol-a: no capacity; (2) failover: volume vol-b: gone (fix: check the id); "+
		"(3) volume vol-c: reset by peer", msg)
	assert.NotContains(t, msg, "\n")
	assert.ErrorIs(t, err, fkerrors.Capacity)
	assert.ErrorIs(t, err, fkerrors.NotFound)
	assert.Equal(t, "free capacity", fkerrors.Remedy(err))

	wrapped := &Error{JobID: "j1", Step: "attach_volumes", Err: err}
	assert.False(t, strings.ContainsAny(wrapped.Error(), "\n\t"), "the engine's message stays on one line: %q", wrapped.Error())
	assert.True(t, strings.HasSuffix(wrapped.Error(), "; fix: free capacity"))
	assert.Equal(t, a, joinVolumeErrors([]error{a}), "one error stands alone")
	assert.NoError(t, joinVolumeErrors(nil))
}
