package cloudstack

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
)

// async sends an async command and waits for its job, decoding the job's result object into
// out (nil to ignore it). It returns the id CloudStack announced with the job ("" when none),
// also on error, so that a caller can clean up a resource whose creation it stopped waiting
// for.
//
// cloudstack-go's own waiting (GetAsyncJobResult) sleeps without looking at a context, so
// the job is polled here.
func (c *Client) async(ctx context.Context, command string, p *params, out any) (string, error) {
	return c.asyncAnnounced(ctx, command, p, out, nil)
}

// asyncAnnounced is async with a hook called with the id CloudStack announced for the
// resource the job creates, before the job is waited for.
func (c *Client) asyncAnnounced(ctx context.Context, command string, p *params, out any, announce func(id string)) (string, error) {
	var sub wire.Submitted
	if err := c.request(ctx, command, "", p, &sub); err != nil {
		return "", err
	}
	if announce != nil && sub.ID != "" {
		announce(sub.ID)
	}
	if sub.JobID == "" {
		return sub.ID, &APIError{Command: command, Text: "CloudStack answered without a job id", category: ErrInternal}
	}
	return sub.ID, c.wait(ctx, command, sub.JobID, out)
}

// wait polls the job until it ends, the context ends or the job timeout passes.
func (c *Client) wait(ctx context.Context, command, jobID string, out any) error {
	var deadline time.Time
	if c.jobTimeout > 0 {
		deadline = time.Now().Add(c.jobTimeout)
	}
	p := newParams("jobid", jobID)
	delay := c.pollFirst
	var timer *time.Timer
	for {
		var r wire.AsyncJob
		if err := c.request(ctx, command, jobID, p, &r); err != nil {
			return err
		}
		switch r.JobStatus {
		case wire.JobSucceeded:
			return decodeJobResult(command, jobID, r.JobResult, out)
		case wire.JobFailed:
			return c.jobError(command, jobID, r)
		}
		if !deadline.IsZero() && time.Now().Add(delay).After(deadline) {
			return &APIError{Command: command, JobID: jobID, category: ErrUnavailable,
				Text: "job still running after the job timeout of " + c.jobTimeout.String() + "; it goes on in CloudStack"}
		}
		if timer == nil {
			timer = time.NewTimer(delay)
			defer timer.Stop()
		} else {
			timer.Reset(delay)
		}
		select {
		case <-ctx.Done():
			return c.classifier.classify(ctx, command, jobID, ctx.Err())
		case <-timer.C:
		}
		delay *= 2
		if delay > c.pollMax {
			delay = c.pollMax
		}
	}
}

func (c *Client) jobError(command, jobID string, r wire.AsyncJob) error {
	e := &APIError{Command: command, JobID: jobID}
	var jf wire.Error
	if len(r.JobResult) > 0 && r.JobResult[0] == '{' && json.Unmarshal(r.JobResult, &jf) == nil {
		return c.classifier.jobFailed(e, jf)
	}
	// jobresulttype "text": the result is the error text itself.
	var text string
	if json.Unmarshal(r.JobResult, &text) != nil {
		text = string(r.JobResult)
	}
	return c.classifier.jobFailed(e, wire.Error{ErrorCode: r.JobResultCode, ErrorText: text})
}

// decodeJobResult decodes the one object inside a job result ({"volume": {...}}) into out.
func decodeJobResult(command, jobID string, raw json.RawMessage, out any) error {
	if out == nil || len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return &APIError{Command: command, JobID: jobID, category: ErrUnavailable, cause: err,
			Text: "cannot decode the job result: " + err.Error()}
	}
	for _, v := range m {
		if v = bytes.TrimSpace(v); len(v) > 0 && v[0] == '{' {
			if err := json.Unmarshal(v, out); err != nil {
				return &APIError{Command: command, JobID: jobID, category: ErrUnavailable, cause: err,
					Text: "cannot decode the job result: " + err.Error()}
			}
			return nil
		}
	}
	return &APIError{Command: command, JobID: jobID, category: ErrInternal,
		Text: "the job result holds no object"}
}
