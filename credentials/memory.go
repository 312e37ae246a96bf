package credentials

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Memory is a mutable in-memory Source for tests and demos: sets can be put, rotated and
// removed while operations run. Every set put gets the content version and fingerprint a
// real source would give it. It is safe for concurrent use.
type Memory struct {
	mu         sync.RWMutex
	cloudstack map[string]CloudStack
	vsphere    map[string]VSphere
	defaults   map[Kind]string
	logger     *slog.Logger
	source     string
}

// NewMemory returns an empty Memory source. A nil logger means slog.Default().
func NewMemory(logger *slog.Logger) *Memory {
	return &Memory{
		cloudstack: map[string]CloudStack{},
		vsphere:    map[string]VSphere{},
		defaults:   map[Kind]string{},
		logger:     logger,
		source:     "memory",
	}
}

// PutCloudStack creates or replaces the CloudStack set of account. The first set put for a
// kind becomes its default.
func (m *Memory) PutCloudStack(account string, c CloudStack) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cloudstack[account] = c
	if _, ok := m.defaults[KindCloudStack]; !ok {
		m.defaults[KindCloudStack] = account
	}
}

// PutVSphere creates or replaces the vCenter set of account. The first set put for a kind
// becomes its default.
func (m *Memory) PutVSphere(account string, v VSphere) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.vsphere[account] = v
	if _, ok := m.defaults[KindVSphere]; !ok {
		m.defaults[KindVSphere] = account
	}
}

// SetDefault makes account the default of kind; "" leaves kind without a default.
func (m *Memory) SetDefault(kind Kind, account string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.defaults[kind] = account
}

// Remove deletes the set of kind for account.
func (m *Memory) Remove(kind Kind, account string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch kind {
	case KindCloudStack:
		delete(m.cloudstack, account)
	case KindVSphere:
		delete(m.vsphere, account)
	}
}

// CloudStack implements Source.
func (m *Memory) CloudStack(ctx context.Context, ref Ref) (CloudStack, error) {
	return FallBack(ctx, m.logger, m.source, KindCloudStack, ref, func(ctx context.Context, ref Ref) (CloudStack, error) {
		if err := ctx.Err(); err != nil {
			return CloudStack{}, err
		}
		m.mu.RLock()
		account, c, ok := lookup(m.cloudstack, m.defaults[KindCloudStack], ref)
		m.mu.RUnlock()
		if !ok {
			return CloudStack{}, m.notFound(KindCloudStack, ref)
		}
		if p := c.Check(); p != nil {
			return CloudStack{}, m.problem(KindCloudStack, account, p)
		}
		c.Stamp(Origin{Source: m.source, Account: account}, "", time.Now())
		return c, nil
	})
}

// VSphere implements Source.
func (m *Memory) VSphere(ctx context.Context, ref Ref) (VSphere, error) {
	return FallBack(ctx, m.logger, m.source, KindVSphere, ref, func(ctx context.Context, ref Ref) (VSphere, error) {
		if err := ctx.Err(); err != nil {
			return VSphere{}, err
		}
		m.mu.RLock()
		account, v, ok := lookup(m.vsphere, m.defaults[KindVSphere], ref)
		m.mu.RUnlock()
		if !ok {
			return VSphere{}, m.notFound(KindVSphere, ref)
		}
		if p := v.Check(); p != nil {
			return VSphere{}, m.problem(KindVSphere, account, p)
		}
		v.Stamp(Origin{Source: m.source, Account: account}, "", time.Now())
		return v, nil
	})
}

// lookup resolves ref against sets: by name, by id (the same as the name here), or the default.
func lookup[T any](sets map[string]T, def string, ref Ref) (string, T, bool) {
	account := ref.Name
	if account == "" {
		account = ref.ID
	}
	if ref.IsDefault() {
		account = def
		if def == "" {
			var zero T
			return "", zero, false
		}
	}
	v, ok := sets[account]
	return account, v, ok
}

func (m *Memory) notFound(kind Kind, ref Ref) error {
	remedy := "put one with Memory.Put" + map[Kind]string{KindCloudStack: "CloudStack", KindVSphere: "VSphere"}[kind]
	if m.source == "static" {
		remedy = "ask for the default account or the account named in the set's Origin"
	}
	return &Error{Code: fkerrors.NotFound, Source: m.source, Kind: kind, Account: ref.String(),
		Problem: "no " + string(kind) + " set for this account", Fix: remedy}
}

func (m *Memory) problem(kind Kind, account string, p *Problem) error {
	return &Error{Code: p.Code, Source: m.source, Kind: kind, Account: account, Field: p.Field,
		Problem: p.Reason, Fix: "put a set with " + string(p.Field) + " filled in and not padded"}
}

// Static returns a Source that answers the given sets for the default account and for the
// account named in their Origin ("default" when the Origin names none); anything else is
// fkerrors.NotFound. It reads nothing, so it suits tests and programs whose credentials come from
// flags.
func Static(c CloudStack, v VSphere) Source {
	m := NewMemory(nil)
	m.source = "static"
	m.PutCloudStack(cmp.Or(c.Origin.Account, "default"), c)
	m.PutVSphere(cmp.Or(v.Origin.Account, "default"), v)
	return m
}
