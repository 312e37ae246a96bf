package cloudstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	cs "github.com/apache/cloudstack-go/v2/cloudstack"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Client runs CloudStack operations with one credential set. Build one per operation from
// the set the operation fetched, and drop it when the operation ends: it keeps the keys for
// its lifetime and never fetches new ones. Building one is cheap; the HTTP connection pools
// live in a Transport that Clients share.
//
// A Client is safe for concurrent use.
type Client struct {
	meta     credentials.Meta
	apiURL   string
	keys     *keyPair
	defaults Defaults

	transport         *Transport
	rt                http.RoundTripper
	logger            *slog.Logger
	requestTimeout    time.Duration
	pollFirst         time.Duration
	pollMax           time.Duration
	pollFailureWindow time.Duration
	jobTimeout        time.Duration
	classifier        classifier

	// instances holds cloudstack-go clients, each bound to one call at a time, so that every
	// call carries its own context although cloudstack-go's requests take none.
	instances sync.Pool
}

// keyPair sits behind a pointer, and its fields are exported, because fmt does not call a
// Secret's formatting methods on an unexported field: printed any way, it shows no key.
type keyPair struct {
	APIKey    credentials.Secret
	SecretKey credentials.Secret
}

// Defaults are the settings stored beside a credential set that operations fall back on.
type Defaults struct {
	// Zone is the zone name or id new resources go to.
	Zone string
	// ApplianceVMID is the appliance VM the replicated volumes are attached to.
	ApplianceVMID string
	// TemplateID, NetworkID, ServiceOfferingID and DiskOfferingID are defaults for DeployVM.
	TemplateID        string
	NetworkID         string
	ServiceOfferingID string
	DiskOfferingID    string
}

// Option configures a Client.
type Option func(*Client)

// WithTransport makes the Client use t's connection pools instead of the package-level ones.
// An integrator that wants its own proxy, root CAs or pool lifetime builds one Transport and
// passes it to every New.
func WithTransport(t *Transport) Option {
	return func(c *Client) {
		if t != nil {
			c.transport = t
		}
	}
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithRequestTimeout bounds each HTTP request (default 60 s). The caller's context bounds the
// whole call, including async job waits.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.requestTimeout = d
		}
	}
}

// WithPollInterval sets how async jobs are polled: the first poll is immediate, the next after
// first, then the delay doubles up to max (defaults 1 s and 10 s).
func WithPollInterval(first, max time.Duration) Option {
	return func(c *Client) {
		if first > 0 {
			c.pollFirst = first
		}
		if max > 0 {
			c.pollMax = max
		}
	}
}

// WithPollFailureWindow sets how long the polls of a running async job may fail without a
// break before the wait gives up (default 5 minutes). A poll that fails with fkerrors.Unavailable
// or fkerrors.Internal - a management server restarting, a proxy's 502, a request timeout - does
// not end the wait, because the job goes on in CloudStack; the error after the window
// matches fkerrors.Unavailable and says the job may still complete.
func WithPollFailureWindow(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.pollFailureWindow = d
		}
	}
}

// WithJobTimeout bounds how long one async job is waited for; a job still running then gives
// fkerrors.Unavailable (the job itself goes on in CloudStack). Default: no bound but the context's,
// because snapshots of large volumes can take hours.
func WithJobTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.jobTimeout = d
		}
	}
}

// New returns a Client for the credential set creds. It checks the set (URL, keys) and
// returns a *credentials.Error (fkerrors.Incomplete or fkerrors.Invalid) naming the
// field and the set's origin when it cannot be used. It makes no request.
//
// A set with InsecureSkipVerify is logged as a warning, with its origin and version, every
// time a Client is built from it.
func New(creds credentials.CloudStack, opts ...Option) (*Client, error) {
	if p := creds.Check(); p != nil {
		return nil, &credentials.Error{
			Code:    p.Code,
			Source:  "cloudstack",
			Kind:    credentials.KindCloudStack,
			Account: creds.Origin.Account,
			Field:   p.Field,
			Problem: p.Reason,
			Fix:     "fix " + string(p.Field) + " of " + creds.Meta.Describe() + " at " + creds.Origin.String(),
		}
	}
	c := &Client{
		meta:   creds.Meta,
		apiURL: creds.APIURL,
		keys:   &keyPair{APIKey: creds.APIKey, SecretKey: creds.SecretKey},
		defaults: Defaults{
			Zone:              creds.Zone,
			ApplianceVMID:     creds.ApplianceVMID,
			TemplateID:        creds.TemplateID,
			NetworkID:         creds.NetworkID,
			ServiceOfferingID: creds.ServiceOfferingID,
			DiskOfferingID:    creds.DiskOfferingID,
		},
		transport:         defaultTransport,
		logger:            slog.Default(),
		requestTimeout:    60 * time.Second,
		pollFirst:         time.Second,
		pollMax:           10 * time.Second,
		pollFailureWindow: 5 * time.Minute,
		classifier:        classifier{meta: creds.Meta},
	}
	for _, o := range opts {
		o(c)
	}
	if c.pollMax < c.pollFirst {
		c.pollMax = c.pollFirst
	}
	c.rt = c.transport.roundTripper(creds.InsecureSkipVerify)
	if creds.InsecureSkipVerify {
		c.logger.Warn("cloudstack: TLS certificate verification is off for this credential set",
			slog.String("credentials", creds.Meta.Describe()),
			slog.String("origin", creds.Origin.String()))
	}
	c.instances.New = c.newInstance
	return c, nil
}

// Credentials describes the credential set the Client uses: origin, version, fingerprint.
func (c *Client) Credentials() credentials.Meta { return c.meta }

// Defaults returns the settings stored beside the credential set.
func (c *Client) Defaults() Defaults { return c.defaults }

// String describes the Client by its API URL and credential set, never its keys.
func (c *Client) String() string {
	return "cloudstack.Client(" + c.apiURL + ", " + c.meta.Describe() + ")"
}

// Format prints String for every verb, so that no verb or flag shows the Client's fields.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue implements slog.LogValuer with the API URL and the credential set's description.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("api_url", c.apiURL), slog.String("credentials", c.meta.Describe()))
}

// instance is a cloudstack-go client with its own bound transport.
type instance struct {
	custom *cs.CustomService
	bound  *boundTransport
}

func (c *Client) newInstance() any {
	bound := &boundTransport{base: c.rt}
	hc := &http.Client{Transport: bound, Jar: noCookies{}}
	api := cs.NewClient(c.apiURL, c.keys.APIKey.Reveal(), c.keys.SecretKey.Reveal(), true, cs.WithHTTPClient(hc))
	// CustomService signs and sends any command; the typed services would decode into
	// cloudstack-go's structs, some of which decode twice, and wait for jobs without a context.
	return &instance{custom: api.Custom.(*cs.CustomService), bound: bound}
}

// params holds a command's parameters.
type params = cs.CustomServiceParams

// paramSetter is what builds a command's parameters: *params, or values when they are
// wanted before sending (DeployParams).
type paramSetter interface {
	SetParam(key string, v interface{})
}

// values collects parameters as url.Values, leaving empty ones out as newParams does.
type values url.Values

func (v values) SetParam(key string, x interface{}) {
	if s := fmt.Sprint(x); s != "" {
		url.Values(v).Set(key, s)
	}
}

func newParams(kv ...string) *params {
	p := &params{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			p.SetParam(kv[i], kv[i+1])
		}
	}
	return p
}

// request sends one command and decodes the inner response object into out. Every request
// goes through here, so every error is classified once, here. At debug level each request is
// logged with its outcome and the credential set's description.
func (c *Client) request(ctx context.Context, command, jobID string, p *params, out any) error {
	if !c.logger.Enabled(ctx, slog.LevelDebug) {
		return c.send(ctx, command, jobID, p, out)
	}
	start := time.Now()
	err := c.send(ctx, command, jobID, p, out)
	attrs := []slog.Attr{slog.String("command", command), slog.Duration("took", time.Since(start)),
		slog.String("credentials", c.meta.Describe())}
	if jobID != "" {
		attrs = append(attrs, slog.String("job", jobID))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "cloudstack: request", attrs...)
	return err
}

func (c *Client) send(ctx context.Context, command, jobID string, p *params, out any) error {
	if err := ctx.Err(); err != nil {
		return c.classifier.classify(ctx, command, jobID, err)
	}
	callCtx, cancel := context.WithTimeout(ctx, c.requestTimeout)
	defer cancel()

	inst := c.instances.Get().(*instance)
	inst.bound.ctx = callCtx
	apiCommand := command
	if jobID != "" {
		apiCommand = "queryAsyncJobResult"
	}
	if out == nil {
		out = new(json.RawMessage)
	}
	err := inst.custom.CustomRequest(apiCommand, p, out)
	inst.bound.ctx = nil
	c.instances.Put(inst)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil && errors.Is(callCtx.Err(), context.DeadlineExceeded) {
		return &APIError{Command: command, JobID: jobID, Code: fkerrors.Unavailable, cause: context.DeadlineExceeded,
			Text: "no answer within the request timeout of " + c.requestTimeout.String()}
	}
	return c.classifier.classify(ctx, command, jobID, err)
}
