package failover_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// Job ids and VM names come from requests, lease holders and causes from stores and servers:
// an engine error shows each escaped, so none can forge the operator's output.
func TestErrorShowsValuesVisibly(t *testing.T) {
	t.Parallel()
	for _, f := range testkit.Forgers() {
		tt := struct{ raw, shown string }{"x" + f.Raw, "x" + f.Shown}
		holder := failover.Holder{Name: "engine-" + tt.raw, Host: "host-" + tt.raw, PID: 42}
		e := &failover.Error{Code: fkerrors.Conflict, Reason: failover.ErrBusy, JobID: "job-" + tt.raw,
			Step: failover.StepName("step-" + tt.raw), Problem: "VM vm-" + tt.raw + " is held by " + holder.String(),
			Fix: "wait for job-" + tt.raw, Err: errors.New("cause-" + tt.raw)}
		msg := e.Error()
		for _, want := range []string{"job job-" + tt.shown, "step step-" + tt.shown, "VM vm-" + tt.shown,
			"engine-" + tt.shown + " (pid 42 on host-" + tt.shown + ")", "cause-" + tt.shown} {
			assert.Contains(t, msg, want)
		}
		assert.Equal(t, "wait for job-"+tt.shown, e.Remedy())
		assert.Equal(t, "engine-"+tt.shown, failover.Holder{Name: "engine-" + tt.raw}.String())
		testkit.AssertNoForging(t, msg, "failover.Error")

		// The remedy of a cause is escaped too when the engine error has none of its own.
		wrapped := &failover.Error{JobID: "j", Err: &failover.Error{Code: fkerrors.NotFound, Problem: "p", Fix: "fix " + tt.raw}}
		assert.Equal(t, "fix "+tt.shown, wrapped.Remedy())
		assert.True(t, strings.HasSuffix(wrapped.Error(), "; fix: fix "+tt.shown))
	}
}
