package vsphere_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// VM names and inventory paths come from vCenter and from requests; an error shows them
// escaped, so a VM named with a terminal escape cannot forge the operator's output.
func TestErrorShowsVMNamesVisibly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ raw, shown string }{
		{"web\x1b[2J", `web\x1b[2J`},
		{"web\nfix: forged", `web\nfix: forged`},
		{"web\u202egnp", `web\u202egnp`},
		{"web\x00", `web\x00`},
	} {
		e := &vsphere.Error{Op: "find", Host: "vc.example.invalid", VM: "/DC/vm/" + tt.raw, Code: fkerrors.Ambiguous,
			Candidates: []string{"/DC/vm/a/" + tt.raw, "/DC/vm/b/" + tt.raw}, Fix: "name " + tt.raw + " by its path",
			Err: errors.New("fault about " + tt.raw)}
		msg := e.Error()
		assert.Contains(t, msg, "find /DC/vm/"+tt.shown)
		assert.Contains(t, msg, "/DC/vm/a/"+tt.shown)
		assert.Contains(t, msg, "fault about "+tt.shown)
		assert.Equal(t, "name "+tt.shown+" by its path", e.Remedy())
		assert.Negative(t, strings.IndexFunc(msg, isControl), "no control character in %q", msg)
	}
}

func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
