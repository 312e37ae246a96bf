package appliance

import (
	"time"

	"github.com/ossea-migrate/failoverkit/failover"
)

// FailWrites makes each event's transaction call f after its writes and before its commit;
// an error from f rolls the whole transaction back, as a failed write does.
func FailWrites(j *Journal, f func(failover.JournalEvent) error) { j.failWrite = f }

// EffectsFor exposes the rules, for the tests that check them without a database.
func EffectsFor(ev failover.JournalEvent, statusBefore VMStatus, flowSteps int) (status VMStatus, gate bool, modes map[string]OperationMode) {
	e := effectsOf(ev, record{exists: true, statusBefore: statusBefore, flowSteps: flowSteps}, time.Now())
	return e.status, e.gate, e.modes
}
