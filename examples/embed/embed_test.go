package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/failover"
)

func TestSelfCheck(t *testing.T) {
	t.Parallel()
	var out, errs bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-selfcheck"}, &out, &errs), "stderr: %s", errs.String())
	for _, want := range []string{
		"health: cloudstack default ok as database account cloud",
		"health: vsphere default ok as database account vcenter",
		"test failover: succeeded",
		"cloudstack fingerprint changed: true",
		"rollback: rolled_back, cleanup completed",
		"health: cloudstack default failing; fix: activate one",
		"selfcheck passed",
	} {
		assert.Contains(t, out.String(), want)
	}
}

func TestSelfCheckRefusesADatabase(t *testing.T) {
	t.Parallel()
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"-selfcheck", "-dsn", "user@tcp(db.example.invalid)/oma"}, &out, &errs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "drop -dsn")
}

// newTestServer serves the handler over the offline setup.
func newTestServer(t *testing.T) (*httptest.Server, *offline) {
	t.Helper()
	ctx := context.Background()
	o, err := startOffline(ctx)
	require.NoError(t, err)
	t.Cleanup(o.close)
	log := slog.New(slog.DiscardHandler)
	engine, err := newEngine(ctx, o.db, o.key, log,
		failover.WithCloudStackOptions(cloudstack.WithPollInterval(time.Millisecond, 10*time.Millisecond)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = engine.Close(ctx) })
	srv := httptest.NewServer(newAPIServer(engine, o.db, log).handler())
	t.Cleanup(srv.Close)
	return srv, o
}

func TestHandlerErrors(t *testing.T) {
	t.Parallel()
	srv, o := newTestServer(t)
	missingAccount := o.testRequest()
	missingAccount.CloudStackAccount = "dr-site"
	body := func(v any) string {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		return string(data)
	}
	tests := map[string]struct {
		method, path, body string
		status             int
		remedy             string // a part of the remedy the answer must carry
	}{
		"body is not JSON":        {"POST", "/failover/test", "{", http.StatusBadRequest, ""},
		"no volumes":              {"POST", "/failover/test", body(testRequest{VMPath: o.testRequest().VMPath}), http.StatusBadRequest, ""},
		"named account missing":   {"POST", "/failover/test", body(missingAccount), http.StatusUnprocessableEntity, "Ref.OrDefault"},
		"unknown job":             {"GET", "/jobs/20250101-000000000000", "", http.StatusNotFound, ""},
		"rollback of unknown job": {"POST", "/failover/20250101-000000000000/rollback", "", http.StatusNotFound, ""},
		"health of missing set":   {"GET", "/health/credentials?vcenter=nosuchset", "", http.StatusServiceUnavailable, "vmware_credentials"},
		"unknown replication context": {"POST", "/failover/test", body(testRequest{ContextID: "ctx-none"}), http.StatusNotFound,
			"add the VM to replication"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer func() { _ = resp.Body.Close() }()
			var got bytes.Buffer
			_, err = got.ReadFrom(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode, "answer: %s", got.String())
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			if tc.remedy != "" {
				assert.Contains(t, got.String(), tc.remedy)
			}
		})
	}
}
