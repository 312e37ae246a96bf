package cloudstack_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// A management server's error text and job id are shown escaped, so a server (or a value it
// echoes back) cannot clear the operator's screen or print a forged line.
func TestAPIErrorShowsServerTextVisibly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ raw, shown string }{
		{"vm\x1b[2J", `vm\x1b[2J`},
		{"vm\nfix: delete everything", `vm\nfix: delete everything`},
		{"vm\u202eexe", `vm\u202eexe`},
		{"vm\x00", `vm\x00`},
	} {
		e := &cloudstack.APIError{Command: "attachVolume", JobID: "job-" + tt.raw, ErrorCode: 431,
			Text: "Unable to find VM " + tt.raw, Code: fkerrors.Invalid, Fix: "check VM " + tt.raw}
		msg := e.Error()
		assert.Contains(t, msg, "job-"+tt.shown)
		assert.Contains(t, msg, "Unable to find VM "+tt.shown)
		assert.Equal(t, "check VM "+tt.shown, e.Remedy())
		assert.Negative(t, strings.IndexFunc(msg, isControl), "no control character in %q", msg)
	}
}

func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
