package cloudstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// async sends an async command and waits for its job, decoding the job's result object into
// out (nil to ignore it). It returns the id CloudStack announced with the job ("" when none),
// also on error, so that a caller can clean up a resource whose creation it stopped waiting
// for.
//
// cloudstack-go's own waiting (GetAsyncJobResult) sleeps without looking at a context, so
// the job is polled here.
func (c *Client) async(ctx context.Context, command string, p *params, out any) (string, error) {
	var sub wire.Submitted
	if err := c.request(ctx, command, "", p, &sub); err != nil {
		return "", err
	}
	if sub.JobID == "" {
		return sub.ID, &APIError{Command: command, Text: "CloudStack answered without a job id", Code: fkerrors.Internal}
	}
	return sub.ID, c.wait(ctx, command, sub.JobID, out)
}

// wait polls the job until it ends, the context ends or the job timeout passes.
//
// Jobs of failover steps run for minutes (a snapshot of a large volume for hours), and a
// poll is a request like any other: the management server restarts, a proxy answers 502, a
// request times out. Such a failed poll (fkerrors.Unavailable, or fkerrors.Internal: CloudStack's 530)
// says nothing about the job, which goes on in CloudStack, so the wait goes on polling at
// its pace; it gives up only when polls have failed without a break for the poll failure
// window (WithPollFailureWindow). Any other failure - rejected keys, a job id CloudStack
// does not know - ends the wait at once.
func (c *Client) wait(ctx context.Context, command, jobID string, out any) error {
	var deadline time.Time
	if c.jobTimeout > 0 {
		deadline = time.Now().Add(c.jobTimeout)
	}
	p := newParams("jobid", jobID)
	delay := c.pollFirst
	var failingSince time.Time
	var timer *time.Timer
	for {
		var r wire.AsyncJob
		err := c.request(ctx, command, jobID, p, &r)
		switch {
		case err != nil && !transientPollFailure(err):
			return err
		case err != nil:
			if failingSince.IsZero() {
				failingSince = time.Now()
			}
			if time.Since(failingSince) >= c.pollFailureWindow {
				return pollsGaveUp(command, jobID, c.pollFailureWindow, err)
			}
			c.logger.LogAttrs(ctx, slog.LevelWarn, "cloudstack: a poll of a running job failed; polling on",
				slog.String("command", command), slog.String("job", jobID), slog.String("error", err.Error()),
				slog.String("credentials", c.meta.Describe()))
		default:
			failingSince = time.Time{}
			switch r.JobStatus {
			case wire.JobSucceeded:
				return decodeJobResult(command, jobID, r.JobResult, out)
			case wire.JobFailed:
				return c.jobError(command, jobID, r)
			}
		}
		sleep := delay
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return &APIError{Command: command, JobID: jobID, Code: fkerrors.Unavailable,
					Text: "job still running after the job timeout of " + c.jobTimeout.String() + "; it goes on in CloudStack"}
			}
			// The last poll falls on the deadline, not a full delay before it.
			sleep = min(sleep, left)
		}
		if timer == nil {
			timer = time.NewTimer(sleep)
			defer timer.Stop()
		} else {
			timer.Reset(sleep)
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

// transientPollFailure reports whether a failed poll may be retried: the server or the way
// to it failed, not the request.
func transientPollFailure(err error) bool {
	return errors.Is(err, fkerrors.Unavailable) || errors.Is(err, fkerrors.Internal)
}

// pollsGaveUp is the error of a wait whose polls kept failing: the job's outcome is unknown.
func pollsGaveUp(command, jobID string, window time.Duration, last error) error {
	e := &APIError{Command: command, JobID: jobID, Code: fkerrors.Unavailable,
		Text: "polls of the job failed for " + window.String() + " without a break, the last with: " + last.Error() +
			"; the job may still complete in CloudStack"}
	var apiErr *APIError
	if errors.As(last, &apiErr) {
		e.ErrorCode, e.CSErrorCode = apiErr.ErrorCode, apiErr.CSErrorCode
	}
	return e
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
		return &APIError{Command: command, JobID: jobID, Code: fkerrors.Unavailable, cause: err,
			Text: "cannot decode the job result: " + err.Error()}
	}
	for _, v := range m {
		if v = bytes.TrimSpace(v); len(v) > 0 && v[0] == '{' {
			if err := json.Unmarshal(v, out); err != nil {
				return &APIError{Command: command, JobID: jobID, Code: fkerrors.Unavailable, cause: err,
					Text: "cannot decode the job result: " + err.Error()}
			}
			return nil
		}
	}
	return &APIError{Command: command, JobID: jobID, Code: fkerrors.Internal,
		Text: "the job result holds no object"}
}
