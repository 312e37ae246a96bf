package cloudstack_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// A management server's error text and job id are shown escaped, so a server (or a value it
// echoes back) cannot clear the operator's screen or print a forged line.
func TestAPIErrorShowsServerTextVisibly(t *testing.T) {
	t.Parallel()
	for _, f := range testkit.Forgers() {
		e := &cloudstack.APIError{Command: "attachVolume", JobID: "job-" + f.Raw, ErrorCode: 431,
			Text: "Unable to find VM " + f.Raw, Code: fkerrors.Invalid, Fix: "check VM " + f.Raw}
		msg := e.Error()
		assert.Contains(t, msg, "job-"+f.Shown)
		assert.Contains(t, msg, "Unable to find VM "+f.Shown)
		assert.Equal(t, "check VM "+f.Shown, e.Remedy())
		testkit.AssertNoForging(t, msg, "APIError")
	}
}
