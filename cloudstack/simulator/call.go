package simulator

import (
	"net/url"
	"time"
)

// Call is one request as the simulator saw it. Params holds every parameter except the
// signature; the secret key never reaches the simulator, so no Call holds it.
type Call struct {
	Seq     int // 1-based, in arrival order (counting from New or the last ResetCalls)
	Time    time.Time
	Method  string // GET or POST
	Command string
	// APIKey is the key the request presented, Account the account it belongs to (empty if
	// the key is unknown; set even when the signature was wrong).
	APIKey  string
	Account string
	Params  url.Values

	// HTTPStatus is the status answered (0 when Canceled). ErrorCode and ErrorText are the
	// CloudStack error of the call: a synchronous error, or the failure of the async job it
	// started. JobID and JobStatus (0 pending, 1 success, 2 failure) are set for async
	// commands.
	HTTPStatus int
	ErrorCode  int
	ErrorText  string
	JobID      string
	JobStatus  int
	// Faulted is true when an injected Fault produced the outcome.
	Faulted bool
	// Canceled is true when the client gave up during the simulated latency.
	Canceled bool
}

// Failed reports whether the call, or the job it started, failed or was canceled.
func (c Call) Failed() bool { return c.ErrorCode != 0 || c.Canceled }

// Calls returns a copy of the call log.
func (s *Simulator) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = c.clone()
	}
	return out
}

// CallsTo returns the logged calls of one command (exact, case-insensitive name).
func (s *Simulator) CallsTo(command string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if equalFold(c.Command, command) {
			out = append(out, c)
		}
	}
	return out
}

// ResetCalls empties the call log and restarts Seq at 1. Fault counters are unaffected.
func (s *Simulator) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

func (c Call) clone() Call {
	out := c
	out.Params = make(url.Values, len(c.Params))
	for k, v := range c.Params {
		out.Params[k] = append([]string(nil), v...)
	}
	return out
}

// recordLocked appends the call and gives it its Seq. A job remembers where its submitting
// call landed so that a late completion can fill in the outcome.
func (s *Simulator) recordLocked(c *Call) {
	c.Seq = len(s.calls) + 1
	s.calls = append(s.calls, c.clone())
}
