package vsphere

import (
	"time"

	"github.com/ossea-migrate/failoverkit/credentials"
)

// SetClock replaces the pool's clock. Call it before the pool is first used.
func SetClock(p *Pool, now func() time.Time) { p.now = now }

// JanitorRunning reports whether the pool's idle sweeper is running.
func JanitorRunning(p *Pool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.janitor
}

// Endpoint returns the SDK URL the pool would use for creds.
func Endpoint(creds credentials.VSphere) (string, error) {
	u, err := endpointOf(&creds)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}
