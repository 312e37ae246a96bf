package appliance

import (
	"errors"
	"sync"
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

// StartAtOnce calls start from n goroutines at once, as engines starting together on a new
// database do, and joins their errors.
func StartAtOnce(n int, start func() error) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Go(func() { errs[i] = start() })
	}
	wg.Wait()
	return errors.Join(errs...)
}
