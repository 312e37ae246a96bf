package vsphere_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// VM names and inventory paths come from vCenter and from requests; an error shows them
// escaped, so a VM named with a terminal escape cannot forge the operator's output.
func TestErrorShowsVMNamesVisibly(t *testing.T) {
	t.Parallel()
	for _, f := range testkit.Forgers() {
		tt := struct{ raw, shown string }{"web" + f.Raw, "web" + f.Shown}
		e := &vsphere.Error{Op: "find", Host: "vc.example.invalid", VM: "/DC/vm/" + tt.raw, Code: fkerrors.Ambiguous,
			Candidates: []string{"/DC/vm/a/" + tt.raw, "/DC/vm/b/" + tt.raw}, Fix: "name " + tt.raw + " by its path",
			Err: errors.New("fault about " + tt.raw)}
		msg := e.Error()
		assert.Contains(t, msg, "find /DC/vm/"+tt.shown)
		assert.Contains(t, msg, "/DC/vm/a/"+tt.shown)
		assert.Contains(t, msg, "fault about "+tt.shown)
		assert.Equal(t, "name "+tt.shown+" by its path", e.Remedy())
		testkit.AssertNoForging(t, msg, "vsphere.Error")
	}
}
