package cloudstack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func fakeKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "fake-" + hex.EncodeToString(b)
}

// fakeSet is a credential set for url with keys made up for the test.
func fakeSet(t *testing.T, url string) credentials.CloudStack {
	set := credentials.CloudStack{
		APIURL:    url,
		APIKey:    credentials.NewSecret(fakeKey(t)),
		SecretKey: credentials.NewSecret(fakeKey(t)),
	}
	set.Meta = credentials.Meta{Origin: credentials.Origin{Source: "static", Account: "test", Location: t.Name()}, Version: set.ContentVersion(), Fingerprint: set.SecretKey.Fingerprint(), FetchedAt: time.Now()}
	return set
}

// answer serves one canned answer for every request.
func answer(status int, contentType, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

func TestHTTPAnswersThatAreNotCloudStack(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		h     http.Handler
		want  error
		code  int
		field credentials.Field
	}{
		{"proxy 502 page", answer(502, "text/html", "<html>Bad Gateway</html>"), fkerrors.Unavailable, 502, ""},
		{"web server 404", answer(404, "text/html; charset=utf-8", "<html>no such page</html>"), fkerrors.Invalid, 404, credentials.FieldAPIURL},
		{"login page 200", answer(200, "text/html", "<html>login</html>"), fkerrors.Invalid, 200, credentials.FieldAPIURL},
		{"503 plain text", answer(503, "text/plain", "maintenance"), fkerrors.Unavailable, 503, ""},
		{"CloudStack 431 document", answer(431, "application/json",
			`{"listzonesresponse":{"uuidList":[],"errorcode":431,"cserrorcode":4350,"errortext":"Unable to execute API command listzones due to missing parameter x"}}`),
			fkerrors.Invalid, 431, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			c, err := New(fakeSet(t, srv.URL+"/client/api"))
			require.NoError(t, err)
			_, err = c.zoneID(context.Background(), "zone-by-name")
			require.ErrorIs(t, err, tc.want)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.code, apiErr.ErrorCode)
			var ce *credentials.Error
			if tc.field != "" {
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tc.field, ce.Field)
				assert.Contains(t, ce.Fix, "api_url")
			}
		})
	}
}

func TestRequestTimeoutIsUnavailable(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := New(fakeSet(t, srv.URL), WithRequestTimeout(50*time.Millisecond))
	require.NoError(t, err)
	_, err = c.GetVM(context.Background(), "vm-1")
	require.ErrorIs(t, err, fkerrors.Unavailable)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "request timeout")
}

func TestNewRejectsUnusableSets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(*credentials.CloudStack)
		want  error
		field credentials.Field
	}{
		{"no URL", func(s *credentials.CloudStack) { s.APIURL = "" }, fkerrors.Incomplete, credentials.FieldAPIURL},
		{"no secret", func(s *credentials.CloudStack) { s.SecretKey = credentials.Secret{} }, fkerrors.Incomplete, credentials.FieldSecretKey},
		{"relative URL", func(s *credentials.CloudStack) { s.APIURL = "cloud/client/api" }, fkerrors.Invalid, credentials.FieldAPIURL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			set := fakeSet(t, "https://cloud.invalid/client/api")
			tc.edit(&set)
			_, err := New(set)
			require.ErrorIs(t, err, tc.want)
			var ce *credentials.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
			assert.Contains(t, ce.Fix, set.Origin.String())
			assert.NotContains(t, err.Error(), set.APIKey.Reveal())
		})
	}
}

func TestSkippedVerificationIsLoggedAndPooledApart(t *testing.T) {
	t.Parallel()
	srv := quietTLSServer(answer(200, "application/json",
		`{"listzonesresponse":{"count":1,"zone":[{"id":"z-1","name":"zone-one"}]}}`))
	defer srv.Close()
	tr := NewTransport()
	defer tr.CloseIdleConnections()

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))

	verified := fakeSet(t, srv.URL)
	c, err := New(verified, WithTransport(tr), WithLogger(logger))
	require.NoError(t, err)
	_, err = c.zoneID(context.Background(), "zone-one")
	require.ErrorIs(t, err, fkerrors.Invalid, "a self-signed certificate must fail verification")
	assert.NotErrorIs(t, err, fkerrors.Unavailable, "retrying will not help")
	var ce *credentials.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, credentials.FieldAPIURL, ce.Field)
	assert.Contains(t, ce.Fix, "insecure_skip_verify")
	assert.Contains(t, err.Error(), "certificate")
	assert.Empty(t, logs.String())

	insecure := fakeSet(t, srv.URL)
	insecure.InsecureSkipVerify = true
	c, err = New(insecure, WithTransport(tr), WithLogger(logger))
	require.NoError(t, err)
	id, err := c.zoneID(context.Background(), "zone-one")
	require.NoError(t, err)
	assert.Equal(t, "z-1", id)
	assert.Contains(t, logs.String(), "TLS certificate verification is off")
	assert.Contains(t, logs.String(), insecure.Origin.String())
	assert.Contains(t, logs.String(), insecure.Version)
	assert.NotContains(t, logs.String(), insecure.SecretKey.Reveal())

	// The verified set still fails after the insecure pool holds a connection to the server.
	c, err = New(verified, WithTransport(tr), WithLogger(logger))
	require.NoError(t, err)
	_, err = c.zoneID(context.Background(), "zone-one")
	require.ErrorIs(t, err, fkerrors.Invalid)
}

func TestTransportWithPrivateCA(t *testing.T) {
	t.Parallel()
	srv := quietTLSServer(answer(200, "application/json",
		`{"listzonesresponse":{"count":1,"zone":[{"id":"z-1","name":"zone-one"}]}}`))
	defer srv.Close()
	// The test server's client trusts its certificate, as a base carrying a private CA would.
	tr := NewTransport(WithBaseTransport(srv.Client().Transport.(*http.Transport)))
	defer tr.CloseIdleConnections()
	c, err := New(fakeSet(t, srv.URL), WithTransport(tr))
	require.NoError(t, err)
	id, err := c.zoneID(context.Background(), "zone-one")
	require.NoError(t, err)
	assert.Equal(t, "z-1", id)

	var zero Transport
	c, err = New(fakeSet(t, srv.URL), WithTransport(&zero))
	require.NoError(t, err)
	_, err = c.zoneID(context.Background(), "zone-one")
	require.ErrorIs(t, err, fkerrors.Invalid, "the zero Transport verifies against the system roots")
}

func TestDebugLogNamesSetNotKeys(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(answer(401, "application/json",
		`{"listzonesresponse":{"errorcode":401,"errortext":"unable to verify user credentials and/or request signature"}}`))
	defer srv.Close()
	var logs bytes.Buffer
	set := fakeSet(t, srv.URL)
	c, err := New(set, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	_, err = c.zoneID(context.Background(), "zone-one")
	require.ErrorIs(t, err, fkerrors.Unauthenticated)
	assert.Contains(t, logs.String(), "command=listZones")
	assert.Contains(t, logs.String(), set.Version)
	assert.Contains(t, logs.String(), "error=")
	assert.NotContains(t, logs.String(), set.APIKey.Reveal())
	assert.NotContains(t, logs.String(), set.SecretKey.Reveal())
}

func TestRedirectIsAWrongURL(t *testing.T) {
	t.Parallel()
	target := httptest.NewServer(answer(200, "application/json", `{"listzonesresponse":{}}`))
	defer target.Close()
	srv := httptest.NewServer(http.RedirectHandler(target.URL+"/client/api", http.StatusMovedPermanently))
	defer srv.Close()
	c, err := New(fakeSet(t, srv.URL+"/client/api"))
	require.NoError(t, err)
	_, err = c.zoneID(context.Background(), "zone-one")
	require.ErrorIs(t, err, fkerrors.Invalid)
	var ce *credentials.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, credentials.FieldAPIURL, ce.Field)
	assert.Contains(t, ce.Fix, target.URL+"/client/api")
}

// quietTLSServer is an httptest TLS server that does not log the handshakes the tests make
// fail on purpose.
func quietTLSServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}

func TestClientPrintsNoKeys(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(answer(200, "application/json", `{"listzonesresponse":{}}`))
	defer srv.Close()
	set := fakeSet(t, srv.URL)
	c, err := New(set)
	require.NoError(t, err)
	_, _ = c.zoneID(context.Background(), "warm-the-pool")
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("client", "client", c)
	outs := []string{logs.String(), fmt.Sprintf("%#v", c.keys)}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outs = append(outs, fmt.Sprintf(format, c))
	}
	for _, out := range outs {
		assert.NotContains(t, out, set.APIKey.Reveal())
		assert.NotContains(t, out, set.SecretKey.Reveal())
	}
	assert.Contains(t, fmt.Sprint(c), set.Meta.Describe())
	assert.Contains(t, logs.String(), set.Version)
}
