package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ossea-migrate/failoverkit/failover"
)

// storeQuiet drops the library's log records about a job store failure: the command reports
// that failure itself, once, with its fix, and the records would repeat it (the job stopping,
// its lease not released) in other words. --verbose keeps them.
type storeQuiet struct{ slog.Handler }

func (h storeQuiet) Handle(ctx context.Context, r slog.Record) error {
	store := false
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Any().(error); ok && errors.Is(err, failover.ErrStore) {
			store = true
		}
		return !store
	})
	if store {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h storeQuiet) WithAttrs(attrs []slog.Attr) slog.Handler {
	return storeQuiet{h.Handler.WithAttrs(attrs)}
}

func (h storeQuiet) WithGroup(name string) slog.Handler { return storeQuiet{h.Handler.WithGroup(name)} }
