package vsphere

import (
	"context"
	"net/url"
	"strings"

	"github.com/vmware/govmomi/vim25"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Client runs operations against one vCenter with one credential set. Get one from
// Pool.Client at the start of an operation and drop it at the end; it holds no session of its
// own (the Pool does), so there is nothing to close. A Client is safe for concurrent use.
type Client struct {
	pool     *Pool
	creds    credentials.VSphere
	endpoint *url.URL
	host     string
	key      sessionKey
}

// Client checks creds, makes sure a session for them exists (logging in if none does) and
// returns a Client that uses it. A rejected login is a *credentials.Error with category
// fkerrors.Unauthenticated whose remedy names the set's origin and version; a set that
// fails its own Check is a *credentials.Error too (ErrIncomplete or ErrInvalid).
func (p *Pool) Client(ctx context.Context, creds credentials.VSphere) (*Client, error) {
	endpoint, err := endpointOf(&creds)
	if err != nil {
		return nil, err
	}
	c := &Client{pool: p, creds: creds, endpoint: endpoint, host: endpoint.Host}
	c.key = p.keyFor(endpoint, &creds)
	s, _, _, err := p.acquire(ctx, c)
	if err != nil {
		return nil, err
	}
	p.release(ctx, s)
	return c, nil
}

// Credentials describes the credential set the Client uses, fit for a log line.
func (c *Client) Credentials() credentials.Meta { return c.creds.Meta }

// Host returns the vCenter endpoint host (host or host:port).
func (c *Client) Host() string { return c.host }

// endpointOf checks creds and turns its host into the SDK URL.
func endpointOf(creds *credentials.VSphere) (*url.URL, error) {
	invalid := func(cat fkerrors.Code, field credentials.Field, problem, remedy string) error {
		return &credentials.Error{
			Code:    cat,
			Source:  "vsphere",
			Kind:    credentials.KindVSphere,
			Account: creds.Origin.Account,
			Field:   field,
			Problem: problem,
			Fix:     remedy + " in credential set " + creds.Describe(),
		}
	}
	if p := creds.Check(); p != nil {
		return nil, invalid(p.Code, p.Field, p.Reason, "set "+string(p.Field))
	}
	raw := creds.Host
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, invalid(fkerrors.Invalid, credentials.FieldHost, "host is not a URL", "set host to a host name, host:port or https URL")
		}
		if u.User != nil {
			return nil, invalid(fkerrors.Invalid, credentials.FieldHost,
				"host URL carries user information",
				"remove the user part from host and keep the user name and password in their own fields")
		}
	}
	u, err := url.Parse(httpsDefault(raw))
	if err != nil || u.Host == "" {
		return nil, invalid(fkerrors.Invalid, credentials.FieldHost, "host is not a host name, host:port or URL", "set host to a host name, host:port or https URL")
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	if u.Path == "" {
		u.Path = vim25.Path
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

func httpsDefault(host string) string {
	if strings.Contains(host, "://") {
		return host
	}
	return "https://" + host
}

// op is one attempt of an operation on a live session.
type op func(ctx context.Context, vc *vim25.Client, s *pooled) error

// do runs fn on the pooled session. When vCenter says the session is no longer valid, it
// logs in again (once, shared with concurrent operations) and retries fn once.
func (c *Client) do(ctx context.Context, name, vm string, fn op) error {
	s, vc, gen, err := c.pool.acquire(ctx, c)
	if err != nil {
		return err
	}
	defer c.pool.release(ctx, s)
	err = fn(ctx, vc, s)
	if isNotAuthenticated(err) && ctx.Err() == nil {
		vc, _, err = c.pool.relogin(ctx, c, s, gen)
		if err != nil {
			return err
		}
		err = fn(ctx, vc, s)
	}
	return c.classify(ctx, name, vm, err)
}
