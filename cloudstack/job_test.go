package cloudstack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jobServer answers every async command with job "j-1" and every poll with poll.
func jobServer(submit, poll string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := r.ParseForm(); err != nil {
			w.WriteHeader(400)
			return
		}
		if r.Form.Get("command") == "queryAsyncJobResult" {
			_, _ = w.Write([]byte(`{"queryasyncjobresultresponse":` + poll + `}`))
			return
		}
		_, _ = w.Write([]byte(`{"x":` + submit + `}`))
	}))
}

func TestJobAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		submit string
		poll   string
		want   error
		text   string
	}{
		{"failure as text", `{"jobid":"j-1"}`,
			`{"jobstatus":2,"jobresultcode":530,"jobresulttype":"text","jobresult":"Volume is in use"}`,
			fkerrors.Conflict, "Volume is in use"},
		{"failure object with cs code", `{"jobid":"j-1"}`,
			`{"jobstatus":2,"jobresultcode":530,"jobresulttype":"object","jobresult":{"errorcode":530,"cserrorcode":4250,"errortext":"Failed to stop"}}`,
			fkerrors.Internal, "Failed to stop"},
		{"no job id", `{}`, `{}`, fkerrors.Internal, "without a job id"},
		{"result without an object", `{"jobid":"j-1"}`, `{"jobstatus":1,"jobresult":{"success":true}}`, fkerrors.Internal, "holds no object"},
		{"garbled result", `{"jobid":"j-1"}`, `{"jobstatus":1,"jobresult":{"volume":{"deviceid":"one"}}}`, fkerrors.Unavailable, "cannot decode"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jobServer(tc.submit, tc.poll)
			defer srv.Close()
			c, err := New(fakeSet(t, srv.URL))
			require.NoError(t, err)
			_, err = c.AttachVolume(context.Background(), "v-1", "vm-1", 1)
			require.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.text)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "attachVolume", apiErr.Command)
		})
	}
}

func TestJobFailureKeepsCSCode(t *testing.T) {
	t.Parallel()
	srv := jobServer(`{"jobid":"j-1"}`,
		`{"jobstatus":2,"jobresultcode":530,"jobresult":{"errorcode":530,"cserrorcode":4250,"errortext":"VM is not in the right state"}}`)
	defer srv.Close()
	c, err := New(fakeSet(t, srv.URL))
	require.NoError(t, err)
	_, err = c.StartVM(context.Background(), "vm-1")
	require.ErrorIs(t, err, ErrJobFailed)
	require.ErrorIs(t, err, fkerrors.Conflict)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "j-1", apiErr.JobID)
	assert.Equal(t, 530, apiErr.ErrorCode)
	assert.Equal(t, 4250, apiErr.CSErrorCode)
	assert.Equal(t, "cloudstack: startVirtualMachine job j-1 failed: VM is not in the right state (error 530, cs 4250)"+
		"; fix: let the resource reach the state the command needs (stopped, detached, ...), then retry", err.Error())
}
