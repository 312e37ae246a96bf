package main

import (
	"context"
	"errors"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
)

// session is what an engine command needs: the credential source, the job store and the
// engine over both.
type session struct {
	backend *backend
	store   failover.Store
	engine  *failover.Engine
	closers []func()
}

// open opens the credential source, the job store (when withStore; else jobs are kept in
// memory) and an engine reporting to the output.
func (a *app) open(ctx context.Context, withStore bool, extra ...failover.Option) (*session, error) {
	b, err := a.openSource(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{backend: b, closers: []func(){b.close}}
	a.res.Source = b.mode
	s.store = failover.NewMemoryStore()
	if withStore {
		store, closeStore, err := a.openStore(ctx, b)
		if err != nil {
			s.close(ctx)
			return nil, err
		}
		s.store = store
		s.closers = append(s.closers, closeStore)
	}
	if withStore && b.mode == "database" {
		// A credential database need not be the appliance's: without its tables there is
		// no journal, and --context says so.
		b.journal, b.journalErr = appliance.NewJournal(ctx, b.db, appliance.WithLogger(a.logger))
		if b.journalErr != nil && !errors.Is(b.journalErr, appliance.ErrSchema) {
			s.close(ctx)
			return nil, b.journalErr
		}
	}
	poll := a.poll
	if poll == 0 && b.lab != nil {
		poll = 5 * time.Millisecond // the simulators finish async jobs at once
	}
	opts := []failover.Option{
		failover.WithStore(s.store),
		failover.WithLogger(a.logger),
		failover.WithObserver(a.observer()),
	}
	if poll > 0 {
		opts = append(opts, failover.WithCloudStackOptions(cloudstack.WithPollInterval(poll, poll)))
	}
	if b.journal != nil {
		opts = append(opts, failover.WithJournal(b.journal))
	}
	e, err := failover.New(b.src, append(opts, extra...)...)
	if err != nil {
		s.close(ctx)
		return nil, err
	}
	s.engine = e
	return s, nil
}

// finish closes the engine first, which delivers every event still queued, so that the
// result printed after it comes last.
func (s *session) finish(ctx context.Context) {
	if s.engine != nil {
		_ = s.engine.Close(context.WithoutCancel(ctx))
		s.engine = nil
	}
}

func (s *session) close(ctx context.Context) {
	s.finish(ctx)
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}
