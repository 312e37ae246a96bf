package failover

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// EventType says what happened.
type EventType string

// Event types.
const (
	EventJobStarted   EventType = "job_started"
	EventStepStarted  EventType = "step_started"
	EventStepFinished EventType = "step_finished"
	EventStepFailed   EventType = "step_failed"
	EventStepSkipped  EventType = "step_skipped"
	EventJobFinished  EventType = "job_finished"
	// EventCredentialsChanged: a step was rejected as unauthenticated, the re-fetched set had
	// a new version, and the step is retried with it.
	EventCredentialsChanged EventType = "credentials_changed"
	// EventWarning: something went wrong that does not stop the operation (a best-effort
	// hook failed); Error says what. The job's Warnings keep it.
	EventWarning EventType = "warning"
)

// Event reports progress of a job.
type Event struct {
	// Type says what happened.
	Type EventType `json:"type"`
	// JobID is the job.
	JobID string `json:"job_id"`
	// Operation is the operation under way: a flow kind, "rollback", "resume", "compensation".
	Operation string `json:"operation"`
	// Step is the step concerned, for step events.
	Step StepName `json:"step,omitempty"`
	// Index and Total place the step: step Index of Total (1-based).
	Index int `json:"index,omitempty"`
	Total int `json:"total,omitempty"`
	// Duration is how long the step or job took, for finished and failed events.
	Duration time.Duration `json:"duration,omitempty"`
	// Status is the job's status, for job events.
	Status Status `json:"status,omitempty"`
	// Error is the failure, with its remedy, for failed events.
	Error string `json:"error,omitempty"`
	// At is when it happened.
	At time.Time `json:"at"`
}

// Observer receives events. It is called on a goroutine of its own, one event at a time in
// the order they happened, so a slow observer delays later events but never the engine.
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to an Observer.
type ObserverFunc func(Event)

// Observe calls f.
func (f ObserverFunc) Observe(e Event) { f(e) }

// mailbox delivers events to an observer without ever blocking the sender: events queue in
// memory, at most limit of them, and one goroutine hands them over in order. When the queue
// is full new events are dropped and counted.
type mailbox struct {
	obs     Observer
	limit   int
	log     *slog.Logger
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []Event
	closed  bool
	stop    bool // set when close gives up: drop what is left
	dropped int
	done    chan struct{}
}

func newMailbox(obs Observer, limit int, log *slog.Logger) *mailbox {
	m := &mailbox{obs: obs, limit: limit, log: log, done: make(chan struct{})}
	m.cond = sync.NewCond(&m.mu)
	if obs == nil {
		close(m.done)
		return m
	}
	go m.run()
	return m
}

func (m *mailbox) send(e Event) {
	if m.obs == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	if len(m.queue) >= m.limit {
		m.dropped++
		if m.dropped == 1 || m.dropped%1000 == 0 {
			m.log.Warn("failover: the observer is too slow; dropping events", "dropped", m.dropped, "queue", m.limit)
		}
		return
	}
	m.queue = append(m.queue, e)
	m.cond.Signal()
}

func (m *mailbox) run() {
	defer close(m.done)
	for {
		m.mu.Lock()
		for len(m.queue) == 0 && !m.closed {
			m.cond.Wait()
		}
		if len(m.queue) == 0 || m.stop {
			m.mu.Unlock()
			return
		}
		e := m.queue[0]
		m.queue = m.queue[1:]
		m.mu.Unlock()
		m.obs.Observe(e)
	}
}

// close stops accepting events and waits until every queued event has been delivered, or
// until ctx ends: then the events not yet delivered are dropped and ctx's error returned.
func (m *mailbox) close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	m.cond.Signal()
	m.mu.Unlock()
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		m.mu.Lock()
		m.stop = true
		n := len(m.queue)
		m.queue = nil
		m.mu.Unlock()
		m.log.Warn("failover: engine closed before every event reached the observer", "dropped", n)
		return ctx.Err()
	}
}
