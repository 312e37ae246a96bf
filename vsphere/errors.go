package vsphere

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Conditions finer than a category. An error matching one matches its category too.
var (
	// ErrPowerOffNotAllowed (category Conflict): the guest could not be shut down gracefully
	// and the caller did not allow a hard power-off. The VM was left running; the cause is
	// fkerrors.Timeout when the time limit ran out.
	ErrPowerOffNotAllowed = errors.New("hard power-off not allowed")
	// ErrSessionLost (category Unavailable): vCenter kept refusing the session even after
	// one fresh login.
	ErrSessionLost = errors.New("vCenter session lost")
)

// Error is the detail behind every vsphere error: what was being done, against which vCenter
// and VM, what went wrong and how to fix it. It never holds a password.
type Error struct {
	// Op is the operation: "login", "find", "describe", "power off", "power on".
	Op string
	// Host is the vCenter endpoint host (host or host:port).
	Host string
	// VM names the VM the operation was about (the locator or the VM's name), if any.
	VM string
	// Code is the error's category.
	Code fkerrors.Code
	// Reason is ErrPowerOffNotAllowed or ErrSessionLost when one of them is what happened.
	Reason error
	// Candidates lists the inventory paths of every match when Code is fkerrors.Ambiguous.
	Candidates []string
	// Fix says how to fix the problem, when there is something to fix.
	Fix string
	// Err is the underlying cause (a vCenter fault, a network error), if any.
	Err error
}

// Error renders "vsphere: <op> <vm> on <host>: <what>[ (candidates)][: <cause>]; fix:
// <remedy>", the remedy once. VM names, inventory paths and vCenter's faults come from
// outside, so the message goes through fkerrors.Visible.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("vsphere: ")
	b.WriteString(e.Op)
	if e.VM != "" {
		b.WriteString(" ")
		b.WriteString(e.VM)
	}
	if e.Host != "" {
		b.WriteString(" on ")
		b.WriteString(e.Host)
	}
	b.WriteString(": ")
	if e.Reason != nil {
		b.WriteString(e.Reason.Error())
	} else {
		b.WriteString(codeText[e.Code])
		if codeText[e.Code] == "" {
			b.WriteString(e.Code.String())
		}
	}
	if len(e.Candidates) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(e.Candidates, ", "))
		b.WriteString(")")
	}
	return fkerrors.Message(b.String(), e.Err, e.Remedy())
}

// codeText says what a category means for a vCenter operation.
var codeText = map[fkerrors.Code]string{
	fkerrors.Invalid:     "invalid argument",
	fkerrors.NotFound:    "virtual machine not found",
	fkerrors.Ambiguous:   "virtual machine locator is ambiguous",
	fkerrors.Timeout:     "guest shutdown did not finish in time",
	fkerrors.Permission:  "vCenter permission denied",
	fkerrors.Unavailable: "vCenter unreachable",
	fkerrors.Internal:    "vCenter operation failed",
	fkerrors.Closed:      "vsphere pool closed",
	fkerrors.Canceled:    "stopped",
}

// Remedy says how to fix the error: Fix, or the cause's remedy, with fkerrors.Visible
// applied.
func (e *Error) Remedy() string { return fkerrors.RemedyOf(e.Fix, e.Err) }

// Unwrap exposes the category, the reason and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error { return fkerrors.Unwraps(e.Code, e.Reason, e.Err) }

// isNotAuthenticated reports whether vCenter said the session is not (or no longer) valid.
func isNotAuthenticated(err error) bool {
	return err != nil && fault.Is(err, &types.NotAuthenticated{})
}

func isInvalidLogin(err error) bool {
	return err != nil && fault.Is(err, &types.InvalidLogin{})
}

// isFault reports whether err carries a vCenter fault (as opposed to a transport error).
func isFault(err error) bool {
	var f types.BaseMethodFault
	_, ok := fault.As(err, &f)
	return ok
}

// isNetwork reports whether err is a transport failure: the request never got a SOAP answer.
func isNetwork(err error) bool {
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe)
}

// classify turns an error from govmomi into the package's typed errors. Errors that are
// already typed (*Error, *credentials.Error) and context errors pass through; when ctx is
// done, its error wins because the failure was most likely the cancellation itself.
func (c *Client) classify(ctx context.Context, op, vm string, err error) error {
	if err == nil {
		return nil
	}
	var ve *Error
	var ce *credentials.Error
	if errors.As(err, &ve) || errors.As(err, &ce) {
		return err
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &Error{Op: op, Host: c.host, VM: vm, Code: fkerrors.Canceled, Err: ctxErr, Fix: "retry with a live context or a longer deadline"}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Op: op, Host: c.host, VM: vm, Code: fkerrors.Canceled, Err: err, Fix: "retry with a live context or a longer deadline"}
	}
	e := &Error{Op: op, Host: c.host, VM: vm, Err: err}
	var perm *types.NoPermission
	switch {
	case fault.Is(err, &types.ManagedObjectNotFound{}):
		e.Code = fkerrors.NotFound
		e.Fix = "the VM was removed or re-registered in vCenter; find it again"
	case isNotAuthenticated(err):
		e.Code, e.Reason = fkerrors.Unavailable, ErrSessionLost
		e.Fix = "check that the vCenter user of " + c.creds.Describe() + " is enabled and may log in"
	case asFault(err, &perm):
		e.Code = fkerrors.Permission
		e.Fix = "grant privilege " + perm.PrivilegeId + " to vCenter user " + c.creds.Username +
			" (credential set " + c.creds.Describe() + ")"
	case isFault(err):
		e.Code = fkerrors.Internal
	case isNetwork(err):
		e.Code = fkerrors.Unavailable
		e.Fix = "check that " + c.host + " is reachable from this host and that the host of " +
			c.creds.Describe() + " is right"
	default:
		e.Code = fkerrors.Internal
	}
	return e
}

func asFault[T types.BaseMethodFault](err error, target *T) bool {
	_, ok := fault.As(err, target)
	return ok
}

// loginError maps a failed login to the error the caller should see: a rejected login is the
// credentials package's unauthenticated error, naming the set (never the password).
func (c *Client) loginError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &Error{Op: "login", Host: c.host, Code: fkerrors.Canceled, Err: ctxErr, Fix: "retry with a live context or a longer deadline"}
	}
	switch {
	case isInvalidLogin(err):
		return &credentials.Error{
			Code:    fkerrors.Unauthenticated,
			Source:  "vsphere",
			Kind:    credentials.KindVSphere,
			Account: c.creds.Origin.Account,
			Field:   credentials.FieldPassword,
			Problem: "vCenter " + c.host + " rejected the login of user " + c.creds.Username,
			Fix: "update the user name or password of credential set " + c.creds.Describe() +
				" to what vCenter accepts; the next operation uses the new set, no restart needed",
			Err: errLoginRejected,
		}
	case soap.IsCertificateUntrusted(err):
		return &credentials.Error{
			Code:    fkerrors.Invalid,
			Source:  "vsphere",
			Kind:    credentials.KindVSphere,
			Account: c.creds.Origin.Account,
			Field:   credentials.FieldHost,
			Problem: "the TLS certificate of vCenter " + c.host + " is not trusted",
			Fix: "trust the vCenter CA (vsphere.WithRootCAs) or, knowingly, turn on " +
				"insecure_skip_verify in credential set " + c.creds.Describe(),
			Err: err,
		}
	}
	return c.classify(ctx, "login", "", err)
}

// errLoginRejected is the cause recorded in a rejected-login error. vCenter's own fault text
// is dropped on purpose: some servers echo the submitted user data back in it.
var errLoginRejected = errors.New("InvalidLogin")
