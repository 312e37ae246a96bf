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

// ErrInvalidScenario is returned (wrapped, with details) by Seed and the Add methods when the
// requested resources break one of CloudStack's rules or reference missing resources.
var ErrInvalidScenario = errors.New("simulator: invalid scenario")

// apiError is a CloudStack error as it travels in a response envelope or a failed job.
type apiError struct {
	code   int
	csCode int
	text   string
}

// csExceptionCode maps an error code to the CSExceptionErrorCode CloudStack derives from the
// Java exception class that usually carries it.
func csExceptionCode(code int) int {
	switch code {
	case CodeParamError, CodeMalformedParameter:
		return 4350 // InvalidParameterValueException
	case CodeAccountError:
		return 4365 // PermissionDeniedException
	case CodeUnsupportedAction:
		return 9999 // ServerApiException
	case CodeUnauthorized:
		return 0 // the servlet answers before any exception class is involved
	default:
		return 4250 // CloudRuntimeException
	}
}

func newAPIError(code int, format string, args ...any) *apiError {
	return &apiError{code: code, csCode: csExceptionCode(code), text: fmt.Sprintf(format, args...)}
}

func paramErr(format string, args ...any) *apiError {
	return newAPIError(CodeParamError, format, args...)
}

func stateErr(format string, args ...any) *apiError {
	return newAPIError(CodeInternalError, format, args...)
}

// missingParam mirrors CloudStack's message for an absent required parameter.
func missingParam(command, name string) *apiError {
	return paramErr("Unable to execute API command %s due to missing parameter %s", lower(command), name)
}

// invalidID mirrors CloudStack's message when a UUID parameter names no entity.
func invalidID(command, name, value string) *apiError {
	return paramErr("Unable to execute API command %s due to invalid value. Invalid parameter %s value=%s due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.", lower(command), name, value)
}
