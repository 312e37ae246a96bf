package vsphere

import "time"

// SetClock replaces the pool's clock. Call it before the pool is first used.
func SetClock(p *Pool, now func() time.Time) { p.now = now }

// JanitorRunning reports whether the pool's idle sweeper is running.
func JanitorRunning(p *Pool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.janitor
}
