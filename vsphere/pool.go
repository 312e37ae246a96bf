package vsphere

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Pool keeps vCenter sessions so that operations with unchanged credentials share one login.
// Sessions are keyed by endpoint, user name, a keyed digest of the password and the TLS
// verification setting; see the package documentation for the life of a session.
//
// A Pool is safe for concurrent use. Close it to log out every session.
type Pool struct {
	logger        *slog.Logger
	idle          time.Duration
	logoutTimeout time.Duration
	pollMax       time.Duration
	roots         *x509.CertPool
	userAgent     string

	// keyMAC keys the password digest in session keys, so a key never holds a value that
	// could be checked against a guessed password outside this process.
	keyMAC []byte

	mu       sync.Mutex
	sessions map[sessionKey]*pooled
	closed   bool
	janitor  bool // a janitor goroutine is running
	stop     chan struct{}
	wg       sync.WaitGroup
	now      func() time.Time

	logins, logouts, relogins, reuses, live atomic.Int64
}

// Stats counts what a Pool has done since NewPool. Tests and metrics read it.
type Stats struct {
	// Logins counts successful logins, re-logins included.
	Logins int64
	// Logouts counts sessions the pool ended (idle, superseded, re-established, closed).
	Logouts int64
	// Relogins counts sessions re-established after vCenter expired them.
	Relogins int64
	// Reuses counts operations served by an existing session.
	Reuses int64
	// Live is the number of sessions logged in right now.
	Live int64
}

type sessionKey struct {
	endpoint string // normalised https URL of the SDK
	user     string
	secret   string // hex HMAC of the password under Pool.keyMAC
	insecure bool
}

// pooled is one vCenter session.
type pooled struct {
	key  sessionKey
	host string

	// sem serialises login, re-login and logout of this session. It is a channel so that an
	// operation waiting for another's login can give up when its context ends.
	sem    chan struct{}
	client atomic.Pointer[vim25.Client]
	gen    uint64 // bumped by every (re)login; guarded by sem
	dcs    sync.Map

	// Guarded by Pool.mu.
	users    int
	lastUsed time.Time
	retired  bool // removed from the pool; log out when the last user is done
}

func newPooled(key sessionKey, host string) *pooled {
	return &pooled{key: key, host: host, sem: make(chan struct{}, 1)}
}

// lock takes the session's login lock, or gives up when ctx ends.
func (s *pooled) lock(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *pooled) unlock() { <-s.sem }

// NewPool returns an empty Pool. It starts no goroutine until the first session exists.
func NewPool(opts ...Option) *Pool {
	p := &Pool{
		sessions: map[sessionKey]*pooled{},
		stop:     make(chan struct{}),
		now:      time.Now,
	}
	for _, o := range opts {
		o(p)
	}
	if p.logger == nil {
		p.logger = slog.Default()
	}
	if p.idle <= 0 {
		p.idle = DefaultIdleTimeout
	}
	if p.logoutTimeout <= 0 {
		p.logoutTimeout = DefaultLogoutTimeout
	}
	if p.pollMax <= 0 {
		p.pollMax = DefaultPollInterval
	}
	if p.userAgent == "" {
		p.userAgent = "failoverkit"
	}
	p.keyMAC = make([]byte, 32)
	_, _ = rand.Read(p.keyMAC)
	return p
}

// Stats returns the pool's counters.
func (p *Pool) Stats() Stats {
	return Stats{
		Logins:   p.logins.Load(),
		Logouts:  p.logouts.Load(),
		Relogins: p.relogins.Load(),
		Reuses:   p.reuses.Load(),
		Live:     p.live.Load(),
	}
}

// Close logs out every idle session and stops the janitor. Sessions in use by running
// operations are logged out as those operations return. Close returns the logout failures
// joined; calling it again does nothing. After Close, Client returns fkerrors.Closed.
func (p *Pool) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	var idle []*pooled
	for k, s := range p.sessions {
		delete(p.sessions, k)
		s.retired = true
		if s.users == 0 {
			idle = append(idle, s)
		}
	}
	close(p.stop)
	p.mu.Unlock()

	var errs []error
	for _, s := range idle {
		if err := p.logout(ctx, s, "pool closed"); err != nil {
			errs = append(errs, err)
		}
	}
	p.wg.Wait()
	return errors.Join(errs...)
}

func (p *Pool) keyFor(endpoint *url.URL, creds *credentials.VSphere) sessionKey {
	m := hmac.New(sha256.New, p.keyMAC)
	m.Write([]byte(creds.Password.Reveal()))
	return sessionKey{
		endpoint: endpoint.String(),
		user:     creds.Username,
		secret:   hex.EncodeToString(m.Sum(nil)),
		insecure: creds.InsecureSkipVerify,
	}
}

// acquire returns the session for c's credentials, logging in when there is none, together
// with its client and generation. The caller must call release.
func (p *Pool) acquire(ctx context.Context, c *Client) (*pooled, *vim25.Client, uint64, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, 0, &Error{Op: "login", Host: c.host, Err: err}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, nil, 0, &Error{Op: "login", Host: c.host, Code: fkerrors.Closed}
	}
	now := p.now()
	var stale *pooled
	s := p.sessions[c.key]
	if s != nil && s.users == 0 && now.Sub(s.lastUsed) >= p.idle {
		// Lazy eviction: the janitor may not have run yet, and vCenter may already have
		// dropped a session this old.
		delete(p.sessions, c.key)
		s.retired = true
		stale, s = s, nil
	}
	if s == nil {
		s = newPooled(c.key, c.host)
		p.sessions[c.key] = s
		p.startJanitorLocked()
	}
	s.users++
	s.lastUsed = now
	p.mu.Unlock()

	if stale != nil {
		_ = p.logout(ctx, stale, "idle")
	}

	if err := s.lock(ctx); err != nil {
		p.release(ctx, s)
		return nil, nil, 0, &Error{Op: "login", Host: c.host, Err: err}
	}
	vc := s.client.Load()
	if vc == nil {
		var err error
		vc, err = p.login(ctx, c)
		if err != nil {
			s.unlock()
			p.release(ctx, s)
			return nil, nil, 0, err
		}
		s.client.Store(vc)
		s.gen++
		gen := s.gen
		s.unlock()
		p.supersede(ctx, s)
		return s, vc, gen, nil
	}
	gen := s.gen
	s.unlock()
	p.reuses.Add(1)
	return s, vc, gen, nil
}

// release ends one use of s. The last user of a retired session logs it out; a session whose
// login failed and that nobody uses is dropped from the pool.
func (p *Pool) release(ctx context.Context, s *pooled) {
	p.mu.Lock()
	s.users--
	s.lastUsed = p.now()
	last := s.users == 0
	retired := s.retired
	if last && !retired && s.client.Load() == nil && p.sessions[s.key] == s {
		delete(p.sessions, s.key)
	}
	p.mu.Unlock()
	if last && retired {
		_ = p.logout(ctx, s, "retired")
	}
}

// supersede retires every other session of the same endpoint and user: a new login with
// other credentials (a rotated password, a changed TLS setting) means the old ones are stale.
func (p *Pool) supersede(ctx context.Context, s *pooled) {
	p.mu.Lock()
	if s.retired {
		// s itself was replaced while it logged in; it must not retire its successor.
		p.mu.Unlock()
		return
	}
	var idle []*pooled
	for k, o := range p.sessions {
		if o == s || k.endpoint != s.key.endpoint || k.user != s.key.user {
			continue
		}
		delete(p.sessions, k)
		o.retired = true
		if o.users == 0 {
			idle = append(idle, o)
		}
	}
	p.mu.Unlock()
	for _, o := range idle {
		_ = p.logout(ctx, o, "superseded by new credentials")
	}
}

// relogin replaces a session vCenter no longer accepts, unless another operation already did
// (gen tells), and returns the client to retry with.
func (p *Pool) relogin(ctx context.Context, c *Client, s *pooled, gen uint64) (*vim25.Client, uint64, error) {
	if err := s.lock(ctx); err != nil {
		return nil, 0, &Error{Op: "login", Host: c.host, Err: err}
	}
	defer s.unlock()
	if s.gen != gen {
		if vc := s.client.Load(); vc != nil {
			return vc, s.gen, nil
		}
	}
	old := s.client.Swap(nil)
	if old != nil {
		p.live.Add(-1)
		p.logouts.Add(1)
		// Best effort: vCenter has usually dropped the session already.
		lctx, cancel := p.cleanupContext(ctx)
		_ = session.NewManager(old).Logout(lctx)
		cancel()
		old.CloseIdleConnections()
	}
	vc, err := p.login(ctx, c)
	if err != nil {
		return nil, 0, err
	}
	p.relogins.Add(1)
	s.client.Store(vc)
	s.gen++
	p.logger.LogAttrs(ctx, slog.LevelInfo, "vsphere: session re-established after vCenter expired it",
		slog.String("host", c.host), slog.String("user", fkerrors.Visible(c.creds.Username)),
		slog.String("credentials", c.creds.Describe()))
	return vc, s.gen, nil
}

// login opens a new vCenter session for c's credentials.
func (p *Pool) login(ctx context.Context, c *Client) (*vim25.Client, error) {
	if c.creds.InsecureSkipVerify {
		p.logger.LogAttrs(ctx, slog.LevelWarn, "vsphere: TLS certificate verification is off for this credential set",
			slog.String("host", c.host), slog.String("origin", c.creds.Origin.String()),
			slog.String("version", fkerrors.Visible(c.creds.Version)), slog.String("fingerprint", c.creds.Fingerprint))
	}
	u := *c.endpoint
	sc := soap.NewClient(&u, c.creds.InsecureSkipVerify)
	sc.UserAgent = p.userAgent // set before use: soap.Client fills an empty one racily
	if p.roots != nil && !c.creds.InsecureSkipVerify {
		sc.DefaultTransport().TLSClientConfig.RootCAs = p.roots
	}
	vc, err := vim25.NewClient(ctx, sc)
	if err != nil {
		sc.CloseIdleConnections()
		return nil, c.loginError(ctx, err)
	}
	err = session.NewManager(vc).Login(ctx, url.UserPassword(c.creds.Username, c.creds.Password.Reveal()))
	if err != nil {
		sc.CloseIdleConnections()
		return nil, c.loginError(ctx, err)
	}
	p.logins.Add(1)
	p.live.Add(1)
	p.logger.LogAttrs(ctx, slog.LevelDebug, "vsphere: logged in",
		slog.String("host", c.host), slog.String("user", fkerrors.Visible(c.creds.Username)),
		slog.String("credentials", c.creds.Describe()))
	return vc, nil
}

// logout ends s's vCenter session. It runs even when ctx is already done, bounded by the
// logout timeout, so that a cancelled operation does not leak a session.
func (p *Pool) logout(ctx context.Context, s *pooled, why string) error {
	s.sem <- struct{}{}
	vc := s.client.Swap(nil)
	s.unlock()
	if vc == nil {
		return nil
	}
	p.live.Add(-1)
	p.logouts.Add(1)
	lctx, cancel := p.cleanupContext(ctx)
	defer cancel()
	err := session.NewManager(vc).Logout(lctx)
	vc.CloseIdleConnections()
	if err != nil && !isNotAuthenticated(err) {
		p.logger.LogAttrs(ctx, slog.LevelWarn, "vsphere: logout failed; vCenter will expire the session",
			slog.String("host", s.host), slog.String("user", fkerrors.Visible(s.key.user)), slog.String("reason", why),
			slog.Any("error", fkerrors.VisibleError(err)))
		return &Error{Op: "logout", Host: s.host, Code: fkerrors.Unavailable, Err: err}
	}
	p.logger.LogAttrs(ctx, slog.LevelDebug, "vsphere: logged out",
		slog.String("host", s.host), slog.String("user", fkerrors.Visible(s.key.user)), slog.String("reason", why))
	return nil
}

func (p *Pool) cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(context.WithoutCancel(ctx), p.logoutTimeout)
}

// startJanitorLocked starts the idle sweeper if it is not running. The sweeper exits when the
// pool has no sessions left or on Close, so an unused pool holds no goroutine.
func (p *Pool) startJanitorLocked() {
	if p.janitor || p.closed {
		return
	}
	p.janitor = true
	p.wg.Add(1)
	go p.sweep()
}

func (p *Pool) sweep() {
	defer p.wg.Done()
	interval := max(p.idle/2, 10*time.Millisecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			p.mu.Lock()
			p.janitor = false
			p.mu.Unlock()
			return
		case <-t.C:
		}
		p.mu.Lock()
		now := p.now()
		var idle []*pooled
		for k, s := range p.sessions {
			if s.users == 0 && now.Sub(s.lastUsed) >= p.idle {
				delete(p.sessions, k)
				s.retired = true
				idle = append(idle, s)
			}
		}
		empty := len(p.sessions) == 0
		if empty {
			p.janitor = false
		}
		p.mu.Unlock()
		for _, s := range idle {
			_ = p.logout(context.Background(), s, "idle")
		}
		if empty {
			return
		}
	}
}
