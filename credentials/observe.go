package credentials

import (
	"context"
	"log/slog"
	"time"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// FetchEvent reports one fetch through a Provider.
type FetchEvent struct {
	// Kind is the kind of set fetched.
	Kind Kind
	// Ref is what the caller asked for.
	Ref Ref
	// Meta describes the set fetched; zero when Err is set.
	Meta Meta
	// Duration is how long the fetch took.
	Duration time.Duration
	// Err is the fetch's error, nil on success.
	Err error
	// VersionChanged is true when an earlier fetch of the same kind and Ref through this
	// Provider returned another version; PreviousVersion is that version.
	VersionChanged  bool
	PreviousVersion string
}

// Observer receives fetch events. ObserveFetch is called synchronously on the fetching
// goroutine, so it must be quick and safe for concurrent use.
type Observer interface {
	ObserveFetch(FetchEvent)
}

// ObserverFunc adapts a function to an Observer.
type ObserverFunc func(FetchEvent)

// ObserveFetch calls f.
func (f ObserverFunc) ObserveFetch(e FetchEvent) { f(e) }

type versionKey struct {
	kind Kind
	ref  Ref
}

// report tells the observer and the log of one fetch, remembering the version seen per kind
// and Ref (never a credential).
func (p *Provider) report(ctx context.Context, kind Kind, ref Ref, meta Meta, start time.Time, err error) {
	e := FetchEvent{Kind: kind, Ref: ref, Duration: time.Since(start), Err: err}
	if err == nil {
		e.Meta = meta
		key := versionKey{kind, ref}
		p.mu.Lock()
		prev, seen := p.versions[key]
		p.versions[key] = meta.Version
		p.mu.Unlock()
		if seen && prev != meta.Version {
			e.VersionChanged, e.PreviousVersion = true, prev
		}
	}
	if p.observer != nil {
		p.observer.ObserveFetch(e)
	}
	attrs := []slog.Attr{
		slog.String("source", p.name),
		slog.String("kind", string(kind)),
		slog.String("account", ref.String()),
		slog.Duration("duration", e.Duration),
	}
	switch {
	case err != nil:
		// The caller gets the error and reports it; a warning here would say it twice.
		p.logger.LogAttrs(ctx, slog.LevelDebug, "credentials: fetch failed", append(attrs, slog.Any("error", fkerrors.VisibleError(err)))...)
	case e.VersionChanged:
		p.logger.LogAttrs(ctx, slog.LevelInfo, "credentials: fetched a new version", append(attrs,
			slog.String("origin", meta.Origin.String()), slog.String("version", meta.Version),
			slog.String("previous_version", e.PreviousVersion), slog.String("fingerprint", meta.Fingerprint))...)
	default:
		p.logger.LogAttrs(ctx, slog.LevelDebug, "credentials: fetched", append(attrs,
			slog.String("origin", meta.Origin.String()), slog.String("version", meta.Version),
			slog.String("fingerprint", meta.Fingerprint))...)
	}
}
