package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hashicorp/vault/api"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// reply is Vault's answer to one request: its status, its body when it had one, and the
// error strings it gave.
type reply struct {
	status int
	secret *api.Secret
	errors []string
}

// call sends one request with token ("" for none): a GET, or a write (PUT) of body as JSON.
// It returns an error only when there is no answer to map (Vault unreachable, the context
// ended, the source closed); every HTTP status comes back in the reply for the caller to map.
func (s *reader) call(ctx context.Context, method, path, token string, body any) (reply, error) {
	if s.closed.Load() {
		return reply{}, closedError()
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// The token travels per request rather than on the shared client, so concurrent calls
	// never see a half-switched token.
	client := s.client.WithRequestCallbacks(func(r *api.Request) { r.ClientToken = token })
	var resp *api.Response
	var err error
	if method == http.MethodGet {
		resp, err = client.Logical().ReadRawWithContext(rctx, path)
	} else {
		var payload []byte
		if payload, err = json.Marshal(body); err != nil {
			return reply{}, err
		}
		resp, err = client.Logical().WriteRawWithContext(rctx, path, payload)
	}
	if resp != nil {
		defer func() {
			_ = resp.Body.Close()
			// A call that outlived Close must not leave its connection in the pool.
			if s.closed.Load() {
				s.httpClient.CloseIdleConnections()
			}
		}()
	}
	var re *api.ResponseError
	if (err != nil && !errors.As(err, &re)) || resp == nil {
		if ctx.Err() != nil {
			return reply{}, ctx.Err()
		}
		return reply{}, &credentials.Error{Code: fkerrors.Unavailable, Source: sourceName,
			Problem: "cannot reach Vault at " + s.address, Err: err,
			Fix: "check that Vault is running and reachable at " + s.address + " (vault status) and the address and TLS settings"}
	}
	r := reply{status: resp.StatusCode}
	if re != nil {
		r.errors = re.Errors
	}
	secret, perr := api.ParseSecret(resp.Body)
	switch {
	case perr == nil:
		r.secret = secret
	case r.status < 300:
		if ctx.Err() != nil {
			return reply{}, ctx.Err()
		}
		return reply{}, &credentials.Error{Code: fkerrors.Unavailable, Source: sourceName,
			Problem: "cannot parse Vault's answer to " + path, Err: perr,
			Fix: "check that " + s.address + " is a Vault server and nothing in between rewrites its answers"}
	}
	return r, nil
}

// unexpected maps an answer no caller expected: a sealed or failing Vault is unavailable,
// anything else is a configuration the source cannot work with.
func (s *reader) unexpected(r reply, what string) error {
	var cause error
	if len(r.errors) > 0 {
		cause = errors.New(strings.Join(r.errors, "; "))
	}
	sealed := false
	for _, e := range r.errors {
		if strings.Contains(strings.ToLower(e), "sealed") {
			sealed = true
		}
	}
	switch {
	case sealed:
		return &credentials.Error{Code: fkerrors.Unavailable, Source: sourceName,
			Problem: "Vault at " + s.address + " is sealed", Err: cause,
			Fix: "unseal Vault (vault operator unseal) and retry"}
	case r.status >= 500 || r.status == http.StatusTooManyRequests || r.status == http.StatusPreconditionFailed:
		return &credentials.Error{Code: fkerrors.Unavailable, Source: sourceName,
			Problem: fmt.Sprintf("Vault at %s answered %d to the %s", s.address, r.status, what), Err: cause,
			Fix: "check Vault's health (vault status) and its logs, then retry"}
	default:
		return &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: fmt.Sprintf("Vault at %s answered %d to the %s", s.address, r.status, what), Err: cause,
			Fix: "check the address, namespace, mount and path template the source is configured with"}
	}
}

func closedError() error {
	return &credentials.Error{Code: fkerrors.Unavailable, Source: sourceName,
		Problem: "the Vault source is closed", Fix: "build a new source with vault.New"}
}

// entry is one credential set's secret in Vault: where it is and, once read, what it holds.
type entry struct {
	s       *reader
	kind    credentials.Kind
	account string
	// path is the secret's path under the mount, as `vault kv` commands take it.
	path      string
	data      map[string]any
	kvVersion int64
}

// read fetches the latest version of the secret holding the kind of set that ref selects. A
// token rejected as invalid or expired is replaced by one new login (when the auth method
// can log in again) and the read retried once.
func (s *reader) read(ctx context.Context, kind credentials.Kind, ref credentials.Ref) (*entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	account := ref.Name
	if account == "" {
		account = ref.ID
	}
	if account == "" {
		account = s.defaultAccount
	}
	e := &entry{s: s, kind: kind, account: account}
	if s.closed.Load() {
		return nil, e.annotate(closedError())
	}
	if err := checkAccount(account); err != nil {
		return nil, e.fail(fkerrors.Invalid, "", "the account name is not usable as a Vault path element: "+err.Error(),
			"name accounts with letters, digits and . - _ @ only", nil)
	}
	e.path = strings.NewReplacer("{kind}", string(kind), "{account}", account).Replace(s.template)

	var rejected string
	for {
		token, err := s.token(ctx)
		if err != nil {
			return nil, e.annotate(err)
		}
		if rejected != "" && token == rejected {
			return nil, e.unauthenticated()
		}
		r, err := s.call(ctx, http.MethodGet, e.dataPath(), token, nil)
		if err != nil {
			return nil, e.annotate(err)
		}
		switch r.status {
		case http.StatusOK:
			if err := e.parse(r); err != nil {
				return nil, err
			}
			return e, nil
		case http.StatusNotFound:
			return nil, e.notFound(r)
		case http.StatusForbidden, http.StatusUnauthorized:
			// Told apart below.
		default:
			return nil, e.annotate(s.unexpected(r, "read of "+e.dataPath()))
		}

		// 403: the token is dead, or alive without read on the path. Its self-lookup tells.
		info, status, err := s.lookupSelf(ctx, token)
		if err != nil {
			return nil, e.annotate(err)
		}
		if status == http.StatusOK {
			return nil, e.permission(info.policies)
		}
		s.forget(token)
		if rejected != "" || !s.auth.canRelogin() {
			return nil, e.unauthenticated()
		}
		rejected = token
		s.logger.WarnContext(ctx, "vault: token invalid or expired, logging in again",
			"auth", s.auth.describe(), "kind", string(kind), "account", fkerrors.Visible(account))
	}
}

func (e *entry) dataPath() string { return e.s.mount + "/data/" + e.path }

func (e *entry) fail(category fkerrors.Code, field credentials.Field, problem, remedy string, cause error) error {
	return &credentials.Error{Code: category, Source: sourceName, Kind: e.kind, Account: e.account,
		Field: field, Problem: problem, Fix: remedy, Err: cause}
}

// annotate adds the kind and account to an error from the session or transport layer.
func (e *entry) annotate(err error) error {
	var ce *credentials.Error
	if !errors.As(err, &ce) {
		return err
	}
	c := *ce
	if c.Kind == "" {
		c.Kind = e.kind
	}
	if c.Account == "" {
		c.Account = e.account
	}
	return &c
}

// putCommand is the `vault kv put` that writes this set with its required keys.
func (e *entry) putCommand() string {
	var b strings.Builder
	b.WriteString("vault kv put -mount=" + e.s.mount + " " + e.path)
	for _, k := range keysOf(e.kind) {
		if k.required {
			b.WriteString(" " + k.name + "=<" + k.name + ">")
		}
	}
	return b.String()
}

func (e *entry) notFound(r reply) error {
	for _, msg := range r.errors {
		if strings.Contains(msg, "no handler for route") {
			return e.fail(fkerrors.NotFound, "", "no secrets engine is mounted at "+e.s.mount,
				"enable KV version 2 there (vault secrets enable -path="+e.s.mount+" kv-v2) or set the mount with vault.WithMount", nil)
		}
	}
	if meta := e.metadata(r.secret); meta != nil {
		if err := e.deleted(meta); err != nil {
			return err
		}
	}
	remedy := "write it: " + e.putCommand()
	if e.account == e.s.defaultAccount {
		remedy += " (the default set is the account named " + e.s.defaultAccount + ")"
	}
	return e.fail(fkerrors.NotFound, "", "no secret at "+e.dataPath(), remedy, nil)
}

// deleted returns ErrNotFound when meta says the latest version is deleted or destroyed.
func (e *entry) deleted(meta map[string]any) error {
	version, _ := meta["version"].(json.Number)
	destroyed, _ := meta["destroyed"].(bool)
	deletedAt, _ := meta["deletion_time"].(string)
	switch {
	case destroyed:
		return e.fail(fkerrors.NotFound, "", "the latest version ("+version.String()+") at "+e.dataPath()+" is destroyed",
			"write a new version: "+e.putCommand(), nil)
	case deletedAt != "":
		return e.fail(fkerrors.NotFound, "", "the latest version ("+version.String()+") at "+e.dataPath()+" was deleted at "+deletedAt,
			"restore it (vault kv undelete -mount="+e.s.mount+" -versions="+version.String()+" "+e.path+") or write a new version: "+e.putCommand(), nil)
	}
	return nil
}

func (e *entry) metadata(secret *api.Secret) map[string]any {
	if secret == nil || secret.Data == nil {
		return nil
	}
	meta, _ := secret.Data["metadata"].(map[string]any)
	return meta
}

func (e *entry) parse(r reply) error {
	meta := e.metadata(r.secret)
	if meta == nil {
		return e.fail(fkerrors.Invalid, "", "the answer at "+e.dataPath()+" has no KV version 2 metadata",
			"make "+e.s.mount+" a KV version 2 engine (vault kv enable-versioning "+e.s.mount+"/) or point vault.WithMount at one", nil)
	}
	if err := e.deleted(meta); err != nil {
		return err
	}
	data, _ := r.secret.Data["data"].(map[string]any)
	if data == nil {
		return e.fail(fkerrors.NotFound, "", "the latest version at "+e.dataPath()+" holds no data", "write it: "+e.putCommand(), nil)
	}
	n, _ := meta["version"].(json.Number)
	v, err := n.Int64()
	if err != nil || v <= 0 {
		return e.fail(fkerrors.Invalid, "", "the answer at "+e.dataPath()+" has no version number",
			"check that "+e.s.mount+" is a KV version 2 engine", nil)
	}
	e.data, e.kvVersion = data, v
	return nil
}

func (e *entry) version() string { return strconv.FormatInt(e.kvVersion, 10) }

func (e *entry) origin() credentials.Origin {
	return credentials.Origin{Source: sourceName, Account: e.account,
		Location: "mount " + e.s.mount + " path " + e.path + " version " + e.version()}
}

func (e *entry) permission(policies []string) error {
	return e.fail(fkerrors.Permission, "",
		fmt.Sprintf("the token (%s, policies %s) lacks read on %s", e.s.auth.describe(), strings.Join(policies, ", "), e.dataPath()),
		`add to one of its policies: path "`+e.dataPath()+`" { capabilities = ["read"] } (vault policy write <policy> <file>)`, nil)
}

func (e *entry) unauthenticated() error {
	return e.fail(fkerrors.Unauthenticated, "",
		"Vault rejected the token ("+e.s.auth.describe()+") as invalid or expired", "log in again: "+e.s.auth.rejectedRemedy(), nil)
}
