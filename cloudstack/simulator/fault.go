package simulator

import (
	"fmt"
	"sync"
)

// Fault describes an injected failure.
type Fault struct {
	// ErrorCode is the CloudStack error code to answer with; 0 means 530 (internal error).
	// Synchronous faults use it as the HTTP status too, as CloudStack does.
	ErrorCode int
	// ErrorText is the errortext; empty means "simulated failure of <command>".
	ErrorText string
	// Async fails the async job (queryAsyncJobResult answers jobstatus 2) instead of the
	// HTTP call. The command then changes nothing. For synchronous commands Async is
	// ignored and the HTTP call fails.
	Async bool
}

func (f Fault) apiError(command string) *apiError {
	code := f.ErrorCode
	if code == 0 {
		code = CodeInternalError
	}
	text := f.ErrorText
	if text == "" {
		text = fmt.Sprintf("simulated failure of %s", command)
	}
	return newAPIError(code, "%s", text)
}

type faultRule struct {
	command string // lower-cased; empty with a predicate
	nth     int    // fire on this matching call (1-based); 0 means every match
	seen    int
	when    func(Call) bool
	fault   Fault
	spent   bool
}

type faultTable struct {
	mu    sync.Mutex
	rules []*faultRule
}

// FailNth makes the n-th call (1-based, counting from now) of command fail with f, once.
// Calls are counted after authentication, so 401s do not count. Command names match
// case-insensitively.
func (s *Simulator) FailNth(command string, n int, f Fault) {
	if n < 1 {
		n = 1
	}
	s.faults.add(&faultRule{command: lower(command), nth: n, fault: f})
}

// FailWhen makes every authenticated call for which pred returns true fail with f, until
// ClearFaults. pred sees the call's Seq-less identity: Method, Command, APIKey, Account and
// Params. It runs without simulator locks held, so it may call State or Calls, and it may
// be called from several goroutines at once.
func (s *Simulator) FailWhen(pred func(Call) bool, f Fault) {
	if pred == nil {
		return
	}
	s.faults.add(&faultRule{when: pred, fault: f})
}

// ClearFaults removes every fault rule.
func (s *Simulator) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rules = nil
}

func (t *faultTable) add(r *faultRule) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rules = append(t.rules, r)
}

// match returns the first rule (in the order added) that fires for c. Every FailNth rule
// for c's command counts c, so rules do not shadow each other's counters.
func (t *faultTable) match(c Call) *Fault {
	t.mu.Lock()
	var hit *Fault
	var preds []*faultRule
	for _, r := range t.rules {
		if r.when != nil {
			preds = append(preds, r)
			continue
		}
		if r.spent || r.command != lower(c.Command) {
			continue
		}
		r.seen++
		if r.seen == r.nth {
			r.spent = true
			if hit == nil {
				f := r.fault
				hit = &f
			}
		}
	}
	t.mu.Unlock()
	if hit != nil {
		return hit
	}
	for _, r := range preds {
		if r.when(c) {
			f := r.fault
			return &f
		}
	}
	return nil
}
