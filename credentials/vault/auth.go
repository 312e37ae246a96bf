package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// grant is the token the source currently uses and what Vault said about its lifetime.
type grant struct {
	token     string
	renewable bool
	// increment is the TTL asked for on renewal: the TTL the token was issued with.
	increment time.Duration
	// refreshAt is when the call path renews or replaces the token; zero means never.
	refreshAt time.Time
	// expires is when the token stops working; zero means it does not expire.
	expires time.Time
}

func newGrant(token string, ttl, increment time.Duration, renewable bool, now time.Time) grant {
	g := grant{token: token, renewable: renewable, increment: increment}
	if ttl > 0 {
		// Refresh once two thirds of the lifetime have passed, leaving a third as margin
		// for a slow or failed renewal.
		g.refreshAt = now.Add(ttl * 2 / 3)
		g.expires = now.Add(ttl)
	}
	return g
}

// authMethod obtains a token.
type authMethod interface {
	// check reports a configuration mistake, before any request.
	check() error
	// login returns a token and its lifetime.
	login(ctx context.Context, s *reader) (grant, error)
	// canRelogin reports whether another login may yield a token other than a rejected one.
	canRelogin() bool
	// describe names the method for logs and remedies; it never holds a secret.
	describe() string
	// rejectedRemedy says what to do when Vault rejects the method's token.
	rejectedRemedy() string
}

// tokenAuth uses a token given directly, in a file or in an environment variable.
type tokenAuth struct {
	fixed string
	file  string
	env   string
}

func (a *tokenAuth) check() error {
	if a.file == "" && a.env == "" && a.fixed == "" {
		return configError("the Vault token given is empty", "pass a token to WithToken, or use WithTokenFile, WithTokenEnv or WithAppRole")
	}
	return nil
}

func (a *tokenAuth) canRelogin() bool { return a.file != "" || a.env != "" }

func (a *tokenAuth) describe() string {
	switch {
	case a.file != "":
		return "token file " + a.file
	case a.env != "":
		return "token variable " + a.env
	default:
		return "token"
	}
}

func (a *tokenAuth) rejectedRemedy() string {
	switch {
	case a.file != "":
		return "write a valid token to " + a.file + " (is Vault Agent running and its sink current?)"
	case a.env != "":
		return "export a valid token in " + a.env + " (vault token create -policy=<policy>), or use AppRole"
	default:
		return "give the source a valid token (vault token create -policy=<policy>), or use AppRole so it can log in again by itself"
	}
}

func (a *tokenAuth) read() (string, error) {
	switch {
	case a.file != "":
		b, err := os.ReadFile(a.file)
		if err != nil {
			return "", authError("cannot read the Vault token file "+a.file, "create the file or fix its permissions", pathError(err))
		}
		return strings.TrimSpace(string(b)), nil
	case a.env != "":
		return strings.TrimSpace(os.Getenv(a.env)), nil
	default:
		return a.fixed, nil
	}
}

func (a *tokenAuth) login(ctx context.Context, s *reader) (grant, error) {
	token, err := a.read()
	if err != nil {
		return grant{}, err
	}
	if token == "" {
		return grant{}, authError("the "+a.describe()+" holds no token", a.rejectedRemedy(), nil)
	}
	// The token's lifetime is learnt once per token, so that a renewable one can be renewed
	// in time. A token that may not look itself up is used as it is; the read tells.
	info, status, err := s.lookupSelf(ctx, token)
	if err != nil {
		return grant{}, err
	}
	now := s.now()
	if status != http.StatusOK {
		return grant{token: token}, nil
	}
	s.logger.DebugContext(ctx, "vault: using token", "auth", a.describe(), "ttl", info.ttl, "renewable", info.renewable)
	return newGrant(token, info.ttl, info.creationTTL, info.renewable, now), nil
}

// appRoleAuth logs in with AppRole, reading the secret id anew at every login.
type appRoleAuth struct {
	role AppRole
}

func (a *appRoleAuth) mount() string {
	if m := strings.Trim(a.role.Mount, "/"); m != "" {
		return m
	}
	return DefaultAppRoleMount
}

func (a *appRoleAuth) check() error {
	r := a.role
	if count(r.RoleID, r.RoleIDFile, r.RoleIDEnv) != 1 {
		return configError("AppRole needs exactly one of RoleID, RoleIDFile, RoleIDEnv", "set one of them in vault.AppRole")
	}
	if count(r.SecretIDFile, r.SecretIDEnv) != 1 {
		return configError("AppRole needs exactly one of SecretIDFile, SecretIDEnv", "set one of them in vault.AppRole")
	}
	return nil
}

func count(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

func (a *appRoleAuth) canRelogin() bool { return true }

func (a *appRoleAuth) describe() string { return "approle mount " + a.mount() }

func (a *appRoleAuth) secretIDPlace() string {
	if a.role.SecretIDFile != "" {
		return "file " + a.role.SecretIDFile
	}
	return "variable " + a.role.SecretIDEnv
}

func (a *appRoleAuth) rejectedRemedy() string {
	return "check that the AppRole's token policies include default (for auth/token/lookup-self) and a read policy on the path, " +
		"and that its secret id in " + a.secretIDPlace() + " is current (vault write -f auth/" + a.mount() + "/role/<role>/secret-id)"
}

func readValue(what, value, file, env string) (string, error) {
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", authError("cannot read the AppRole "+what+" file "+file, "create the file or fix its permissions", pathError(err))
		}
		value = string(b)
	case env != "":
		value = os.Getenv(env)
	}
	value = strings.TrimSpace(value)
	if value == "" {
		place := "option"
		if file != "" {
			place = "file " + file
		} else if env != "" {
			place = "variable " + env
		}
		return "", authError("the AppRole "+what+" in "+place+" is empty", "write the "+what+" there", nil)
	}
	return value, nil
}

func (a *appRoleAuth) login(ctx context.Context, s *reader) (grant, error) {
	roleID, err := readValue("role id", a.role.RoleID, a.role.RoleIDFile, a.role.RoleIDEnv)
	if err != nil {
		return grant{}, err
	}
	secretID, err := readValue("secret id", "", a.role.SecretIDFile, a.role.SecretIDEnv)
	if err != nil {
		return grant{}, err
	}
	path := "auth/" + a.mount() + "/login"
	r, err := s.call(ctx, http.MethodPut, path, "", map[string]any{"role_id": roleID, "secret_id": secretID})
	if err != nil {
		return grant{}, err
	}
	switch {
	case r.status == http.StatusOK && r.secret != nil && r.secret.Auth != nil && r.secret.Auth.ClientToken != "":
	case r.status == http.StatusBadRequest || r.status == http.StatusForbidden || r.status == http.StatusUnauthorized:
		return grant{}, authError("Vault refused the AppRole login at "+path+" (role id or secret id invalid or expired)",
			"issue a new secret id (vault write -f auth/"+a.mount()+"/role/<role>/secret-id) and write it to "+a.secretIDPlace()+
				"; check the role id", nil)
	case r.status == http.StatusNotFound:
		return grant{}, authError("no AppRole auth method at auth/"+a.mount(),
			"enable it (vault auth enable -path="+a.mount()+" approle) or set AppRole.Mount", nil)
	default:
		return grant{}, s.unexpected(r, "AppRole login at "+path)
	}
	auth := r.secret.Auth
	ttl := time.Duration(auth.LeaseDuration) * time.Second
	s.logger.InfoContext(ctx, "vault: logged in", "auth", a.describe(), "ttl", ttl, "renewable", auth.Renewable)
	return newGrant(auth.ClientToken, ttl, ttl, auth.Renewable, s.now()), nil
}

// tokenInfo is what lookup-self says about a token; it holds no secret.
type tokenInfo struct {
	ttl         time.Duration
	creationTTL time.Duration
	renewable   bool
	policies    []string
}

// lookupSelf asks Vault about token. It returns the HTTP status, with info filled on 200; err
// is set only when Vault could not be asked or answered something unexpected.
func (s *reader) lookupSelf(ctx context.Context, token string) (tokenInfo, int, error) {
	r, err := s.call(ctx, http.MethodGet, "auth/token/lookup-self", token, nil)
	if err != nil {
		return tokenInfo{}, 0, err
	}
	switch r.status {
	case http.StatusOK:
	case http.StatusForbidden, http.StatusUnauthorized:
		return tokenInfo{}, r.status, nil
	default:
		return tokenInfo{}, r.status, s.unexpected(r, "token self-lookup")
	}
	var info tokenInfo
	if r.secret == nil {
		return info, r.status, nil
	}
	info.ttl = seconds(r.secret.Data["ttl"])
	info.creationTTL = seconds(r.secret.Data["creation_ttl"])
	if info.creationTTL == 0 {
		info.creationTTL = info.ttl
	}
	info.renewable, _ = r.secret.Data["renewable"].(bool)
	if ps, ok := r.secret.Data["policies"].([]any); ok {
		for _, p := range ps {
			if name, ok := p.(string); ok {
				info.policies = append(info.policies, name)
			}
		}
	}
	return info, r.status, nil
}

func seconds(v any) time.Duration {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		if err == nil {
			return time.Duration(i) * time.Second
		}
	case float64:
		return time.Duration(n) * time.Second
	}
	return 0
}

// token returns the token to use now: it logs in when there is none, and renews or replaces
// one whose refresh time has come. Only one goroutine refreshes at a time; the others wait
// for it, or for their context.
func (s *reader) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	g := s.grant
	s.mu.Unlock()
	if g.token != "" && !s.due(g) {
		return g.token, nil
	}
	select {
	case s.refreshing <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.refreshing }()

	s.mu.Lock()
	g = s.grant
	s.mu.Unlock()
	switch {
	case g.token == "":
		return s.login(ctx)
	case !s.due(g):
		return g.token, nil
	}

	if g.renewable {
		renewed, err := s.renew(ctx, g)
		if err == nil {
			s.setGrant(renewed)
			return renewed.token, nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		s.logger.WarnContext(ctx, "vault: token renewal failed", "auth", s.auth.describe(), "error", fkerrors.VisibleError(err))
	}
	if s.auth.canRelogin() {
		token, err := s.login(ctx)
		if err == nil {
			return token, nil
		}
		if ctx.Err() != nil || !s.now().Before(g.expires) {
			return "", err
		}
		s.logger.WarnContext(ctx, "vault: new login failed, using the current token until it expires",
			"auth", s.auth.describe(), "error", fkerrors.VisibleError(err))
	}
	// Nothing refreshed the token: use it while it lasts, and try again later rather than on
	// every call.
	g.refreshAt = s.now().Add(max(g.expires.Sub(s.now())/2, time.Second))
	if !s.now().Before(g.expires) {
		g.refreshAt = time.Time{}
	}
	s.setGrant(g)
	return g.token, nil
}

func (s *reader) due(g grant) bool {
	return !g.refreshAt.IsZero() && !s.now().Before(g.refreshAt)
}

func (s *reader) setGrant(g grant) {
	s.mu.Lock()
	s.grant = g
	s.mu.Unlock()
}

// login runs the auth method and keeps its token. The caller holds s.refreshing.
func (s *reader) login(ctx context.Context) (string, error) {
	g, err := s.auth.login(ctx, s)
	if err != nil {
		return "", err
	}
	s.setGrant(g)
	return g.token, nil
}

// renew extends g's token by its original TTL.
func (s *reader) renew(ctx context.Context, g grant) (grant, error) {
	body := map[string]any{}
	if g.increment > 0 {
		body["increment"] = int64(g.increment / time.Second)
	}
	r, err := s.call(ctx, http.MethodPut, "auth/token/renew-self", g.token, body)
	if err != nil {
		return grant{}, err
	}
	switch {
	case r.status == http.StatusForbidden:
		return grant{}, authError("Vault refused to renew the token: invalid or expired", s.auth.rejectedRemedy(), nil)
	case r.status != http.StatusOK || r.secret == nil || r.secret.Auth == nil:
		return grant{}, s.unexpected(r, "token renewal")
	}
	ttl := time.Duration(r.secret.Auth.LeaseDuration) * time.Second
	// A TTL shorter than asked for means the token's max TTL is near: renewing again would
	// not help, so the next refresh logs in anew (when the method can).
	renewable := r.secret.Auth.Renewable && ttl >= g.increment
	s.logger.DebugContext(ctx, "vault: renewed token", "auth", s.auth.describe(), "ttl", ttl, "renewable", renewable)
	return newGrant(g.token, ttl, g.increment, renewable, s.now()), nil
}

// forget drops token if it is still the one in use, so that the next call logs in.
func (s *reader) forget(token string) {
	s.mu.Lock()
	if s.grant.token == token {
		s.grant = grant{}
	}
	s.mu.Unlock()
}

// pathError keeps the operating system's reason without repeating the file name twice.
func pathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

func authError(problem, remedy string, err error) error {
	return &credentials.Error{Code: fkerrors.Unauthenticated, Source: sourceName,
		Problem: problem, Fix: remedy, Err: err}
}

func configError(problem, remedy string) error {
	return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
		Problem: "invalid Vault source configuration: " + problem, Fix: remedy}
}
