package appliance_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/failover/appliance"
)

// Rows are named by values from the appliance's tables (context ids, disk ids, VM names); an
// error shows them escaped, so a stored value cannot forge the operator's output.
func TestErrorShowsRowValuesVisibly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ raw, shown string }{
		{"ctx\x1b[2J", `ctx\x1b[2J`},
		{"ctx\nfix: forged", `ctx\nfix: forged`},
		{"ctx\u202egnp", `ctx\u202egnp`},
		{"ctx\x00", `ctx\x00`},
	} {
		e := &appliance.Error{Reason: appliance.ErrNotFound, Table: "vm_disks", Row: "context " + tt.raw,
			Problem: "no disk for " + tt.raw, Fix: "replicate " + tt.raw + " again", Err: errors.New("driver: " + tt.raw)}
		msg := e.Error()
		assert.Contains(t, msg, "vm_disks context "+tt.shown+": no disk for "+tt.shown+": driver: "+tt.shown)
		assert.Equal(t, "replicate "+tt.shown+" again", e.Remedy())
		assert.Negative(t, strings.IndexFunc(msg, func(r rune) bool {
			return r < 0x20 || r == 0x7f || (r >= 0x202a && r <= 0x202e)
		}), "no control character in %q", msg)
	}
}
