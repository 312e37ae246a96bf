package vault

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/hashicorp/vault/api"
)

// Defaults applied when the matching option is not given.
const (
	// DefaultMount is the mount path of the KV version 2 secrets engine.
	DefaultMount = "secret"
	// DefaultPathTemplate places one secret per kind of set per account under the mount.
	DefaultPathTemplate = "failoverkit/{kind}/{account}"
	// DefaultAccount is the account element read for the zero credentials.Ref.
	DefaultAccount = "default"
	// DefaultAppRoleMount is the mount path of the AppRole auth method.
	DefaultAppRoleMount = "approle"
)

// Option configures a Source.
type Option func(*config)

type config struct {
	address        string
	tls            *api.TLSConfig
	httpClient     *http.Client
	namespace      string
	maxRetries     *int
	timeout        time.Duration
	mount          string
	template       string
	defaultAccount string
	auth           authMethod
	authCount      int
	logger         *slog.Logger
	now            func() time.Time
}

// WithAddress sets the Vault address, e.g. https://vault.example:8200. Without it the
// VAULT_ADDR environment variable is used, as the Vault CLI does; New fails when neither
// is set.
func WithAddress(address string) Option {
	return func(c *config) { c.address = address }
}

// WithTLS configures TLS towards Vault: CA certificate or directory, client certificate and
// key for cert auth or mutual TLS, server name. Without it the client uses the system roots
// and honours VAULT_CACERT, VAULT_CAPATH and VAULT_TLS_SERVER_NAME like the Vault CLI.
// Setting Insecure turns verification off and is logged as a warning by New.
func WithTLS(tls api.TLSConfig) Option {
	return func(c *config) { c.tls = &tls }
}

// WithHTTPClient makes the source send its requests through client. Its Transport must be an
// *http.Transport when WithTLS is also given. Close closes the client's idle connections.
func WithHTTPClient(client *http.Client) Option {
	return func(c *config) { c.httpClient = client }
}

// WithNamespace sets the Vault Enterprise namespace requests are made in.
func WithNamespace(namespace string) Option {
	return func(c *config) { c.namespace = namespace }
}

// WithMaxRetries sets how many times a request is retried after a connection error or a 5xx
// answer (a sealed Vault answers 503), with a backoff of about a second between tries. The
// Vault client's default is 2; 0 makes an unreachable or sealed Vault fail at once.
func WithMaxRetries(n int) Option {
	return func(c *config) { c.maxRetries = &n }
}

// WithTimeout bounds each HTTP request to Vault (60 s by default). A context deadline
// shorter than this wins.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithMount sets the mount path of the KV version 2 engine (DefaultMount when not given).
func WithMount(mount string) Option {
	return func(c *config) { c.mount = mount }
}

// WithPathTemplate sets where a set is stored under the mount. The template must contain
// {kind} (replaced by "cloudstack" or "vsphere") and {account} (the account name); the
// default is DefaultPathTemplate.
func WithPathTemplate(template string) Option {
	return func(c *config) { c.template = template }
}

// WithDefaultAccount sets the account name read for the zero credentials.Ref (DefaultAccount
// when not given).
func WithDefaultAccount(name string) Option {
	return func(c *config) { c.defaultAccount = name }
}

// WithLogger sets the logger for logins, renewals and fall-backs to the default account
// (slog.Default when not given). No token, secret id or credential is ever logged.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) { c.logger = logger }
}

// WithToken authenticates with a fixed Vault token. A renewable token is renewed on the call
// path before it expires. When Vault rejects it, there is nothing to log in again with: the
// call fails with fkerrors.Unauthenticated. Prefer WithTokenFile or WithAppRole in
// long-running processes.
func WithToken(token string) Option {
	return func(c *config) { c.setAuth(&tokenAuth{fixed: token}) }
}

// WithTokenFile authenticates with the token held in the file at path (as written by Vault
// Agent's file sink), read at first use and again whenever Vault rejects the token in use.
func WithTokenFile(path string) Option {
	return func(c *config) { c.setAuth(&tokenAuth{file: path}) }
}

// WithTokenEnv authenticates with the token held in the environment variable name, read at
// first use and again whenever Vault rejects the token in use.
func WithTokenEnv(name string) Option {
	return func(c *config) { c.setAuth(&tokenAuth{env: name}) }
}

// AppRole configures login with Vault's AppRole auth method. The role id comes from RoleID,
// RoleIDFile or RoleIDEnv (exactly one); the secret id from SecretIDFile or SecretIDEnv
// (exactly one), read at every login so that a rotated secret id is picked up without a
// restart. File contents are trimmed of surrounding white space.
type AppRole struct {
	// Mount is the AppRole auth mount path; DefaultAppRoleMount when empty.
	Mount string
	// RoleID is the role id itself.
	RoleID string
	// RoleIDFile is a file holding the role id.
	RoleIDFile string
	// RoleIDEnv is an environment variable holding the role id.
	RoleIDEnv string
	// SecretIDFile is a file holding the secret id.
	SecretIDFile string
	// SecretIDEnv is an environment variable holding the secret id.
	SecretIDEnv string
}

// WithAppRole authenticates by AppRole login. The token obtained is renewed on the call path
// while renewable and replaced by a new login when it expires or Vault rejects it.
func WithAppRole(role AppRole) Option {
	return func(c *config) { c.setAuth(&appRoleAuth{role: role}) }
}

func (c *config) setAuth(a authMethod) {
	c.auth = a
	c.authCount++
}
