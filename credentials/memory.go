package credentials

import (
	"cmp"
	"context"
	"log/slog"
	"sync"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Memory is a mutable in-memory Source for tests and demos: sets can be put, rotated and
// removed while operations run. It is a Provider over an in-memory store, so every set put
// gets the content version and fingerprint a real source would give it. It is safe for
// concurrent use.
type Memory struct {
	*Provider
	store *memoryStore
}

// memoryStore is Memory's driver.
type memoryStore struct {
	mu         sync.RWMutex
	name       string
	cloudstack map[string]CloudStack
	vsphere    map[string]VSphere
	defaults   map[Kind]string
}

// NewMemory returns an empty Memory source. A nil logger means slog.Default().
func NewMemory(logger *slog.Logger) *Memory {
	return newMemory("memory", logger)
}

func newMemory(name string, logger *slog.Logger) *Memory {
	st := &memoryStore{
		name:       name,
		cloudstack: map[string]CloudStack{},
		vsphere:    map[string]VSphere{},
		defaults:   map[Kind]string{},
	}
	return &Memory{Provider: NewProvider(name, st, WithLogger(logger)), store: st}
}

// PutCloudStack creates or replaces the CloudStack set of account. The first set put for a
// kind becomes its default.
func (m *Memory) PutCloudStack(account string, c CloudStack) {
	putSet(m.store, m.store.cloudstack, KindCloudStack, account, c)
}

// PutVSphere creates or replaces the vCenter set of account. The first set put for a kind
// becomes its default.
func (m *Memory) PutVSphere(account string, v VSphere) {
	putSet(m.store, m.store.vsphere, KindVSphere, account, v)
}

// putSet stores set under account in sets, one of st's maps, making account the default of
// kind when kind has none.
func putSet[T any](st *memoryStore, sets map[string]T, kind Kind, account string, set T) {
	st.mu.Lock()
	defer st.mu.Unlock()
	sets[account] = set
	if _, ok := st.defaults[kind]; !ok {
		st.defaults[kind] = account
	}
}

// SetDefault makes account the default of kind; "" leaves kind without a default.
func (m *Memory) SetDefault(kind Kind, account string) {
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	m.store.defaults[kind] = account
}

// Remove deletes the set of kind for account.
func (m *Memory) Remove(kind Kind, account string) {
	st := m.store
	st.mu.Lock()
	defer st.mu.Unlock()
	switch kind {
	case KindCloudStack:
		delete(st.cloudstack, account)
	case KindVSphere:
		delete(st.vsphere, account)
	}
}

// ReadCloudStack implements Driver.
func (st *memoryStore) ReadCloudStack(_ context.Context, ref Ref) (CloudStack, error) {
	st.mu.RLock()
	account, c, ok := lookup(st.cloudstack, st.defaults[KindCloudStack], ref)
	st.mu.RUnlock()
	if !ok {
		return CloudStack{}, st.notFound(KindCloudStack, ref)
	}
	if p := c.Check(); p != nil {
		return CloudStack{}, st.problem(KindCloudStack, account, p)
	}
	c.Meta = Meta{Origin: Origin{Source: st.name, Account: account}}
	return c, nil
}

// ReadVSphere implements Driver.
func (st *memoryStore) ReadVSphere(_ context.Context, ref Ref) (VSphere, error) {
	st.mu.RLock()
	account, v, ok := lookup(st.vsphere, st.defaults[KindVSphere], ref)
	st.mu.RUnlock()
	if !ok {
		return VSphere{}, st.notFound(KindVSphere, ref)
	}
	if p := v.Check(); p != nil {
		return VSphere{}, st.problem(KindVSphere, account, p)
	}
	v.Meta = Meta{Origin: Origin{Source: st.name, Account: account}}
	return v, nil
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

func (st *memoryStore) notFound(kind Kind, ref Ref) error {
	remedy := "put one with Memory.Put" + map[Kind]string{KindCloudStack: "CloudStack", KindVSphere: "VSphere"}[kind]
	if st.name == "static" {
		remedy = "ask for the default account or the account named in the set's Origin"
	}
	return &Error{Code: fkerrors.NotFound, Source: st.name, Kind: kind, Account: ref.String(),
		Problem: "no " + string(kind) + " set for this account", Fix: remedy}
}

func (st *memoryStore) problem(kind Kind, account string, p *Problem) error {
	fix := "put a set with a valid " + string(p.Field) + " (not padded, within its bounds)"
	if p.Code == fkerrors.Incomplete {
		fix = "put a set with " + string(p.Field) + " filled in"
	}
	return &Error{Code: p.Code, Source: st.name, Kind: kind, Account: account, Field: p.Field,
		Problem: p.Reason, Fix: fix}
}

// Static returns a Source that answers the given sets for the default account and for the
// account named in their Origin ("default" when the Origin names none); anything else is
// fkerrors.NotFound. It reads nothing, so it suits tests and programs whose credentials come
// from flags.
func Static(c CloudStack, v VSphere) Source {
	m := newMemory("static", nil)
	m.PutCloudStack(cmp.Or(c.Origin.Account, "default"), c)
	m.PutVSphere(cmp.Or(v.Origin.Account, "default"), v)
	return m
}
