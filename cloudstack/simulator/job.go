package simulator

import (
	"encoding/json"
	"fmt"
	"slices"
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

// JobDuration is how long the jobs of one async command take: Base, plus PerGB for each
// GiB of the volume the job works on. PerGB applies to createSnapshot and revertSnapshot,
// whose time grows with the volume; other jobs take Base. While a job runs,
// queryAsyncJobResult answers jobstatus 0 and its VM shows Starting or Stopping, as a
// snapshot shows Creating; once the time has passed (by the simulator's clock, see
// WithClock) the next request or State sees it done. Jobs do not wait for each other,
// unless WithVMWorkQueue queues those on one VM.
type JobDuration struct {
	Base  time.Duration
	PerGB time.Duration
}

// of is the duration of a job on a volume of size bytes.
func (d JobDuration) of(size int64) time.Duration {
	return d.Base + time.Duration(float64(d.PerGB)*float64(size)/(1<<30))
}

// perGBCommands are the commands whose jobs work on a volume of known size.
var perGBCommands = []string{"createSnapshot", "revertSnapshot"}

// SetJobDuration sets how long the jobs of an async command take from now on (jobs already
// running keep theirs); the zero JobDuration makes them complete at once again. It returns
// an error matching ErrInvalidOption for a command that starts no job (see AsyncCommands),
// a negative duration, or PerGB for a command other than createSnapshot and revertSnapshot.
func (s *Simulator) SetJobDuration(command string, d JobDuration) error {
	if err := checkJobDuration(command, d); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobTimes[command] = d
	return nil
}

func checkJobDuration(command string, d JobDuration) error {
	switch {
	case !slices.Contains(AsyncCommands(), command):
		return fmt.Errorf("%w: job duration for %q: it is not an async command; use one of %v", ErrInvalidOption, command, AsyncCommands())
	case d.Base < 0 || d.PerGB < 0:
		return fmt.Errorf("%w: job duration for %s: %v + %v per GB is negative; use durations of 0 or more", ErrInvalidOption, command, d.Base, d.PerGB)
	case d.PerGB != 0 && !slices.Contains(perGBCommands, command):
		return fmt.Errorf("%w: job duration for %s: a per-GB duration applies only to %v; set Base alone", ErrInvalidOption, command, perGBCommands)
	}
	return nil
}

type job struct {
	Job
	accountID string
	created   time.Time
	completed time.Time
	// due is when the job's work is done (see JobDuration); polls is how many more polls
	// see it pending (WithPendingPolls). It completes once both have run out.
	due    time.Time
	polls  int
	finish func() (string, any)
	result json.RawMessage
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
		queue := s.vmQueueLocked(r, plan)
		if plan.begin != nil {
			if err := plan.begin(); err != nil {
				s.failJobLocked(j, err)
			}
		}
		if j.Status == wire.JobPending {
			d := s.jobTimes[r.command].of(plan.sizeBytes)
			start := s.queueStartLocked(queue, j.created)
			if d == 0 && s.pendingPolls == 0 && start.Equal(j.created) {
				s.completeJobLocked(j)
			} else {
				j.due, j.polls = start.Add(d), s.pendingPolls
				s.pending = append(s.pending, j)
			}
			s.occupyQueueLocked(queue, start.Add(d))
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
	// A job whose time has come was completed before this request ran (settleLocked);
	// this poll may still be one WithPendingPolls holds back.
	if j.Status == wire.JobPending && j.polls > 0 {
		j.polls--
	}
	return s.jobJSON(j), nil
}

// settleLocked completes, in the order they come due, the pending jobs whose work is done
// and whose pending polls are used up. It runs before every request and every look at the
// state, so a job ends when its time has passed, whoever looks first; no job holds the
// lock while it runs, so jobs of different volumes run side by side.
func (s *Simulator) settleLocked() {
	if len(s.pending) == 0 {
		return
	}
	now := s.clock()
	var due []*job
	kept := s.pending[:0]
	for _, j := range s.pending {
		switch {
		case j.Status != wire.JobPending:
		case j.polls == 0 && !now.Before(j.due):
			due = append(due, j)
		default:
			kept = append(kept, j)
		}
	}
	clear(s.pending[len(kept):])
	s.pending = kept
	slices.SortStableFunc(due, func(a, b *job) int { return a.due.Compare(b.due) })
	for _, j := range due {
		s.completeJobLocked(j)
		s.updateCallLocked(j)
	}
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
