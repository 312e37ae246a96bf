package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ossea-migrate/failoverkit/failover"
)

// progress prints each step as it ends, with its place in the flow and its duration. The
// engine delivers events on a goroutine of its own, in order.
type progress struct {
	out  io.Writer
	done chan<- failover.Event
}

// Observe implements failover.Observer.
func (p progress) Observe(e failover.Event) {
	switch e.Type {
	case failover.EventStepFinished:
		p.line(e, "done", "")
	case failover.EventStepFailed:
		p.line(e, "FAILED", e.Error)
	case failover.EventStepSkipped:
		p.line(e, "skipped", "")
	case failover.EventCredentialsChanged:
		fmt.Fprintf(p.out, "   credentials changed during %s: re-fetched, retrying once\n", e.Step)
	case failover.EventJobFinished:
		select {
		case p.done <- e:
		default:
		}
	}
}

func (p progress) line(e failover.Event, status, detail string) {
	fmt.Fprintf(p.out, "   [%2d/%d] %-20s %-7s %8s\n", e.Index, e.Total, e.Step, status, e.Duration.Round(10*time.Microsecond))
	if detail != "" {
		fmt.Fprintf(p.out, "           %s\n", detail)
	}
}
