package failover

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/go-multierror"
)

// action is one changing call of a step, declared once: Plan shows text, and the step runs
// call between an intent and an outcome in the ledger.
type action struct {
	// text is the call in words, as Plan reports it.
	text string
	// entry is what the ledger records around the call.
	entry LedgerEntry
	// call makes the change and returns the id of what it created or changed, if any; an id
	// returned with an error (a resource CloudStack announced before its job failed) is
	// recorded too, for cleanup.
	call func(ctx context.Context) (string, error)
}

func (r *run) texts(acts []action) []string {
	out := make([]string, len(acts))
	for i, a := range acts {
		out[i] = a.text
	}
	return out
}

// runActions runs independent actions side by side, at most WithVolumeParallelism at a
// time, each recorded in the ledger before and after its call. A forward step stops
// submitting after the first failure (calls already submitted finish and are recorded, so
// compensation undoes exactly what was done); a cleanup step (keepGoing) submits every
// action. Failures come back joined, each naming its volume.
func (r *run) runActions(ctx context.Context, acts []action, keepGoing bool) error {
	if len(acts) == 1 {
		_, err := r.record(ctx, acts[0].entry, acts[0].call)
		return volumeErr(acts[0].entry.Volume, err)
	}
	var (
		mu     sync.Mutex
		errs   []error
		failed bool
		wg     sync.WaitGroup
	)
	sem := make(chan struct{}, r.e.volumeParallelism)
	for _, a := range acts {
		mu.Lock()
		stop := failed && !keepGoing
		mu.Unlock()
		if stop || r.crashed.Load() {
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			mu.Lock()
			errs = append(errs, ctx.Err())
			mu.Unlock()
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := r.record(ctx, a.entry, a.call)
			if err != nil {
				mu.Lock()
				errs = append(errs, volumeErr(a.entry.Volume, err))
				failed = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if r.crashed.Load() {
		return errCrashed
	}
	return joinVolumeErrors(errs)
}

func volumeErr(volume string, err error) error {
	if err == nil || volume == "" || errors.Is(err, errCrashed) {
		return err
	}
	return fmt.Errorf("volume %s: %w", volume, err)
}

// joinVolumeErrors returns nil, the one error, or all of them saying how many failed.
func joinVolumeErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	all := multierror.Append(nil, errs...)
	all.ErrorFormat = listFormat("volumes")
	return all
}

// record runs one changing call between an intent entry and its outcome in the ledger, saving
// the job each time. It is safe to call from several goroutines of one step.
func (r *run) record(ctx context.Context, entry LedgerEntry, call func(ctx context.Context) (string, error)) (string, error) {
	r.mu.Lock()
	entry.Seq = len(r.job.Ledger) + 1
	entry.State = LedgerIntent
	entry.At = r.e.now().UTC()
	r.job.Ledger = append(r.job.Ledger, entry)
	li := len(r.job.Ledger) - 1
	err := r.saveLocked(ctx)
	r.mu.Unlock()
	if err != nil {
		return "", err
	}
	resource, err := call(ctx)
	if perr := r.point("after call %s %d", entry.Action, entry.Seq); perr != nil {
		return "", perr
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	le := &r.job.Ledger[li]
	if resource != "" {
		le.Resource = resource
	}
	le.At = r.e.now().UTC()
	if err != nil {
		le.State, le.Error = LedgerFailed, err.Error()
	} else {
		le.State = LedgerDone
	}
	if serr := r.saveLocked(ctx); serr != nil {
		return resource, errors.Join(err, serr)
	}
	return resource, err
}

// lastEntry returns a copy of the last ledger entry of action for volume ("" for any) and its
// index, or -1.
func (r *run) lastEntry(action Action, volume string) (LedgerEntry, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.job.Ledger) - 1; i >= 0; i-- {
		le := r.job.Ledger[i]
		if le.Action == action && (volume == "" || le.Volume == volume) {
			return le, i
		}
	}
	return LedgerEntry{}, -1
}

// entries returns copies of every ledger entry of action, oldest first.
func (r *run) entries(action Action) []LedgerEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []LedgerEntry
	for _, le := range r.job.Ledger {
		if le.Action == action {
			out = append(out, le)
		}
	}
	return out
}

// settle records that the call of entry i did complete, as found by looking.
func (r *run) settle(ctx context.Context, i int, resource string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	le := &r.job.Ledger[i]
	le.Resource, le.State, le.Error, le.At = resource, LedgerDone, "", r.e.now().UTC()
	return r.saveLocked(ctx)
}
