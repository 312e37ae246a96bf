package simulator

import (
	"encoding/json"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// command is one API command. Exactly one of sync and submit is set.
type command struct {
	sync   func(s *Simulator, r *request) (any, *apiError)
	submit func(s *Simulator, r *request) (*jobPlan, *apiError)
}

func (c command) async() bool { return c.submit != nil }

// jobPlan is what an async command does after its synchronous checks passed. CloudStack
// validates parameters (and, for create commands, creates the record) before it answers
// with a job id; the rest runs in the job, where failures become jobstatus 2.
type jobPlan struct {
	createdID    string // returned as "id" next to "jobid" by create commands
	sizeBytes    int64  // the volume the job works on, for per-GB job durations
	instanceType string
	instanceID   string
	// begin runs when the job starts: rule checks and transitional states.
	begin func() *apiError
	// finish runs when the job completes and returns the result's key and object.
	finish func() (string, any)
}

type job struct {
	Job
	accountID string
	created   time.Time
	completed time.Time
	polls     int // pending polls left
	finish    func() (string, any)
	result    json.RawMessage
	// callIndex is the submitting call's index in s.calls; updateCallLocked checks the job
	// id there, so a ResetCalls in between is harmless.
	callIndex int
}

func (j *job) public() Job { return j.Job }

// submitLocked starts an async command's job. A fault with Async set fails the job without
// running the command.
func (s *Simulator) submitLocked(cmd command, r *request, call *Call, fault *Fault) (any, *apiError) {
	j := &job{
		Job:       Job{ID: s.nextID(), Command: r.command, Account: r.account.name},
		accountID: r.account.id,
		created:   s.clock(),
		callIndex: -1,
	}
	body := wire.Submitted{JobID: j.ID}
	call.JobID = j.ID
	if fault != nil {
		call.Faulted = true
		s.failJobLocked(j, fault.apiError(r.command))
	} else {
		plan, err := cmd.submit(s, r)
		if err != nil {
			call.JobID = ""
			return nil, err
		}
		body.ID = plan.createdID
		j.InstanceType, j.InstanceID, j.finish = plan.instanceType, plan.instanceID, plan.finish
		if plan.begin != nil {
			if err := plan.begin(); err != nil {
				s.failJobLocked(j, err)
			}
		}
		if j.Status == 0 {
			if s.pendingPolls == 0 {
				s.completeJobLocked(j)
			} else {
				j.polls = s.pendingPolls
			}
		}
	}
	s.jobs[j.ID] = j
	s.jobOrder = append(s.jobOrder, j)
	call.JobStatus = j.Status
	if j.Status == 2 {
		call.ErrorCode, call.ErrorText = j.ErrorCode, j.ErrorText
	}
	// The call is recorded after this returns; remember where it will land.
	j.callIndex = len(s.calls)
	return body, nil
}

func (s *Simulator) failJobLocked(j *job, e *apiError) {
	j.Status, j.ErrorCode, j.ErrorText = 2, e.code, e.text
	j.completed = s.clock()
	// ApiAsyncJobDispatcher sets no cserrorcode in a failed job's result.
	b, _ := json.Marshal(wire.Error{UUIDList: []string{}, ErrorCode: e.code, ErrorText: e.text})
	j.result = b
}

func (s *Simulator) completeJobLocked(j *job) {
	j.Status = 1
	j.completed = s.clock()
	if j.finish == nil {
		j.result, _ = json.Marshal(successBody())
		return
	}
	key, obj := j.finish()
	var b []byte
	if key == "" {
		b, _ = json.Marshal(obj)
	} else {
		b, _ = json.Marshal(map[string]any{key: obj})
	}
	j.result = b
}

// updateCallLocked copies a job's late outcome into the call that submitted it.
func (s *Simulator) updateCallLocked(j *job) {
	if j.callIndex < 0 || j.callIndex >= len(s.calls) || s.calls[j.callIndex].JobID != j.ID {
		return
	}
	c := &s.calls[j.callIndex]
	c.JobStatus = j.Status
	if j.Status == 2 {
		c.ErrorCode, c.ErrorText = j.ErrorCode, j.ErrorText
	}
}

func (s *Simulator) queryAsyncJobResult(r *request) (any, *apiError) {
	id, err := r.require("jobid")
	if err != nil {
		return nil, err
	}
	j, ok := s.jobs[id]
	if !ok {
		return nil, invalidID(r.command, "jobid", id)
	}
	if j.Status == 0 {
		if j.polls > 0 {
			j.polls--
		} else {
			s.completeJobLocked(j)
			s.updateCallLocked(j)
		}
	}
	return s.jobJSON(j), nil
}

func (s *Simulator) jobJSON(j *job) wire.AsyncJob {
	out := wire.AsyncJob{
		JobID:           j.ID,
		AccountID:       j.accountID,
		UserID:          j.accountID,
		Cmd:             "org.apache.cloudstack.api.command." + j.Command,
		JobStatus:       j.Status,
		Created:         csTime(j.created),
		JobInstanceType: j.InstanceType,
		JobInstanceID:   j.InstanceID,
	}
	if j.Status != wire.JobPending {
		out.Completed = csTime(j.completed)
		out.JobResultType = "object"
		out.JobResult = j.result
	}
	if j.Status == wire.JobFailed {
		out.JobResultCode = j.ErrorCode
	}
	return out
}

// csTime formats a time as CloudStack does (yyyy-MM-dd'T'HH:mm:ssZ).
func csTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-0700") }
