package vault

import "time"

// WithClock makes the source read time from now, so that tests can move a token's lifetime
// along without sleeping.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}
