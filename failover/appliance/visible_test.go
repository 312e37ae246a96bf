package appliance_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// Rows are named by values from the appliance's tables (context ids, disk ids, VM names); an
// error shows them escaped, so a stored value cannot forge the operator's output.
func TestErrorShowsRowValuesVisibly(t *testing.T) {
	t.Parallel()
	for _, f := range testkit.Forgers() {
		tt := struct{ raw, shown string }{"ctx" + f.Raw, "ctx" + f.Shown}
		e := &appliance.Error{Reason: appliance.ErrNotFound, Table: "vm_disks", Row: "context " + tt.raw,
			Problem: "no disk for " + tt.raw, Fix: "replicate " + tt.raw + " again", Err: errors.New("driver: " + tt.raw)}
		msg := e.Error()
		assert.Contains(t, msg, "vm_disks context "+tt.shown+": no disk for "+tt.shown+": driver: "+tt.shown)
		assert.Equal(t, "replicate "+tt.shown+" again", e.Remedy())
		testkit.AssertNoForging(t, msg, "appliance.Error")
	}
}
