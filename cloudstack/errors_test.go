package cloudstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func testMeta() credentials.Meta {
	return credentials.Meta{
		Origin:      credentials.Origin{Source: "memory", Account: "ops-east", Location: "test table"},
		Version:     "v7",
		Fingerprint: "sha256:0123456789ab",
	}
}

// csErr renders an error exactly as cloudstack-go v2.19.0 does (CSError.Error).
func csErr(code, csCode int, text string) error {
	return fmt.Errorf("CloudStack API error %d (CSExceptionErrorCode: %d): %s", code, csCode, text)
}

func TestClassifyCloudStackAnswers(t *testing.T) {
	t.Parallel()
	cl := classifier{meta: testMeta()}
	cases := []struct {
		name     string
		err      error
		want     fkerrors.Code
		code     int
		csCode   int
		jobFail  bool
		credsErr bool
	}{
		{"401 bad signature", csErr(401, 0, "unable to verify user credentials and/or request signature"),
			fkerrors.Unauthenticated, 401, 0, false, true},
		{"432 command not available", csErr(432, 9999, "The given command does not exist or it is not available for user"),
			fkerrors.Unauthenticated, 432, 9999, false, true},
		{"431 entity does not exist", csErr(431, 4350, "Unable to execute API command listvirtualmachines due to invalid value. Invalid parameter id value=42 due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class."),
			fkerrors.NotFound, 431, 4350, false, false},
		{"431 unable to find", csErr(431, 4350, "Unable to find volume with ID: 9"), fkerrors.NotFound, 431, 4350, false, false},
		{"431 attach attached", csErr(431, 4350, "Please specify a volume that is not attached to any VM."),
			fkerrors.Conflict, 431, 4350, false, false},
		{"530 device id range", csErr(530, 4250, "deviceId should be 1,2,4-15"), fkerrors.Invalid, 530, 4250, false, false},
		{"530 device taken", csErr(530, 4250, "deviceId 0 is used by VM test-vm"), fkerrors.Conflict, 530, 4250, false, false},
		{"530 snapshot busy", csErr(530, 4250, "Snapshot 5e is being created; try again later"), fkerrors.Conflict, 530, 4250, false, false},
		{"431 revert running", csErr(431, 4350, "The VM the specified disk is attached to is not in the shutdown state."), fkerrors.Conflict, 431, 4350, false, false},
		{"431 volume removed", csErr(431, 4350, "Unable to revert snapshot 5e: its volume 5f has been removed"), fkerrors.NotFound, 431, 4350, false, false},
		{"431 vm state", csErr(431, 4350, "Please specify a VM that is either running or stopped."),
			fkerrors.Conflict, 431, 4350, false, false},
		{"431 missing parameter", csErr(431, 9999, "Unable to execute API command deployvirtualmachine due to missing parameter zoneid"),
			fkerrors.Invalid, 431, 9999, false, false},
		{"431 id naming nothing", csErr(431, 9999, "Unable to execute API command attachvolume due to invalid value. Invalid parameter id value=5e due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class."),
			fkerrors.NotFound, 431, 9999, false, false},
		{"431 paging", csErr(431, 9999, `"page" parameter is required when "pagesize" is specified`), fkerrors.Invalid, 431, 9999, false, false},
		{"530 KVM snapshot of a running VM", csErr(530, 4250, "KVM Snapshot is not supported for Running VMs. It is disabled by default due to a possible volume corruption in certain cases. To enable it set global settings kvm.snapshot.enabled to True. See the documentation for more details."),
			fkerrors.Conflict, 530, 4250, false, false},
		{"431 one snapshot per VM", csErr(431, 4350, "There is other active snapshot tasks on the instance to which the volume is attached, please try again later"),
			fkerrors.Conflict, 431, 4350, false, false},
		{"431 delete during snapshot", csErr(431, 4350, "There are snapshot operations in progress on the volume, unable to delete it"),
			fkerrors.Conflict, 431, 4350, false, false},
		{"job 431 start a running VM", errors.New(`Undefined error: {"uuidList":[],"errorcode":431,"errortext":"The virtual machine 5e (web) is already running"}`),
			fkerrors.Conflict, 431, 0, true, false},
		{"job 530 revert on VMware", errors.New(`Undefined error: {"uuidList":[],"errorcode":530,"errortext":"Revert snapshot command failed for snapshot with id 5e, because this command is supported only for KVM hypervisor"}`),
			fkerrors.Conflict, 530, 0, true, false},
		{"job 431 ROOT detach on Hyper-V", errors.New(`Undefined error: {"uuidList":[],"errorcode":431,"errortext":"Root volume detach is not supported for hypervisor type Hyperv"}`),
			fkerrors.Conflict, 431, 0, true, false},
		{"530 state", csErr(530, 4250, "Failed to attach volume: vm is not in the right state"), fkerrors.Conflict, 530, 4250, false, false},
		{"530 plain", csErr(530, 4250, "Internal error executing command, please contact your system administrator"),
			fkerrors.Internal, 530, 4250, false, false},
		{"531 permission", csErr(531, 4365, "Account 'tenant' does not have permission to operate on the volume"),
			fkerrors.Permission, 531, 4365, false, false},
		{"533 capacity", csErr(533, 4375, "Unable to create a deployment for VM"), fkerrors.Capacity, 533, 4375, false, false},
		{"536 in use", csErr(536, 4400, "Resource in use"), fkerrors.Conflict, 536, 4400, false, false},
		{"429 rate", csErr(429, 0, "You have exceeded the API rate limit"), fkerrors.Unavailable, 429, 0, false, false},
		{"503 JSON", csErr(503, 0, "Service unavailable"), fkerrors.Unavailable, 503, 0, false, false},
		{"cloudstack-go async object", errors.New(`Undefined error: {"errorcode":530,"cserrorcode":4250,"errortext":"Volume is not in Ready state"}`),
			fkerrors.Conflict, 530, 4250, true, false},
		{"cloudstack-go async text", errors.New("Failed to create snapshot"), fkerrors.Internal, 0, 0, false, false},
		{"transport status 502", &url.Error{Op: "Post", URL: "https://cloud.invalid/client/api", Err: &statusError{code: 502, contentType: "text/html"}},
			fkerrors.Unavailable, 502, 0, false, false},
		{"transport status 404", &url.Error{Op: "Post", URL: "https://cloud.invalid/wrong", Err: &statusError{code: 404, contentType: "text/html"}},
			fkerrors.Invalid, 404, 0, false, true},
		{"transport html 200", &url.Error{Op: "Post", URL: "https://cloud.invalid/", Err: &statusError{code: 200, contentType: "text/html"}},
			fkerrors.Invalid, 200, 0, false, true},
		{"transport status 403", &url.Error{Op: "Post", URL: "https://cloud.invalid/", Err: &statusError{code: 403}}, fkerrors.Permission, 403, 0, false, false},
		{"connection refused", &url.Error{Op: "Post", URL: "https://cloud.invalid/client/api",
			Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}, fkerrors.Unavailable, 0, 0, false, false},
		{"garbled JSON", &json.SyntaxError{Offset: 1}, fkerrors.Unavailable, 0, 0, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jobID := ""
			if tc.jobFail {
				jobID = "job-1"
			}
			err := cl.classify(context.Background(), "attachVolume", jobID, tc.err)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "attachVolume", apiErr.Command)
			assert.Equal(t, tc.code, apiErr.ErrorCode)
			assert.Equal(t, tc.csCode, apiErr.CSErrorCode)
			assert.Equal(t, tc.jobFail, errors.Is(err, ErrJobFailed), "ErrJobFailed")
			var ce *credentials.Error
			assert.Equal(t, tc.credsErr, errors.As(err, &ce), "credentials.Error")
			if tc.credsErr {
				assert.Equal(t, "cloudstack", ce.Source)
				assert.Equal(t, "ops-east", ce.Account)
				assert.Contains(t, ce.Fix, testMeta().Describe())
			}
			// Exactly one category matches, and it is the error's category.
			matched := 0
			for c := fkerrors.Unknown + 1; c <= fkerrors.Closed; c++ {
				if errors.Is(err, c) {
					matched++
				}
			}
			assert.Equal(t, 1, matched, "categories matched by %v", err)
			assert.Equal(t, tc.want, fkerrors.CodeOf(err))
			assert.Equal(t, 1, strings.Count(err.Error(), "; fix: "), "the remedy, once: %v", err)
			assert.True(t, strings.HasSuffix(err.Error(), "; fix: "+fkerrors.Remedy(err)), "the message ends with the remedy: %v", err)
		})
	}
}

func TestClassifyRedactsSignedURL(t *testing.T) {
	t.Parallel()
	key := "fake-key-" + fmt.Sprint(time.Now().UnixNano())
	raw := &url.Error{Op: "Get", URL: "https://cloud.invalid/client/api?apiKey=" + key + "&command=listZones&signature=c2lnbmF0dXJl",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}
	err := classifier{meta: testMeta()}.classify(context.Background(), "listZones", "", raw)
	require.ErrorIs(t, err, fkerrors.Unavailable)
	assert.NotContains(t, err.Error(), key)
	assert.NotContains(t, err.Error(), "signature")
	assert.Contains(t, err.Error(), "https://cloud.invalid/client/api")
	assert.Contains(t, err.Error(), "connection refused")
}

func TestClassifyCallerCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := classifier{meta: testMeta()}.classify(ctx, "createSnapshot", "job-9",
		&url.Error{Op: "Post", URL: "http://127.0.0.1/client/api", Err: context.Canceled})
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, fkerrors.Unavailable, "the caller's cancellation is not an outage")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "job-9", apiErr.JobID)
	assert.Contains(t, err.Error(), "may still complete")
}

func TestUnauthenticatedRemedyNamesSetNotKey(t *testing.T) {
	t.Parallel()
	err := classifier{meta: testMeta()}.classify(context.Background(), "listVolumes", "",
		csErr(401, 0, "unable to verify user credentials and/or request signature"))
	remedy := fkerrors.Remedy(err)
	assert.Contains(t, remedy, "memory account ops-east (test table)")
	assert.Contains(t, remedy, "version v7")
	assert.Contains(t, err.Error(), "listVolumes")
}

func TestAPIErrorMessage(t *testing.T) {
	t.Parallel()
	err := classifier{meta: testMeta()}.classify(context.Background(), "attachVolume", "job-3",
		errors.New(`Undefined error: {"errorcode":431,"cserrorcode":4350,"errortext":"Please specify a volume that is not attached to any VM."}`))
	assert.Equal(t, "cloudstack: attachVolume job job-3 failed: Please specify a volume that is not attached to any VM. (error 431, cs 4350)"+
		"; fix: let the resource reach the state the command needs (stopped, detached, ...), then retry", err.Error())
}
