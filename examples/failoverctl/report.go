package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/ossea-migrate/failoverkit/failover"
)

// observer returns the event observer for the output mode: JSON lines with --json, a
// progress bar when stdout is a terminal, plain lines otherwise.
func (a *app) observer() failover.Observer {
	switch {
	case a.json:
		return failover.ObserverFunc(func(e failover.Event) { a.writeJSON(newJSONEvent(e)) })
	case !a.plain && isTerminal(a.stdout):
		// The bar draws with ANSI codes, so it writes to the terminal itself; it makes the
		// values it shows visible.
		return newProgress(a.stdout)
	default:
		return &plainLines{w: a.out, started: map[string]time.Time{}}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// plainLines writes one line per event, for logs and pipes.
type plainLines struct {
	mu      sync.Mutex
	w       *printer
	started map[string]time.Time
}

// Observe implements failover.Observer.
func (p *plainLines) Observe(e failover.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := fmt.Sprintf("[%d/%d]", e.Index, e.Total)
	switch e.Type {
	case failover.EventJobStarted:
		p.started[e.JobID+e.Operation] = e.At
		p.w.Printf("%s job %s: started\n", e.Operation, e.JobID)
	case failover.EventStepStarted:
		p.w.Printf("%s %s ...\n", at, e.Step)
	case failover.EventStepFinished:
		p.w.Printf("%s %s done in %s\n", at, e.Step, round(e.Duration))
	case failover.EventStepSkipped:
		p.w.Printf("%s %s skipped (done before)\n", at, e.Step)
	case failover.EventStepFailed:
		p.w.Printf("%s %s FAILED after %s: %s\n", at, e.Step, round(e.Duration), forCLI(e.Error))
	case failover.EventCredentialsChanged:
		p.w.Printf("%s %s: credentials were rejected and have changed at the source; retrying with the new set\n", at, e.Step)
	case failover.EventJobFinished:
		p.w.Printf("%s job %s: %s in %s\n", e.Operation, e.JobID, e.Status, round(e.At.Sub(p.started[e.JobID+e.Operation])))
	}
}

// round shortens a duration for people: milliseconds below a minute.
func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
