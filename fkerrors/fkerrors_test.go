package fkerrors_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hashicorp/go-multierror"
	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// detail is a detail type as the module's packages have them: a category, a remedy, a cause.
type detail struct {
	code fkerrors.Code
	msg  string
	fix  string
	err  error
}

func (d *detail) Error() string   { return fkerrors.WithFix(d.msg, d.fix) }
func (d *detail) Remedy() string  { return d.fix }
func (d *detail) Unwrap() []error { return []error{d.code, d.err} }

func TestCodeOfAndIs(t *testing.T) {
	t.Parallel()
	inner := &detail{code: fkerrors.Unauthenticated, msg: "keys rejected", fix: "store the new keys"}
	outer := fmt.Errorf("step attach_volumes: %w", inner)
	assert.ErrorIs(t, outer, fkerrors.Unauthenticated)
	assert.NotErrorIs(t, outer, fkerrors.NotFound)
	assert.Equal(t, fkerrors.Unauthenticated, fkerrors.CodeOf(outer))
	assert.Equal(t, fkerrors.Canceled, fkerrors.CodeOf(fmt.Errorf("waiting: %w", context.DeadlineExceeded)))
	assert.Equal(t, fkerrors.Unknown, fkerrors.CodeOf(errors.New("plain")))
	assert.Equal(t, fkerrors.Unknown, fkerrors.CodeOf(nil))
	assert.Equal(t, "unauthenticated", fkerrors.Unauthenticated.String())
	assert.Equal(t, "unknown", fkerrors.Code(99).String())
}

func TestRemedyFindsTheFirstInTheChain(t *testing.T) {
	t.Parallel()
	silent := &detail{code: fkerrors.Internal, msg: "no remedy of its own", err: &detail{code: fkerrors.NotFound, msg: "volume gone", fix: "check the id"}}
	joined := errors.Join(errors.New("first"), fmt.Errorf("wrapped: %w", silent))
	assert.Equal(t, "check the id", fkerrors.Remedy(joined), "an empty remedy is passed over")
	assert.Empty(t, fkerrors.Remedy(errors.New("plain")))
	assert.Empty(t, fkerrors.Remedy(nil))
}

func TestExplainSplitsProblemAndRemedy(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("failover: job j1: step create_vm: %w", &detail{code: fkerrors.Capacity, msg: "no capacity", fix: "free capacity"})
	problem, remedy := fkerrors.Explain(err)
	assert.Equal(t, "failover: job j1: step create_vm: no capacity", problem)
	assert.Equal(t, "free capacity", remedy)
	problem, remedy = fkerrors.Explain(errors.New("plain"))
	assert.Equal(t, "plain", problem)
	assert.Empty(t, remedy)
}

// go-multierror's chain hides its errors from a plain Unwrap walk but answers errors.As; the
// remedy of its first error is the joined error's.
func TestRemedyOfAMultierror(t *testing.T) {
	t.Parallel()
	joined := multierror.Append(nil, &detail{code: fkerrors.NotFound, msg: "volume gone", fix: "check the id"}, errors.New("plain"))
	assert.Equal(t, "check the id", fkerrors.Remedy(joined))
	assert.Equal(t, "check the id", fkerrors.Remedy(fmt.Errorf("step: %w", joined)))
}

// A detail error's own fix wins over its cause's, and is escaped; without one, the cause's
// remedy is found anywhere in its chain.
func TestRemedyOf(t *testing.T) {
	cause := fmt.Errorf("wrapped: %w", &detail{code: fkerrors.Invalid, msg: "bad", fix: "set the\x1b[2J field"})
	assert.Equal(t, `set the\x1b[2J field`, fkerrors.RemedyOf("", cause))
	assert.Equal(t, `own\nfix`, fkerrors.RemedyOf("own\nfix", cause))
	assert.Equal(t, "", fkerrors.RemedyOf("", errors.New("no remedy")))
	assert.Equal(t, "", fkerrors.RemedyOf("", nil))
}

// Unwraps lists the category unless Unknown, then the errors that are set, in order, so that
// errors.Is finds each and a nil never reaches errors.As.
func TestUnwraps(t *testing.T) {
	reason, cause := errors.New("reason"), errors.New("cause")
	assert.Equal(t, []error{fkerrors.NotFound, reason, cause}, fkerrors.Unwraps(fkerrors.NotFound, reason, cause))
	assert.Equal(t, []error{cause}, fkerrors.Unwraps(fkerrors.Unknown, nil, cause))
	assert.Empty(t, fkerrors.Unwraps(fkerrors.Unknown, nil, nil))
}

// Message appends the cause's problem without its remedy and then the error's one remedy,
// and escapes what a stored value could forge a line with.
func TestMessage(t *testing.T) {
	t.Parallel()
	cause := fmt.Errorf("read: %w", &detail{code: fkerrors.Unavailable, msg: "down", fix: "start it"})
	assert.Equal(t, "pkg: op: read: down; fix: start it", fkerrors.Message("pkg: op", cause, fkerrors.RemedyOf("", cause)))
	assert.Equal(t, "pkg: op: read: down; fix: own", fkerrors.Message("pkg: op", cause, "own"))
	assert.Equal(t, `pkg: vm\x1b[2J; fix: rename\nit`, fkerrors.Message("pkg: vm\x1b[2J", nil, "rename\nit"))
	assert.Equal(t, "pkg: op", fkerrors.Message("pkg: op", nil, ""))
}
