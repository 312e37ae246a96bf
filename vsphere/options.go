package vsphere

import (
	"crypto/x509"
	"log/slog"
	"time"
)

// Defaults used when the matching option is not given.
const (
	// DefaultIdleTimeout is how long an unused session stays logged in. It is below
	// vCenter's own default idle timeout (30 minutes) so that the pool, not vCenter, ends
	// sessions.
	DefaultIdleTimeout = 10 * time.Minute
	// DefaultLogoutTimeout bounds each logout the pool makes on its own behalf.
	DefaultLogoutTimeout = 10 * time.Second
	// DefaultGracefulTimeout is the guest shutdown limit used when
	// PowerOffOptions.GracefulTimeout is zero.
	DefaultGracefulTimeout = 5 * time.Minute
	// DefaultPollInterval is the longest pause between two looks at a VM's power state or a
	// task's progress.
	DefaultPollInterval = time.Second
)

// Option configures a Pool.
type Option func(*Pool)

// WithLogger sets the logger; nil means slog.Default(). The pool logs logins, logouts,
// re-logins and every use of a credential set that turns TLS verification off, each with the
// set's origin and version and never a secret.
func WithLogger(l *slog.Logger) Option { return func(p *Pool) { p.logger = l } }

// WithIdleTimeout sets how long an unused session stays logged in before the pool logs it
// out. Zero or negative means DefaultIdleTimeout.
func WithIdleTimeout(d time.Duration) Option { return func(p *Pool) { p.idle = d } }

// WithLogoutTimeout bounds each logout the pool makes on its own behalf (idle sessions,
// superseded sessions). Zero or negative means DefaultLogoutTimeout.
func WithLogoutTimeout(d time.Duration) Option { return func(p *Pool) { p.logoutTimeout = d } }

// WithRootCAs sets the certificate authorities trusted when a credential set verifies TLS
// (the default). Nil means the host's roots.
func WithRootCAs(roots *x509.CertPool) Option { return func(p *Pool) { p.roots = roots } }

// WithPollInterval sets the longest pause between two looks at a power state or a task.
// Zero or negative means DefaultPollInterval.
func WithPollInterval(d time.Duration) Option { return func(p *Pool) { p.pollMax = d } }

// WithUserAgent sets the User-Agent sent to vCenter, which shows in its session list.
// Empty means "failoverkit".
func WithUserAgent(ua string) Option { return func(p *Pool) { p.userAgent = ua } }
