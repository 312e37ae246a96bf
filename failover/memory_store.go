package failover

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// MemoryStore is a Store that keeps everything in memory: for tests, demos and programs that
// accept losing job state when they exit.
type MemoryStore struct {
	mu     sync.Mutex
	jobs   map[string]*Job
	leases map[string]lease
	now    func() time.Time
}

type lease struct {
	holder  string
	expires time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{jobs: map[string]*Job{}, leases: map[string]lease{}, now: time.Now}
}

// SaveJob implements Store.
func (s *MemoryStore) SaveJob(ctx context.Context, job *Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[job.ID] = job.clone()
	return nil
}

// Job implements Store.
func (s *MemoryStore) Job(ctx context.Context, id string) (*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrJobNotFound, id)
	}
	return j.clone(), nil
}

// Jobs implements Store.
func (s *MemoryStore) Jobs(ctx context.Context, filter JobFilter) ([]*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var out []*Job
	for _, j := range s.jobs {
		if filter.match(j) {
			out = append(out, j.clone())
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(a, b int) bool {
		if !out[a].CreatedAt.Equal(out[b].CreatedAt) {
			return out[a].CreatedAt.Before(out[b].CreatedAt)
		}
		return out[a].ID < out[b].ID
	})
	return out, nil
}

// AcquireLease implements Store.
func (s *MemoryStore) AcquireLease(ctx context.Context, key, holder string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if l, ok := s.leases[key]; ok && l.holder != holder && now.Before(l.expires) {
		return busy(key, l.holder)
	}
	s.leases[key] = lease{holder: holder, expires: now.Add(ttl)}
	return nil
}

// RenewLease implements Store.
func (s *MemoryStore) RenewLease(ctx context.Context, key, holder string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leases[key]
	if !ok || l.holder != holder {
		return fmt.Errorf("%w: lease on %s was lost", ErrBusy, key)
	}
	s.leases[key] = lease{holder: holder, expires: s.now().Add(ttl)}
	return nil
}

// ReleaseLease implements Store.
func (s *MemoryStore) ReleaseLease(ctx context.Context, key, holder string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[key]; ok && l.holder == holder {
		delete(s.leases, key)
	}
	return nil
}

func busy(key, holder string) error {
	return fmt.Errorf("%w: %s is held by %s; wait for that operation to end (or for its lease to expire if its process died)", ErrBusy, key, holder)
}
