package credentials

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// FetchEvent reports one fetch through an Observed source.
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
	// wrapper returned another version; PreviousVersion is that version.
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

// Observed wraps src so that every fetch is reported to obs (when not nil) and logged through
// logger (when not nil) at debug level, or info level when the version changed, or warn level
// on error. Logs carry origin, version and fingerprint only. The wrapper remembers the last
// version seen per kind and Ref, never a credential. When src is also a VMLinker, so is the
// wrapper, and its per-VM fetches are reported too.
func Observed(src Source, obs Observer, logger *slog.Logger) Source {
	o := &observed{src: src, obs: obs, logger: logger, versions: map[versionKey]string{}}
	if l, ok := src.(VMLinker); ok {
		return &observedLinker{observed: o, linker: l}
	}
	return o
}

type observedLinker struct {
	*observed
	linker VMLinker
}

func (o *observedLinker) VSphereForVM(ctx context.Context, vm string) (VSphere, error) {
	start := time.Now()
	v, err := o.linker.VSphereForVM(ctx, vm)
	o.report(ctx, KindVSphere, Ref{Name: "vm " + vm}, v.Meta, start, err)
	return v, err
}

type versionKey struct {
	kind Kind
	ref  Ref
}

type observed struct {
	src      Source
	obs      Observer
	logger   *slog.Logger
	mu       sync.Mutex
	versions map[versionKey]string
}

func (o *observed) CloudStack(ctx context.Context, ref Ref) (CloudStack, error) {
	start := time.Now()
	c, err := o.src.CloudStack(ctx, ref)
	o.report(ctx, KindCloudStack, ref, c.Meta, start, err)
	return c, err
}

func (o *observed) VSphere(ctx context.Context, ref Ref) (VSphere, error) {
	start := time.Now()
	v, err := o.src.VSphere(ctx, ref)
	o.report(ctx, KindVSphere, ref, v.Meta, start, err)
	return v, err
}

func (o *observed) report(ctx context.Context, kind Kind, ref Ref, meta Meta, start time.Time, err error) {
	e := FetchEvent{Kind: kind, Ref: ref, Duration: time.Since(start), Err: err}
	if err == nil {
		e.Meta = meta
		key := versionKey{kind, ref}
		o.mu.Lock()
		prev, seen := o.versions[key]
		o.versions[key] = meta.Version
		o.mu.Unlock()
		if seen && prev != meta.Version {
			e.VersionChanged, e.PreviousVersion = true, prev
		}
	}
	if o.obs != nil {
		o.obs.ObserveFetch(e)
	}
	if o.logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("kind", string(kind)),
		slog.String("account", ref.String()),
		slog.Duration("duration", e.Duration),
	}
	switch {
	case err != nil:
		o.logger.LogAttrs(ctx, slog.LevelWarn, "credentials: fetch failed", append(attrs, slog.String("error", err.Error()))...)
	case e.VersionChanged:
		o.logger.LogAttrs(ctx, slog.LevelInfo, "credentials: fetched a new version", append(attrs,
			slog.String("origin", meta.Origin.String()), slog.String("version", meta.Version),
			slog.String("previous_version", e.PreviousVersion), slog.String("fingerprint", meta.Fingerprint))...)
	default:
		o.logger.LogAttrs(ctx, slog.LevelDebug, "credentials: fetched", append(attrs,
			slog.String("origin", meta.Origin.String()), slog.String("version", meta.Version),
			slog.String("fingerprint", meta.Fingerprint))...)
	}
}
