package cloudstack

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Transport holds the HTTP connection pools every Client built with it shares: one for
// credential sets that verify TLS certificates and a separate one for sets that skip
// verification, so that a connection opened without verification is never reused by a set
// that asked for it. A Transport holds no credentials; keys live in each Client.
//
// The zero Transport is ready to use, with NewTransport's defaults. Clients built without
// WithTransport share a package-level Transport. A Transport is safe for concurrent use.
type Transport struct {
	base        *http.Transport
	idlePerHost int

	once     sync.Once
	verified *http.Transport
	insecure *http.Transport
}

// TransportOption configures a Transport.
type TransportOption func(*Transport)

// WithBaseTransport makes the Transport clone base (proxy, dialer, root CAs, pool sizes)
// instead of its defaults. base itself is not used or modified.
func WithBaseTransport(base *http.Transport) TransportOption {
	return func(t *Transport) {
		if base != nil {
			t.base = base
		}
	}
}

// WithIdleConnsPerHost keeps up to n idle connections per CloudStack endpoint (default 32).
// A caller running more operations at once than that should raise it, or connections beyond
// it are closed after each request and dialled again for the next.
func WithIdleConnsPerHost(n int) TransportOption {
	return func(t *Transport) { t.idlePerHost = n }
}

// NewTransport returns a Transport. By default it uses proxy settings from the environment,
// a 30 s dial timeout and a pool of up to 32 idle connections per host.
func NewTransport(opts ...TransportOption) *Transport {
	t := &Transport{}
	for _, o := range opts {
		o(t)
	}
	return t
}

func defaultBase() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

var defaultTransport = NewTransport()

func (t *Transport) init() {
	t.once.Do(func() {
		if t.base == nil {
			t.base = defaultBase()
		}
		t.verified = t.base.Clone()
		if t.idlePerHost > 0 {
			t.verified.MaxIdleConnsPerHost = t.idlePerHost
			t.verified.MaxIdleConns = max(t.verified.MaxIdleConns, t.idlePerHost)
		}
		t.insecure = t.verified.Clone()
		cfg := &tls.Config{}
		if t.base.TLSClientConfig != nil {
			cfg = t.base.TLSClientConfig.Clone()
		}
		cfg.InsecureSkipVerify = true //nolint:gosec // only for sets that ask for it; logged by New
		t.insecure.TLSClientConfig = cfg
	})
}

// roundTripper returns the pool for a credential set's verification setting.
func (t *Transport) roundTripper(insecureSkipVerify bool) http.RoundTripper {
	t.init()
	if insecureSkipVerify {
		return t.insecure
	}
	return t.verified
}

// CloseIdleConnections closes idle connections in both pools.
func (t *Transport) CloseIdleConnections() {
	t.init()
	t.verified.CloseIdleConnections()
	t.insecure.CloseIdleConnections()
}

// boundTransport gives cloudstack-go's requests, which carry no context, the context of the
// call in progress. Each one serves one call at a time (see Client.acquire).
type boundTransport struct {
	base http.RoundTripper
	ctx  context.Context
}

func (b *boundTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx := b.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	resp, err := b.base.RoundTrip(r.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	return checkAnswer(resp)
}

// checkAnswer lets CloudStack's JSON answers through and turns anything else into a
// statusError, because cloudstack-go would fail to decode it and lose the HTTP status.
func checkAnswer(resp *http.Response) (*http.Response, error) {
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode == http.StatusOK && !strings.Contains(ct, "html") {
		return resp, nil
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Body.Close()
		location := "another address"
		if u, err := resp.Location(); err == nil {
			location = redactURL(u.String())
		}
		return nil, &redirectError{location: location}
	}
	// Error answers are small; read them to see whether they are CloudStack error documents.
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(body)
	if resp.StatusCode != http.StatusOK && len(trimmed) > 0 && trimmed[0] == '{' {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	mediaType := ct
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		mediaType = ct[:i]
	}
	return nil, &statusError{code: resp.StatusCode, contentType: mediaType}
}

// noCookies keeps cloudstack-go from keeping session cookies: requests are signed with keys,
// and nothing one call receives should ride along on another.
type noCookies struct{}

func (noCookies) SetCookies(*url.URL, []*http.Cookie) {}
func (noCookies) Cookies(*url.URL) []*http.Cookie     { return nil }

// redirectError stops a redirect: following one turns a signed POST into a GET without its
// parameters, so the request would fail in a confusing way at the new location.
type redirectError struct {
	location string
}

func (e *redirectError) Error() string {
	return "the API URL redirects to " + e.location
}
