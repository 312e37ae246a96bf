package env

import (
	"log/slog"
	"os"
	"time"
)

// Option configures a Source.
type Option func(*config)

type config struct {
	lookup   func(name string) (string, bool)
	readFile func(path string) ([]byte, error)
	logger   *slog.Logger
	clock    func() time.Time
}

// WithLookup sets the function that reads one environment variable. The default is
// os.LookupEnv. Tests and integrators use it to hand the source an environment of their own
// (a map, a parsed env file) without touching the process environment. The function is
// called on every fetch, concurrently, so it must be safe for concurrent use.
func WithLookup(lookup func(name string) (string, bool)) Option {
	return func(c *config) {
		if lookup != nil {
			c.lookup = lookup
		}
	}
}

// WithReadFile sets the function that reads the file a *_FILE variable names. The default
// reads like os.ReadFile but stops after 64 KiB, so that a variable pointed at a device or
// a huge file fails instead of exhausting memory. Whatever the reader returns, content
// longer than 64 KiB is rejected with ErrInvalid. Errors it returns must not contain the
// file's contents; errors matching fs.ErrPermission become ErrPermission, others
// ErrUnavailable.
func WithReadFile(readFile func(path string) ([]byte, error)) Option {
	return func(c *config) {
		if readFile != nil {
			c.readFile = readFile
		}
	}
}

// WithLogger sets the logger for the warning logged when a caller's Ref.AllowDefault makes
// the source use the default set, and for one debug record per fetch (origin, version and
// fingerprint only). The default is slog.Default().
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) {
		if logger != nil {
			c.logger = logger
		}
	}
}

// WithClock sets the clock that stamps Meta.FetchedAt. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

func newConfig(opts []Option) config {
	c := config{}
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	if c.lookup == nil {
		c.lookup = os.LookupEnv
	}
	if c.readFile == nil {
		c.readFile = readFileLimited
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	return c
}
