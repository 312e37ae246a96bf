package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// apiServer is the API server's failover part, after the change: it holds the Engine, built
// once at start-up, and no credential and no CloudStack client. Each request is one
// operation, and the Engine fetches that operation's credentials when it starts.
type apiServer struct {
	engine *failover.Engine
	db     *gorm.DB // the appliance's database, for requests built from its tables
	logger *slog.Logger
}

// newAPIServer returns an apiServer running operations on engine.
func newAPIServer(engine *failover.Engine, db *gorm.DB, logger *slog.Logger) *apiServer {
	return &apiServer{engine: engine, db: db, logger: logger}
}

// handler routes the server's endpoints:
//
//	POST /failover/test              body: testRequest ({"context_id": ...} or the VM and volumes); answers the job
//	POST /failover/{job}/rollback    ?power_on_source=true powers the source VM back on
//	GET  /jobs/{job}                 the job record
//	GET  /health/credentials         ?cloudstack=NAME&vcenter=NAME (default sets when absent)
func (s *apiServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /failover/test", s.testFailover)
	mux.HandleFunc("POST /failover/{job}/rollback", s.rollback)
	mux.HandleFunc("GET /jobs/{job}", s.job)
	mux.HandleFunc("GET /health/credentials", s.healthCredentials)
	return mux
}

// testRequest is the API's own request body; the handler maps it onto failover.Request.
// ContextID alone names a VM the appliance replicates: the request is built from its rows
// (appliance.RequestFor). Otherwise empty account names select the default sets (the
// active CloudStack config, the default vCenter set).
type testRequest struct {
	ContextID         string            `json:"context_id,omitempty"`
	VMPath            string            `json:"vm_path,omitempty"`
	CloudStackAccount string            `json:"cloudstack_account,omitempty"`
	VCenterAccount    string            `json:"vcenter_account,omitempty"`
	Volumes           []failover.Volume `json:"volumes"`
}

func (s *apiServer) testFailover(w http.ResponseWriter, r *http.Request) {
	var body testRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "the body is not a test failover request: " + err.Error()})
		return
	}
	req := failover.Request{
		VM:         vsphere.ByPath(body.VMPath),
		CloudStack: accountRef(body.CloudStackAccount),
		VCenter:    accountRef(body.VCenterAccount),
		Volumes:    body.Volumes,
	}
	if body.ContextID != "" {
		var err error
		if req, err = appliance.RequestFor(r.Context(), s.db, body.ContextID, failover.KindTestFailover); err != nil {
			s.answer(w, nil, err)
			return
		}
	}
	job, err := s.engine.TestFailover(r.Context(), req)
	s.answer(w, job, err)
}

func (s *apiServer) rollback(w http.ResponseWriter, r *http.Request) {
	var opts []failover.RollbackOption
	if r.URL.Query().Get("power_on_source") == "true" {
		opts = append(opts, failover.PowerOnSource())
	}
	job, err := s.engine.Rollback(r.Context(), r.PathValue("job"), opts...)
	s.answer(w, job, err)
}

func (s *apiServer) job(w http.ResponseWriter, r *http.Request) {
	job, err := s.engine.Job(r.Context(), r.PathValue("job"))
	s.answer(w, job, err)
}

// healthCredentials logs in with each set - what the GUI's "test connectivity" button and a
// load balancer's health probe call - and answers 503 when any set does not work.
func (s *apiServer) healthCredentials(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	checks, err := s.engine.CheckCredentials(r.Context(),
		[]credentials.Ref{accountRef(q.Get("cloudstack"))}, []credentials.Ref{accountRef(q.Get("vcenter"))})
	if err != nil {
		s.answer(w, nil, err)
		return
	}
	status := http.StatusOK
	for _, c := range checks {
		if !c.OK {
			status = http.StatusServiceUnavailable
		}
	}
	writeJSON(w, status, checks)
}

// errorBody is the answer to a request that failed before or without a job.
type errorBody struct {
	Error  string        `json:"error"`
	Remedy string        `json:"remedy,omitempty"`
	Job    *failover.Job `json:"job,omitempty"`
}

// answer writes the job, or the error with its remedy and the job as far as it got. The
// status follows the error's category, so that clients need not parse messages.
func (s *apiServer) answer(w http.ResponseWriter, job *failover.Job, err error) {
	if err == nil {
		writeJSON(w, http.StatusOK, job)
		return
	}
	s.logger.Warn("embed: operation failed", "error", err)
	writeJSON(w, statusOf(err), errorBody{Error: err.Error(), Remedy: fkerrors.Remedy(err), Job: job})
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, failover.ErrJobNotFound), errors.Is(err, appliance.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, failover.ErrInvalidRequest):
		return http.StatusBadRequest
	case errors.Is(err, failover.ErrBusy), errors.Is(err, failover.ErrJobState):
		return http.StatusConflict
	case errors.Is(err, failover.ErrClosed), errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable
	default:
		// Preflight, credential and cloud errors: the request was fine, the world was not.
		return http.StatusUnprocessableEntity
	}
}

func accountRef(name string) credentials.Ref {
	if name == "" {
		return credentials.Ref{}
	}
	return credentials.Account(name)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
