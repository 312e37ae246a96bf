package credentials

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Driver is what a credential store implements to become a Source: the reads, and nothing
// more. NewProvider wraps it in a Provider, which adds what every source must do, the same
// way for all of them: Ref.AllowDefault's fall-back to the default set with its warning, the
// metadata (fingerprint, fetch time, a content version where the store has none), the
// context rule, and observation. A Driver may be the store's own type; the packages of this
// module keep theirs unexported and return the Provider.
//
// Drivers must be safe for concurrent use and read the backing store on every call.
type Driver interface {
	// ReadCloudStack reads the CloudStack set ref selects - the default set for the zero
	// Ref - and returns it with Meta.Origin filled and, when the store versions its sets,
	// Meta.Version; the Provider fills the rest of Meta. A named account that does not exist
	// is an *Error matching fkerrors.NotFound: never the default set, which the Provider
	// reads itself when the caller allowed it. Errors are *Error values and hold no secret.
	ReadCloudStack(ctx context.Context, ref Ref) (CloudStack, error)
	// ReadVSphere is ReadCloudStack for vCenter sets.
	ReadVSphere(ctx context.Context, ref Ref) (VSphere, error)
}

// VMLinkDriver is a Driver whose store links replicated VMs to vCenter sets, as the
// appliance's database does.
type VMLinkDriver interface {
	Driver
	// ReadVSphereForVM reads the vCenter set linked to vm (a replication context id or a VM
	// name, as the store names VMs).
	ReadVSphereForVM(ctx context.Context, vm string) (VSphere, error)
}

// Provider is the Source a Driver becomes. On every fetch it:
//
//   - fails at once, as fkerrors.Canceled, when the context has ended, and reports a
//     context that ended during the read the same way, whatever the driver returned;
//   - for a named account the driver does not have, reads the default set instead only
//     when the caller opted in with Ref.AllowDefault, and logs each such switch as a warning;
//   - stamps the set's Meta: the source's name in the Origin, the fingerprint of its
//     secret, the fetch time, and a content version when the store has no version of its
//     own;
//   - tells the Observer (WithObserver), and logs at debug level, or info when the version
//     changed, or warn on error - origin, version and fingerprint only.
//
// A Provider is safe for concurrent use. It implements VMLinker; for a driver that does not
// link VMs, VSphereForVM answers fkerrors.Invalid.
type Provider struct {
	name     string
	d        Driver
	logger   *slog.Logger
	now      func() time.Time
	observer Observer

	mu       sync.Mutex
	versions map[versionKey]string
}

var (
	_ Source   = (*Provider)(nil)
	_ VMLinker = (*Provider)(nil)
)

// ProviderOption configures NewProvider.
type ProviderOption func(*Provider)

// WithLogger sets the logger for fall-back warnings and fetch logs (default slog.Default()).
func WithLogger(l *slog.Logger) ProviderOption {
	return func(p *Provider) {
		if l != nil {
			p.logger = l
		}
	}
}

// WithClock sets the clock of Meta.FetchedAt (default time.Now).
func WithClock(now func() time.Time) ProviderOption {
	return func(p *Provider) {
		if now != nil {
			p.now = now
		}
	}
}

// WithObserver reports every fetch - kind, account, metadata, duration, error, version
// changes - to o, synchronously on the fetching goroutine.
func WithObserver(o Observer) ProviderOption { return func(p *Provider) { p.observer = o } }

// NewProvider returns the Source over d. name is the kind of store ("database", "env",
// "vault", ...): the Source of its errors and of the Origin of its sets.
func NewProvider(name string, d Driver, opts ...ProviderOption) *Provider {
	p := &Provider{name: name, d: d, logger: slog.Default(), now: time.Now, versions: map[versionKey]string{}}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Driver returns the driver the Provider wraps.
func (p *Provider) Driver() Driver { return p.d }

// Close closes the driver when it has anything to close (io.Closer); a closed driver may
// answer later fetches with fkerrors.Closed or go on answering, as it documents.
func (p *Provider) Close() error {
	if c, ok := p.d.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// CloudStack implements Source.
func (p *Provider) CloudStack(ctx context.Context, ref Ref) (CloudStack, error) {
	start := time.Now()
	c, err := fetch(ctx, p, KindCloudStack, ref, p.d.ReadCloudStack)
	if err == nil {
		err = p.insane(KindCloudStack, ref, c.Origin, c.Check())
	}
	if err != nil {
		c = CloudStack{}
	} else {
		if c.Version == "" {
			c.Version = c.ContentVersion()
		}
		c.Meta = p.meta(c.Meta, c.SecretKey)
	}
	p.report(ctx, KindCloudStack, ref, c.Meta, start, err)
	return c, err
}

// VSphere implements Source.
func (p *Provider) VSphere(ctx context.Context, ref Ref) (VSphere, error) {
	start := time.Now()
	v, err := fetch(ctx, p, KindVSphere, ref, p.d.ReadVSphere)
	return p.vSphereRead(ctx, ref, start, v, err)
}

// vSphereRead finishes a read of a vCenter set: checks it, stamps it, reports it, and
// returns it, or the zero set with the error.
func (p *Provider) vSphereRead(ctx context.Context, ref Ref, start time.Time, v VSphere, err error) (VSphere, error) {
	if err == nil {
		err = p.insane(KindVSphere, ref, v.Origin, v.Check())
	}
	if err != nil {
		v = VSphere{}
	} else {
		v.Meta = p.stampVSphere(v)
	}
	p.report(ctx, KindVSphere, ref, v.Meta, start, err)
	return v, err
}

// VSphereForVM implements VMLinker: the vCenter set the store links to vm, for a driver
// that links VMs (VMLinkDriver).
func (p *Provider) VSphereForVM(ctx context.Context, vm string) (VSphere, error) {
	start := time.Now()
	ref := Ref{Name: "vm " + vm}
	linker, ok := p.d.(VMLinkDriver)
	if !ok {
		err := &Error{Code: fkerrors.Invalid, Source: p.name, Kind: KindVSphere, Account: ref.Name,
			Problem: "this source does not link VMs to vCenter sets", Fix: "name the vCenter account instead of the VM"}
		p.report(ctx, KindVSphere, ref, Meta{}, start, err)
		return VSphere{}, err
	}
	var v VSphere
	err := p.canceled(ctx, KindVSphere, ref, nil)
	if err == nil {
		v, err = linker.ReadVSphereForVM(ctx, vm)
		if err != nil {
			err = p.canceled(ctx, KindVSphere, ref, err)
		}
	}
	return p.vSphereRead(ctx, ref, start, v, err)
}

// insane turns the problem Check found in a set the driver returned into an error. Drivers
// check their sets and name their own column, variable or key in the remedy; this catches
// the sets of a driver that does not, so that no source hands on a set whose values are out
// of bounds (a 1 MB key is reported as that, not later as a rejected login).
func (p *Provider) insane(kind Kind, ref Ref, origin Origin, pr *Problem) error {
	if pr == nil {
		return nil
	}
	account := origin.Account
	if account == "" {
		account = ref.String()
	}
	return &Error{Code: pr.Code, Source: p.name, Kind: kind, Account: account, Field: pr.Field, Problem: pr.Reason,
		Fix: "correct " + string(pr.Field) + " of the set at " + origin.String()}
}

// checkRef refuses a Ref whose name or id no store could hold, before any read.
func (p *Provider) checkRef(kind Kind, ref Ref) error {
	pr := CheckField(FieldAccount, ref.Name)
	if pr == nil {
		pr = CheckField(FieldAccountID, ref.ID)
	}
	if pr == nil {
		return nil
	}
	return &Error{Code: pr.Code, Source: p.name, Kind: kind, Account: ref.String(), Field: pr.Field, Problem: pr.Reason,
		Fix: "name the account as the store names it: at most 255 bytes of text for a name, 40 of printable ASCII for an id"}
}

func (p *Provider) stampVSphere(v VSphere) Meta {
	if v.Version == "" {
		v.Version = v.ContentVersion()
	}
	return p.meta(v.Meta, v.Password)
}

// fetch reads ref through read, maps an ended context, and falls back to the default set
// when the caller allowed it and the named account is missing.
func fetch[T any](ctx context.Context, p *Provider, kind Kind, ref Ref, read func(context.Context, Ref) (T, error)) (T, error) {
	var zero T
	if err := p.canceled(ctx, kind, ref, nil); err != nil {
		return zero, err
	}
	if err := p.checkRef(kind, ref); err != nil {
		return zero, err
	}
	v, err := read(ctx, ref)
	if err == nil {
		return v, nil
	}
	if ctx.Err() != nil {
		return zero, p.canceled(ctx, kind, ref, err)
	}
	if !ref.AllowDefault || ref.IsDefault() || !errors.Is(err, fkerrors.NotFound) {
		return zero, err
	}
	p.logger.WarnContext(ctx, "credentials: named account missing, using the default set as the caller allowed",
		"source", p.name, "kind", string(kind), "account", ref.String())
	v, err = read(ctx, Ref{})
	if err != nil {
		return zero, p.canceled(ctx, kind, ref, err)
	}
	return v, nil
}

// canceled applies the context rule: when ctx has ended - before a read (err nil) or during
// one - the answer is an *Error matching fkerrors.Canceled and ctx's error, whatever the
// driver returned; otherwise err stands.
func (p *Provider) canceled(ctx context.Context, kind Kind, ref Ref, err error) error {
	ctxErr := ctx.Err()
	if ctxErr == nil {
		return err
	}
	return &Error{Code: fkerrors.Canceled, Source: p.name, Kind: kind, Account: ref.String(),
		Problem: "the operation's context ended before the set was read",
		Fix:     "retry with a live context or a longer deadline", Err: ctxErr}
}

// meta completes a set's metadata: the source's name, the fingerprint of its secret, the
// fetch time.
func (p *Provider) meta(m Meta, secret Secret) Meta {
	if m.Origin.Source == "" {
		m.Origin.Source = p.name
	}
	m.Fingerprint = secret.Fingerprint()
	m.FetchedAt = p.now()
	return m
}
