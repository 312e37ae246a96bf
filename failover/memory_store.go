package failover

import (
	"context"
	"sort"
	"sync"
	"time"
)

// MemoryStore is a Store that keeps everything in memory: for tests, demos and programs that
// accept losing job state when they exit.
type MemoryStore struct {
	mu     sync.Mutex
	jobs   map[string]*Job
	leases map[string]Lease
	now    func() time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{jobs: map[string]*Job{}, leases: map[string]Lease{}, now: time.Now}
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
		return nil, jobNotFound(id)
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
func (s *MemoryStore) AcquireLease(ctx context.Context, l Lease) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.leases[l.Key]; ok && cur.Holder.Name != l.Holder.Name && s.now().Before(cur.Expires) {
		return busyErr(cur)
	}
	l.Beat = 0
	s.leases[l.Key] = l
	return nil
}

// RenewLease implements Store.
func (s *MemoryStore) RenewLease(ctx context.Context, key string, holder Holder, expires, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leases[key]
	if !ok || l.Holder.Name != holder.Name {
		return lostLease(key)
	}
	l.Expires, l.BeatAt = expires, at
	l.Beat++
	s.leases[key] = l
	return nil
}

// TakeOverLease implements Store.
func (s *MemoryStore) TakeOverLease(ctx context.Context, old, l Lease) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.leases[old.Key]
	if ok && (cur.Holder.Name != old.Holder.Name || cur.Beat != old.Beat) {
		return busyErr(cur)
	}
	l.Beat = 0
	s.leases[l.Key] = l
	return nil
}

// ReleaseLease implements Store.
func (s *MemoryStore) ReleaseLease(ctx context.Context, key string, holder Holder) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[key]; ok && l.Holder.Name == holder.Name {
		delete(s.leases, key)
	}
	return nil
}

func lostLease(key string) error {
	return fail(ErrBusy, "the operation stopped; see what the other engine did, then resume or roll the job back", "the lease on %s was lost to another engine", key)
}

// Lease implements Store.
func (s *MemoryStore) Lease(ctx context.Context, key string) (*Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.leases[key]
	if !ok {
		return nil, nil
	}
	return &l, nil
}
