package simulator

import (
	"errors"
	"fmt"
)

// CloudStack API error codes (ApiErrorCode in CloudStack's source). The simulator answers
// with these codes both as the HTTP status and as "errorcode" in the error envelope, as the
// real management server does.
const (
	CodeUnauthorized         = 401 // bad, unknown, revoked or expired credentials/signature
	CodeMalformedParameter   = 430 // a parameter could not be parsed
	CodeParamError           = 431 // missing or invalid parameter, unknown id, rule violation
	CodeUnsupportedAction    = 432 // the command does not exist
	CodeInternalError        = 530 // CloudRuntimeException: state errors, generic failures
	CodeAccountError         = 531 // permission denied
	CodeInsufficientCapacity = 533
	CodeResourceUnavailable  = 534
	CodeResourceInUse        = 536
)

// Error texts CloudStack uses verbatim; clients and tests may rely on them.
const (
	// TextUnauthorized is the errortext of every authentication failure.
	TextUnauthorized = "unable to verify user credentials and/or request signature"
	// TextUnknownCommand is the errortext for a command the server does not know.
	TextUnknownCommand = "The given command does not exist or it is not available for user"
)

// ErrUnknownAccount is returned by account management methods given a name that was never
// added with AddAccount.
var ErrUnknownAccount = errors.New("simulator: unknown account")

// ErrInvalidOption is returned (wrapped, with details) by SetJobDuration for a duration it
// cannot apply; an Option with such a value makes every call to the simulator fail with
// the same message, so that a misconfigured test cannot pass unnoticed.
var ErrInvalidOption = errors.New("simulator: invalid option")

// ErrInvalidScenario is returned (wrapped, with details) by Seed and the Add methods when the
// requested resources break one of CloudStack's rules or reference missing resources.
var ErrInvalidScenario = errors.New("simulator: invalid scenario")

// apiError is a CloudStack error as it travels in a response envelope or a failed job.
type apiError struct {
	code   int
	csCode int
	text   string
}

// cserrorcode values: CSExceptionErrorCode's number for the Java exception class behind an
// answer. ApiServer passes the code of the exception a ServerApiException wraps, and a
// ServerApiException raised on its own (parameter processing, paging, unknown commands)
// carries its own, 9999.
const (
	csServerAPIException     = 9999 // ServerApiException
	csInvalidParameterValue  = 4350 // InvalidParameterValueException
	csCloudRuntimeException  = 4250 // CloudRuntimeException
	csPermissionDeniedExcept = 4365 // PermissionDeniedException
)

// csExceptionCode maps an error code to the CSExceptionErrorCode of the exception class that
// usually carries it, for injected faults.
func csExceptionCode(code int) int {
	switch code {
	case CodeParamError, CodeMalformedParameter:
		return csInvalidParameterValue
	case CodeAccountError:
		return csPermissionDeniedExcept
	case CodeUnsupportedAction:
		return csServerAPIException
	case CodeUnauthorized:
		return 0 // the servlet answers before any exception class is involved
	default:
		return csCloudRuntimeException
	}
}

func newAPIError(code int, format string, args ...any) *apiError {
	return &apiError{code: code, csCode: csExceptionCode(code), text: fmt.Sprintf(format, args...)}
}

// paramErr is an InvalidParameterValueException thrown by CloudStack's managers: 431, 4350.
func paramErr(format string, args ...any) *apiError {
	return &apiError{code: CodeParamError, csCode: csInvalidParameterValue, text: fmt.Sprintf(format, args...)}
}

// stateErr is a CloudRuntimeException: 530, 4250.
func stateErr(format string, args ...any) *apiError {
	return &apiError{code: CodeInternalError, csCode: csCloudRuntimeException, text: fmt.Sprintf(format, args...)}
}

// processingErr is a ServerApiException(PARAM_ERROR) from ParamProcessWorker: 431, 9999.
func processingErr(format string, args ...any) *apiError {
	return &apiError{code: CodeParamError, csCode: csServerAPIException, text: fmt.Sprintf(format, args...)}
}

// missingParam is ParamProcessWorker's message for an absent required parameter.
func missingParam(command, name string) *apiError {
	return processingErr("Unable to execute API command %s due to missing parameter %s", lower(command), name)
}

// invalidValue is ParamProcessWorker's message for a value that does not parse.
func invalidValue(command, name, value string) *apiError {
	return processingErr("Unable to execute API command %s due to invalid value %s for parameter %s", lower(command), value, name)
}

// invalidID is ParamProcessWorker's message when a UUID parameter names no entity
// (translateUuidToInternalId).
func invalidID(command, name, value string) *apiError {
	return processingErr("Unable to execute API command %s due to invalid value. Invalid parameter %s value=%s due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.", lower(command), name, value)
}
