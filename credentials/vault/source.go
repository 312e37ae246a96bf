package vault

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// sourceName is the Origin.Source and Error.Source of every set and error from this package.
const sourceName = "vault"

// reader is the driver that reads credential sets from a Vault KV version 2 engine on every
// call. It is safe for concurrent use.
type reader struct {
	client         *api.Client
	httpClient     *http.Client
	address        string
	mount          string
	template       string
	defaultAccount string
	timeout        time.Duration
	auth           authMethod
	logger         *slog.Logger
	now            func() time.Time

	// refreshing is held (a one-slot semaphore) by the goroutine logging in or renewing, so
	// that waiters can give up when their context ends.
	refreshing chan struct{}
	mu         sync.Mutex
	grant      grant
	closed     atomic.Bool
}

var _ credentials.Driver = (*reader)(nil)

// New returns the source over Vault that opts configure. An address (WithAddress or VAULT_ADDR) and exactly
// one auth method (WithToken, WithTokenFile, WithTokenEnv or WithAppRole) are required. New
// does not contact Vault: the first fetch logs in.
func New(opts ...Option) (*credentials.Provider, error) {
	cfg := config{
		mount:          DefaultMount,
		template:       DefaultPathTemplate,
		defaultAccount: DefaultAccount,
		timeout:        60 * time.Second,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}

	vc := api.DefaultConfig()
	if vc.Error != nil {
		return nil, &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: "the VAULT_* environment holds an invalid setting", Err: vc.Error,
			Fix: "fix or unset the variable named in the cause"}
	}
	if cfg.address != "" {
		vc.Address = cfg.address
	} else if os.Getenv(api.EnvVaultAddress) == "" {
		return nil, configError("no Vault address", "pass vault.WithAddress(\"https://vault.example:8200\") or export VAULT_ADDR")
	}
	if cfg.httpClient != nil {
		vc.HttpClient = cfg.httpClient
	}
	// Each call bounds its requests with its own context (WithTimeout), so the client's
	// timeout, which would also cut off reading an answer's body, is off.
	vc.Timeout = 0
	if cfg.maxRetries != nil {
		vc.MaxRetries = *cfg.maxRetries
	}
	if cfg.tls != nil {
		if err := vc.ConfigureTLS(cfg.tls); err != nil {
			return nil, &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
				Problem: "invalid TLS configuration for Vault", Err: err,
				Fix: "check the certificate and key paths given to WithTLS"}
		}
		if cfg.tls.Insecure {
			cfg.logger.Warn("vault: TLS certificate verification towards Vault is off, as configured")
		}
	}
	client, err := api.NewClient(vc)
	if err != nil {
		return nil, &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: "cannot build a Vault client", Err: err,
			Fix: "check the address given to WithAddress or in VAULT_ADDR"}
	}
	// The token is set per request from the auth method, never from VAULT_TOKEN.
	client.ClearToken()
	if cfg.namespace != "" {
		client.SetNamespace(cfg.namespace)
	}
	r := &reader{
		client:         client,
		httpClient:     vc.HttpClient,
		address:        displayAddress(client.Address()),
		mount:          cfg.mount,
		template:       cfg.template,
		defaultAccount: cfg.defaultAccount,
		timeout:        cfg.timeout,
		auth:           cfg.auth,
		logger:         cfg.logger,
		now:            cfg.now,
		refreshing:     make(chan struct{}, 1),
	}
	return credentials.NewProvider(sourceName, r, credentials.WithLogger(cfg.logger), credentials.WithClock(cfg.now)), nil
}

func (c *config) check() error {
	c.mount = strings.Trim(c.mount, "/")
	if c.mount == "" || strings.ContainsAny(c.mount, " {}") {
		return configError("the KV mount is empty or malformed", "pass a mount path such as \"secret\" to WithMount")
	}
	c.template = strings.Trim(c.template, "/")
	if !strings.Contains(c.template, "{kind}") || !strings.Contains(c.template, "{account}") {
		return configError("the path template lacks {kind} or {account}",
			"use a template like \""+DefaultPathTemplate+"\" in WithPathTemplate")
	}
	if err := checkAccount(c.defaultAccount); err != nil {
		return configError("the default account name is not a valid path element", "pass a name such as \"default\" to WithDefaultAccount")
	}
	if c.timeout <= 0 {
		return configError("the request timeout is not positive", "pass a duration such as 10*time.Second to WithTimeout")
	}
	if c.maxRetries != nil && *c.maxRetries < 0 {
		return configError("the retry count is negative", "pass 0 or more to WithMaxRetries")
	}
	switch c.authCount {
	case 0:
		return configError("no auth method", "pass one of WithToken, WithTokenFile, WithTokenEnv, WithAppRole")
	case 1:
	default:
		return configError("more than one auth method", "pass only one of WithToken, WithTokenFile, WithTokenEnv, WithAppRole")
	}
	return c.auth.check()
}

// displayAddress drops any user information from the address, for messages.
func displayAddress(address string) string {
	u, err := url.Parse(address)
	if err != nil {
		return "the configured Vault address"
	}
	u.User = nil
	return u.String()
}

// checkAccount refuses names that would escape or break the path template.
func checkAccount(name string) error {
	if name == "" || name == "." || name == ".." {
		return errors.New("empty or dot name")
	}
	for _, r := range name {
		ok := r == '-' || r == '_' || r == '.' || r == '@' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return errors.New("character outside letters, digits and . - _ @")
		}
	}
	return nil
}

// Close ends the source (Provider.Close calls it): later calls fail with
// fkerrors.Unavailable. It forgets the
// token and closes the HTTP client's idle connections, so that nothing of the source - no
// goroutine, no connection - outlives it; a call still in flight closes its connection when
// it ends. The source starts no goroutine of its own, so there is none to stop. Close does
// not revoke the token; one from AppRole expires by its TTL. Close is idempotent.
func (s *reader) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.setGrant(grant{})
	s.httpClient.CloseIdleConnections()
	return nil
}

// ReadCloudStack implements credentials.Driver.
func (s *reader) ReadCloudStack(ctx context.Context, ref credentials.Ref) (credentials.CloudStack, error) {
	e, err := s.read(ctx, credentials.KindCloudStack, ref)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	d, err := e.decode(cloudStackKeys)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	c := credentials.CloudStackFrom(d.value)
	c.InsecureSkipVerify = d.insecure
	if p := c.Check(); p != nil {
		return credentials.CloudStack{}, e.problem(p, cloudStackKeys, d.unknown)
	}
	c.Meta = credentials.Meta{Origin: e.origin(), Version: e.version()}
	return c, nil
}

// ReadVSphere implements credentials.Driver.
func (s *reader) ReadVSphere(ctx context.Context, ref credentials.Ref) (credentials.VSphere, error) {
	e, err := s.read(ctx, credentials.KindVSphere, ref)
	if err != nil {
		return credentials.VSphere{}, err
	}
	d, err := e.decode(vSphereKeys)
	if err != nil {
		return credentials.VSphere{}, err
	}
	v := credentials.VSphereFrom(d.value)
	v.InsecureSkipVerify = d.insecure
	if p := v.Check(); p != nil {
		return credentials.VSphere{}, e.problem(p, vSphereKeys, d.unknown)
	}
	v.Meta = credentials.Meta{Origin: e.origin(), Version: e.version()}
	return v, nil
}
