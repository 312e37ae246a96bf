package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// progress draws one bar per operation on a terminal - step i of n, the step under way and
// the time elapsed - and leaves a line per finished step above it.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	bar     *progressbar.ProgressBar
	started time.Time
	// stop ends the ticker that keeps the elapsed time of a long step current.
	stop chan struct{}
}

func newProgress(w io.Writer) *progress { return &progress{w: w} }

// Observe implements failover.Observer.
func (p *progress) Observe(e failover.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Type {
	case failover.EventJobStarted:
		p.drop()
		p.started = e.At
		fmt.Fprintf(p.w, "%s job %s\n", e.Operation, fkerrors.Visible(e.JobID))
	case failover.EventStepStarted:
		if p.bar == nil {
			p.bar = progressbar.NewOptions(e.Total,
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetWidth(24),
				progressbar.OptionSetElapsedTime(true),
				progressbar.OptionSetPredictTime(false),
				progressbar.OptionClearOnFinish(),
				progressbar.OptionUseANSICodes(true),
			)
			p.stop = make(chan struct{})
			go p.tick(p.bar, p.stop)
		}
		p.bar.Describe(fmt.Sprintf("[%d/%d] %-20s", e.Index, e.Total, fkerrors.Visible(string(e.Step))))
	case failover.EventStepFinished, failover.EventStepSkipped, failover.EventStepFailed:
		mark := "ok  "
		detail := round(e.Duration).String()
		switch e.Type {
		case failover.EventStepSkipped:
			mark, detail = "skip", "done before"
		case failover.EventStepFailed:
			mark, detail = "FAIL", round(e.Duration).String()+": "+forCLI(e.Error)
		}
		p.line(fmt.Sprintf("  %s [%d/%d] %-20s %s", mark, e.Index, e.Total, e.Step, detail))
		if p.bar != nil {
			_ = p.bar.Add(1)
		}
	case failover.EventCredentialsChanged:
		p.line(fmt.Sprintf("       [%d/%d] %-20s credentials rejected and changed at the source: retrying with the new set", e.Index, e.Total, e.Step))
	case failover.EventJobFinished:
		p.drop()
		fmt.Fprintf(p.w, "%s job %s: %s in %s\n", e.Operation, fkerrors.Visible(e.JobID), e.Status, round(e.At.Sub(p.started)))
	}
}

// line prints a permanent line where the bar was; the bar is drawn again below it by the
// next update.
func (p *progress) line(s string) {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintln(p.w, fkerrors.Visible(s))
}

// tick redraws the bar twice a second so that its elapsed time moves during a long step.
func (p *progress) tick(bar *progressbar.ProgressBar, stop chan struct{}) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.bar == bar {
				_ = bar.Add(0)
			}
			p.mu.Unlock()
		}
	}
}

// drop clears the bar of an operation that ended.
func (p *progress) drop() {
	if p.bar != nil {
		close(p.stop)
		_ = p.bar.Clear()
		_ = p.bar.Exit()
		p.bar = nil
	}
}
