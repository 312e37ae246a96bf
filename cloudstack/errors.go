package cloudstack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/ossea-migrate/failoverkit/cloudstack/internal/wire"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// ErrJobFailed: an asynchronous job ended with job status 2. Such an error also matches the
// category of the job's error code (fkerrors.Conflict, fkerrors.NotFound, ...).
var ErrJobFailed = errors.New("cloudstack: async job failed")

// APIError is the detail behind every error an operation returns (errors.As): the command,
// the async job when there was one, and CloudStack's error code, exception code and text.
// It never holds a key, a signature or a signed URL.
type APIError struct {
	// Command is the CloudStack API command, e.g. "attachVolume".
	Command string
	// JobID is the async job, when the command was asynchronous and got that far.
	JobID string
	// ErrorCode is CloudStack's error code (431, 530, ...) or the HTTP status when the answer was
	// not a CloudStack error document; 0 for network and context errors.
	ErrorCode int
	// CSErrorCode is CloudStack's CSExceptionErrorCode (4350 for InvalidParameterValueException,
	// ...), 0 when absent.
	CSErrorCode int
	// Text is CloudStack's error text or a description of the transport failure.
	Text string
	// Code is the error's category.
	Code fkerrors.Code
	// Fix is how to fix it, when there is more to say than the category's usual remedy.
	Fix string

	cause error
}

// Error renders "cloudstack: <command> [job <id>]: <text> (error <code>, cs <cscode>); fix:
// <remedy>". The text and job id come from the management server, so the message goes
// through fkerrors.Visible.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("cloudstack: ")
	b.WriteString(e.Command)
	if e.JobID != "" {
		b.WriteString(" job ")
		b.WriteString(e.JobID)
		if e.cause == ErrJobFailed {
			b.WriteString(" failed")
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Text)
	if e.ErrorCode != 0 {
		b.WriteString(" (error ")
		b.WriteString(strconv.Itoa(e.ErrorCode))
		if e.CSErrorCode != 0 {
			b.WriteString(", cs ")
			b.WriteString(strconv.Itoa(e.CSErrorCode))
		}
		b.WriteString(")")
	}
	return fkerrors.Message(b.String(), nil, e.Remedy())
}

// Remedy says how to fix the error: Fix, or the usual remedy of its category, with
// fkerrors.Visible applied.
func (e *APIError) Remedy() string {
	if e.Fix != "" {
		return fkerrors.Visible(e.Fix)
	}
	return categoryRemedy[e.Code]
}

// categoryRemedy is the usual remedy of each category a CloudStack answer falls in.
var categoryRemedy = map[fkerrors.Code]string{
	fkerrors.NotFound:    "check the id, and that the credential set belongs to the account that owns the resource",
	fkerrors.Conflict:    "let the resource reach the state the command needs (stopped, detached, ...), then retry",
	fkerrors.Invalid:     "correct the value CloudStack names",
	fkerrors.Permission:  "use the credentials of the account that owns the resource",
	fkerrors.Capacity:    "raise the account's limit or free capacity in the cloud, then retry",
	fkerrors.Unavailable: "check that the management server answers and retry; a job that was submitted goes on in CloudStack",
	fkerrors.Internal:    "read the management server's log for this command and job",
	fkerrors.Canceled:    "retry with a live context or a longer deadline; a job that was submitted goes on in CloudStack",
}

// Unwrap exposes the category (and ErrJobFailed for failed jobs) and the cause to errors.Is.
func (e *APIError) Unwrap() []error { return fkerrors.Unwraps(e.Code, e.cause) }

// The formats cloudstack-go v2.19.0 produces (cloudstack.go: CSError.Error, GetAsyncJobResult).
var (
	apiErrorRE = regexp.MustCompile(`^CloudStack API error (\d+) \(CSExceptionErrorCode: (\d+)\): (?s:(.*))$`)
	jobErrorRE = regexp.MustCompile(`^Undefined error: (?s:(.*))$`)
)

// statusError is returned by the transport for an HTTP answer that is not a CloudStack error
// document (a proxy's HTML page, a web server's 404), so that the status is not lost when
// cloudstack-go fails to decode the body.
type statusError struct {
	code        int
	contentType string
}

func (e *statusError) Error() string {
	return "HTTP " + strconv.Itoa(e.code) + " " + httpStatusText(e.code) + " with a " + e.contentTypeOr() + " body, not a CloudStack API answer"
}

func (e *statusError) contentTypeOr() string {
	if e.contentType == "" {
		return "non-JSON"
	}
	return e.contentType
}

func httpStatusText(code int) string {
	switch {
	case code >= 500:
		return "server error"
	case code == 404:
		return "not found"
	case code == 401 || code == 403:
		return "refused"
	case code >= 400:
		return "client error"
	default:
		return "answer"
	}
}

// classifier turns the errors cloudstack-go and the transport produce into this package's
// errors. It knows the credential set so that credential errors can name it.
type classifier struct {
	meta credentials.Meta
}

// classify maps err, returned while running command, to a typed error. ctx is the caller's
// context (to tell the caller's cancellation from a request timeout); jobID is set when the
// error concerns an async job.
func (cl classifier) classify(ctx context.Context, command, jobID string, err error) error {
	if err == nil {
		return nil
	}
	var already *APIError
	var credErr *credentials.Error
	if errors.As(err, &already) || errors.As(err, &credErr) {
		return err
	}
	e := &APIError{Command: command, JobID: jobID}

	var se *statusError
	var ue *url.Error
	var re *redirectError
	switch {
	case errors.As(err, &re):
		e.Text = re.Error()
		e.Code = fkerrors.Invalid
		ce := cl.credentialError(e, "the API URL redirects elsewhere",
			"set api_url of "+cl.meta.Describe()+" to the address it redirects to ("+re.location+")")
		ce.Field = credentials.FieldAPIURL
		return ce
	case ctx != nil && ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		e.Text = "stopped: " + ctx.Err().Error()
		if jobID != "" {
			e.Text = "stopped waiting (the job may still complete in CloudStack): " + ctx.Err().Error()
		}
		e.Code, e.cause = fkerrors.Canceled, ctx.Err()
		return e
	case errors.As(err, &se):
		e.ErrorCode = se.code
		e.Text = se.Error()
		return cl.httpStatus(e, se)
	case errors.As(err, &ue) && isCertificateError(ue.Err):
		e.Text = ue.Op + " " + redactURL(ue.URL) + ": " + transportText(ue.Err)
		e.Code = fkerrors.Invalid
		ce := cl.credentialError(e, "the API endpoint's TLS certificate is not trusted",
			"trust the management server's certificate authority on this host (or give it to a Transport with "+
				"WithBaseTransport), correct the host name in api_url of "+cl.meta.Describe()+
				", or, knowingly, set insecure_skip_verify for that set")
		ce.Field = credentials.FieldAPIURL
		return ce
	case errors.As(err, &ue):
		// url.Error's message carries the request URL, and for GET requests that URL holds the
		// API key and the signature: rebuild the message without it.
		e.Text = ue.Op + " " + redactURL(ue.URL) + ": " + transportText(ue.Err)
		e.Code = fkerrors.Unavailable
		if errors.Is(ue.Err, context.DeadlineExceeded) || ue.Timeout() {
			e.Text = ue.Op + " " + redactURL(ue.URL) + ": no answer within the request timeout"
		}
		return e
	}

	msg := err.Error()
	if m := apiErrorRE.FindStringSubmatch(msg); m != nil {
		e.ErrorCode, _ = strconv.Atoi(m[1])
		e.CSErrorCode, _ = strconv.Atoi(m[2])
		e.Text = m[3]
		return cl.apiCode(e)
	}
	if m := jobErrorRE.FindStringSubmatch(msg); m != nil {
		var jf wire.Error
		if json.Unmarshal([]byte(m[1]), &jf) == nil && (jf.ErrorCode != 0 || jf.ErrorText != "") {
			return cl.jobFailed(e, jf)
		}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		e.Text = transportText(err)
		e.Code = fkerrors.Unavailable
		return e
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		e.Text = "cannot decode the answer: " + err.Error()
		e.Code = fkerrors.Unavailable
		return e
	}
	// cloudstack-go's own text failures (a job result of type text, an unexpected document):
	// no code to go by, so the text decides.
	e.Text = msg
	e.Code = textCategory(msg, fkerrors.Internal)
	return e
}

// jobFailed builds the error for an async job that ended with job status 2.
func (cl classifier) jobFailed(e *APIError, jf wire.Error) error {
	e.ErrorCode = jf.ErrorCode
	e.CSErrorCode = jf.CSErrorCode
	e.Text = jf.ErrorText
	e.cause = ErrJobFailed
	return cl.apiCode(e)
}

// apiCode sets e's category from CloudStack's error code and text; authentication failures
// become *credentials.Error wrapping e.
func (cl classifier) apiCode(e *APIError) error {
	switch e.ErrorCode {
	case 401:
		e.Code = fkerrors.Unauthenticated
		return cl.credentialError(e, "CloudStack rejected the API key and signature (error 401)",
			"the keys of "+cl.meta.Describe()+" are not the account's current keys: they were rotated or revoked, "+
				"belong to another cloud, or this host's clock is more than 15 minutes off; "+
				"store the account's current API key and secret key at "+cl.meta.Origin.String()+
				" - the next operation reads them, no restart needed")
	case 432:
		// CloudStack answers 432 both for a command that does not exist and for one the
		// account's role may not call. Every command this package sends exists in all
		// CloudStack versions it supports, so 432 means the credential set belongs to an
		// account without the right role: a credentials problem the operator fixes in the set.
		e.Code = fkerrors.Unauthenticated
		return cl.credentialError(e, "CloudStack does not let this account call "+e.Command+" (error 432)",
			"use a credential set whose account's role allows "+e.Command+", or grant it to the role of the account of "+
				cl.meta.Describe()+"; if this CloudStack lacks the command, upgrade it")
	case 431, 430, 400:
		e.Code = textCategory(e.Text, fkerrors.Invalid)
	case 530:
		e.Code = textCategory(e.Text, fkerrors.Internal)
	case 531:
		e.Code = fkerrors.Permission
	case 532, 533, 535:
		e.Code = fkerrors.Capacity
	case 536, 537:
		e.Code = fkerrors.Conflict
	case 429, 534:
		e.Code = fkerrors.Unavailable
	default:
		switch {
		case e.ErrorCode >= 500:
			e.Code = fkerrors.Unavailable
		case e.ErrorCode == 404:
			e.Code = fkerrors.NotFound
		default:
			e.Code = textCategory(e.Text, fkerrors.Internal)
		}
	}
	return e
}

// httpStatus classifies an HTTP answer that was not a CloudStack error document.
func (cl classifier) httpStatus(e *APIError, se *statusError) error {
	switch {
	case se.code == 401:
		e.Code = fkerrors.Unauthenticated
		return cl.credentialError(e, "the API endpoint refused the request (HTTP 401)",
			"check the API URL and keys of "+cl.meta.Describe()+" at "+cl.meta.Origin.String())
	case se.code == 404 || (se.code >= 200 && se.code < 300):
		// A web server's own 404 page, or an HTML page where JSON was expected: the URL points
		// somewhere that is not the CloudStack API.
		e.Code = fkerrors.Invalid
		ce := cl.credentialError(e, "the API URL does not lead to the CloudStack API ("+se.Error()+")",
			"set api_url of "+cl.meta.Describe()+" to the management server's API endpoint, "+
				"usually https://<management-server>/client/api")
		ce.Field = credentials.FieldAPIURL
		return ce
	case se.code == 403:
		e.Code = fkerrors.Permission
	case se.code >= 500 || se.code == 429 || se.code == 408:
		e.Code = fkerrors.Unavailable
	default:
		e.Code = fkerrors.Invalid
	}
	return e
}

func (cl classifier) credentialError(e *APIError, problem, remedy string) *credentials.Error {
	return &credentials.Error{
		Code:    e.Code,
		Source:  "cloudstack",
		Kind:    credentials.KindCloudStack,
		Account: cl.meta.Origin.Account,
		Problem: problem + " in " + e.Command,
		Fix:     remedy,
		Err:     e,
	}
}

// Phrases in CloudStack's error texts (VolumeApiServiceImpl, UserVmManagerImpl,
// SnapshotManagerImpl, ApiDispatcher) that say what kind of failure a 431 or 530 is.
var (
	notFoundPhrases = []string{
		"entity does not exist", "does not exist", "unable to find", "not found", "couldn't find",
		"could not find", "cannot find", "no such", "is removed", "has been removed", "not exist",
	}
	invalidPhrases = []string{
		"should be", "invalid value", "missing parameter", "invalid name", "unable to parse",
	}
	conflictPhrases = []string{
		"state", "already attached", "already has", "is attached", "not attached", "attached to",
		"in use", "is running", "not stopped", "is stopped", "must be stopped", "is not stopped",
		"running", "stopped", "shutdown", "device id", "deviceid", "already", "detach", "root volume",
		"in progress", "conflict", "revert", "being created", "try again later",
	}
)

// textCategory decides from CloudStack's error text: missing resources first (their texts
// often also say "state"), then malformed values, then state conflicts, else fallback.
func textCategory(text string, fallback fkerrors.Code) fkerrors.Code {
	t := strings.ToLower(text)
	for _, p := range notFoundPhrases {
		if strings.Contains(t, p) {
			return fkerrors.NotFound
		}
	}
	for _, p := range invalidPhrases {
		if strings.Contains(t, p) {
			return fkerrors.Invalid
		}
	}
	for _, p := range conflictPhrases {
		if strings.Contains(t, p) {
			return fkerrors.Conflict
		}
	}
	return fallback
}

// isCertificateError reports whether err is a failed TLS certificate verification, which
// retrying cannot fix.
func isCertificateError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}

// redactURL keeps scheme, host and path: the query of a CloudStack GET request holds the API
// key and signature.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the API URL"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// transportText describes a transport failure without any URL in it.
func transportText(err error) string {
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		s := oe.Op
		if oe.Addr != nil {
			s += " " + oe.Addr.String()
		}
		if oe.Err != nil {
			s += ": " + oe.Err.Error()
		}
		return s
	}
	return err.Error()
}

// invalidArg reports a bad argument before any call is made.
func invalidArg(command, format string, args ...any) error {
	return &APIError{Command: command, Text: fmt.Sprintf(format, args...), Code: fkerrors.Invalid}
}
