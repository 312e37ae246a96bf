package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// APIPath is the path the simulator serves the API on, as a real management server does.
const APIPath = "/client/api"

// Simulator is an in-process CloudStack API server listening on 127.0.0.1. Create it with
// New and stop it with Close. All methods are safe for concurrent use.
type Simulator struct {
	srv          *httptest.Server
	logger       *slog.Logger
	clock        func() time.Time
	pendingPolls int
	// runningVMSnapshots allows snapshots of volumes of running KVM VMs.
	runningVMSnapshots bool
	maxDataVolumes     int
	// misconfigured holds the options New could not apply; every call then fails with it.
	misconfigured error
	latency       atomic.Int64
	inFlight      atomic.Int64
	closed        chan struct{}
	closeOnce     sync.Once

	// mu guards everything below: the state model, the job table and the call log.
	mu               sync.Mutex
	idSeq            uint64
	accounts         map[string]*account // by name
	byKey            map[string]*account // by current API key
	zones            map[string]*Zone
	serviceOfferings map[string]*cloudstack.ServiceOffering
	diskOfferings    map[string]*cloudstack.DiskOffering
	templates        map[string]*Template
	networks         map[string]*Network
	vms              map[string]*VM
	volumes          map[string]*Volume
	snapshots        map[string]*Snapshot
	jobs             map[string]*job
	pending          []*job // jobs still running, in submission order
	jobTimes         map[string]JobDuration
	// vmWorkQueue is WithVMWorkQueue; vmQueues holds, per VM, when the last job in its
	// work queue ends.
	vmWorkQueue bool
	vmQueues    map[string]time.Time
	// Creation-ordered views of the growing tables, so lists need no sorting.
	vmOrder       []*VM
	volumeOrder   []*Volume
	snapshotOrder []*Snapshot
	jobOrder      []*job
	ipSeq         map[string]int // per network, for deterministic addresses
	calls         []Call

	faults faultTable
}

// New starts a simulator on a loopback port. It holds no accounts and no resources until
// AddAccount, Seed or the Add methods create them.
func New(opts ...Option) *Simulator {
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.clock == nil {
		cfg.clock = time.Now
	}
	if cfg.maxDataVolumes == 0 {
		cfg.maxDataVolumes = defaultMaxDataVolumes
	}
	s := &Simulator{
		logger:             cfg.logger,
		clock:              cfg.clock,
		pendingPolls:       cfg.pendingPolls,
		runningVMSnapshots: cfg.runningVMSnapshots,
		maxDataVolumes:     cfg.maxDataVolumes,
		closed:             make(chan struct{}),
		accounts:           map[string]*account{},
		byKey:              map[string]*account{},
		zones:              map[string]*Zone{},
		serviceOfferings:   map[string]*cloudstack.ServiceOffering{},
		diskOfferings:      map[string]*cloudstack.DiskOffering{},
		templates:          map[string]*Template{},
		networks:           map[string]*Network{},
		vms:                map[string]*VM{},
		volumes:            map[string]*Volume{},
		snapshots:          map[string]*Snapshot{},
		jobs:               map[string]*job{},
		jobTimes:           map[string]JobDuration{},
		ipSeq:              map[string]int{},
		vmWorkQueue:        cfg.vmWorkQueue,
		vmQueues:           map[string]time.Time{},
	}
	s.latency.Store(int64(cfg.latency))
	var errs []error
	for _, jt := range cfg.jobTimes {
		if err := checkJobDuration(jt.command, jt.d); err != nil {
			errs = append(errs, err)
			continue
		}
		s.jobTimes[jt.command] = jt.d
	}
	if s.misconfigured = errors.Join(errs...); s.misconfigured != nil {
		s.logger.Error("cloudstack simulator misconfigured: every call fails", slog.String("error", s.misconfigured.Error()))
	}
	// httptest.NewServer binds 127.0.0.1 (or [::1] when IPv4 is unavailable): never a
	// routable address.
	s.srv = httptest.NewServer(s)
	return s
}

// URL returns the API endpoint, e.g. http://127.0.0.1:PORT/client/api, ready to pass to
// cloudstack.NewAsyncClient.
func (s *Simulator) URL() string { return s.srv.URL + APIPath }

// Addr returns the listener's host:port.
func (s *Simulator) Addr() net.Addr { return s.srv.Listener.Addr() }

// HTTPClient returns an *http.Client configured for the simulator's listener.
func (s *Simulator) HTTPClient() *http.Client { return s.srv.Client() }

// Close ends calls held by the latency option and shuts the server down. It is safe to call
// more than once.
func (s *Simulator) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.srv.Close()
	})
}

// SetLatency changes the per-call latency (see WithLatency) at run time.
func (s *Simulator) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// InFlight returns how many API requests are being served right now, including those held
// by the latency option. Tests use it to act while a call is in progress.
func (s *Simulator) InFlight() int { return int(s.inFlight.Load()) }

// wait holds a call for the configured latency; false means the caller went away or the
// simulator closed first.
func (s *Simulator) wait(ctx context.Context) bool {
	d := time.Duration(s.latency.Load())
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closed:
		return false
	}
}

// ServeHTTP implements http.Handler, so the simulator can also be mounted on a caller's own
// server; New already serves it on a loopback listener.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != APIPath {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	call := Call{Method: r.Method, Time: s.clock()}
	// ParseForm merges the query string and a form body, as the servlet container does.
	r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
	parseErr := r.ParseForm()
	params := r.Form
	call.Command = params.Get("command")
	call.APIKey = firstFold(params, "apikey")
	call.Params = withoutSignature(params)
	if !s.wait(r.Context()) {
		call.Canceled = true
		call.ErrorText = "request canceled before the simulated latency elapsed"
		s.mu.Lock()
		s.recordLocked(&call)
		s.logCall(&call)
		s.mu.Unlock()
		return
	}
	if parseErr != nil {
		e := newAPIError(CodeMalformedParameter, "unable to parse request parameters")
		call.HTTPStatus, call.ErrorCode, call.ErrorText = e.code, e.code, e.text
		s.mu.Lock()
		s.recordLocked(&call)
		s.logCall(&call)
		s.mu.Unlock()
		writeJSON(w, e.code, errorEnvelope(call.Command, e))
		return
	}

	status, body := s.handle(&call, params)
	writeJSON(w, status, body)
}

// handle authenticates, applies faults and runs the command; it returns the HTTP status and
// the response body.
func (s *Simulator) handle(call *Call, params url.Values) (int, []byte) {
	s.mu.Lock()
	acct, authErr := s.authenticateLocked(params)
	permitted := true
	if acct != nil {
		call.Account = acct.name
		permitted = acct.may(call.Command)
	}
	s.mu.Unlock()

	var e *apiError
	cmd, known := commands[call.Command]
	switch {
	case s.misconfigured != nil:
		e = newAPIError(CodeInternalError, "%s", s.misconfigured.Error())
	case authErr != nil:
		e = authErr
	case !known || !permitted:
		e = newAPIError(CodeUnsupportedAction, TextUnknownCommand)
	}
	var fault *Fault
	if e == nil {
		// Predicates run outside s.mu so they may inspect the simulator.
		fault = s.faults.match(*call)
		if fault != nil && (!fault.Async || !cmd.async()) {
			e = fault.apiError(call.Command)
			call.Faulted = true
			fault = nil
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked()
	if e != nil {
		call.HTTPStatus, call.ErrorCode, call.ErrorText = e.code, e.code, e.text
		s.recordLocked(call)
		s.logCall(call)
		return e.code, errorEnvelope(call.Command, e)
	}
	req := newRequest(call.Command, params, acct)
	var (
		body any
		err  = processParams(req)
	)
	switch {
	case err != nil:
	case cmd.async():
		body, err = s.submitLocked(cmd, req, call, fault)
	default:
		body, err = cmd.sync(s, req)
	}
	if err != nil {
		call.HTTPStatus, call.ErrorCode, call.ErrorText = err.code, err.code, err.text
		s.recordLocked(call)
		s.logCall(call)
		return err.code, errorEnvelope(call.Command, err)
	}
	call.HTTPStatus = http.StatusOK
	s.recordLocked(call)
	s.logCall(call)
	return http.StatusOK, envelope(call.Command, body)
}

func (s *Simulator) logCall(c *Call) {
	// The API key identifies the test account; the secret and signature are never logged.
	s.logger.Debug("cloudstack simulator call",
		slog.Int("seq", c.Seq), slog.String("command", c.Command), slog.String("account", c.Account),
		slog.Int("status", c.HTTPStatus), slog.Int("errorcode", c.ErrorCode), slog.String("jobid", c.JobID))
}

func envelope(command string, body any) []byte {
	b, err := json.Marshal(map[string]any{lower(command) + "response": body})
	if err != nil {
		// Bodies are built from plain structs and maps; failing here is a simulator bug.
		panic("simulator: encoding response: " + err.Error())
	}
	return b
}

// errorEnvelope wraps an error as ApiServer.getSerializedApiError does: under the command's
// response name, or "errorresponse" when the command is missing or unknown.
func errorEnvelope(command string, e *apiError) []byte {
	name := "error"
	if _, known := commands[command]; known {
		name = lower(command)
	}
	b, _ := json.Marshal(map[string]wire.Error{name + "response": {UUIDList: []string{}, ErrorCode: e.code, CSErrorCode: e.csCode, ErrorText: e.text}})
	return b
}

// successBody is the answer of a command that returns no object.
func successBody() wire.Success {
	ok := wire.Bool(true)
	return wire.Success{Success: &ok}
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func firstFold(v url.Values, name string) string {
	if x, ok := v[name]; ok && len(x) > 0 {
		return x[0]
	}
	for k, x := range v {
		if len(x) > 0 && equalFold(k, name) {
			return x[0]
		}
	}
	return ""
}

func equalFold(a, b string) bool { return lower(a) == lower(b) }

func withoutSignature(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, x := range v {
		if equalFold(k, "signature") {
			continue
		}
		out[k] = append([]string(nil), x...)
	}
	return out
}
