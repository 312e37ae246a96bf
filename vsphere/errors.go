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
)

// Error categories. Every error an operation returns that is not a credentials error
// (*credentials.Error) or a context error matches one of them with errors.Is and carries an
// *Error with the details (errors.As).
var (
	// ErrInvalidArgument: the caller passed a Locator or VM that cannot name a VM.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrNotFound: no VM matches the Locator, or the VM no longer exists.
	ErrNotFound = errors.New("virtual machine not found")
	// ErrAmbiguous: the Locator matches more than one VM; Error.Candidates lists them.
	ErrAmbiguous = errors.New("virtual machine locator is ambiguous")
	// ErrPowerOffNotAllowed: the guest could not be shut down gracefully and the caller did
	// not allow a hard power-off. The VM was left running.
	ErrPowerOffNotAllowed = errors.New("hard power-off not allowed")
	// ErrTimeout: the guest did not finish shutting down within the caller's limit. It is
	// the cause of an ErrPowerOffNotAllowed error when that is why the graceful path failed.
	ErrTimeout = errors.New("guest shutdown did not finish in time")
	// ErrPermission: the vCenter user lacks a privilege the operation needs.
	ErrPermission = errors.New("vCenter permission denied")
	// ErrUnreachable: vCenter could not be reached (DNS, connection, TLS handshake).
	ErrUnreachable = errors.New("vCenter unreachable")
	// ErrSessionLost: vCenter kept refusing the session even after one fresh login.
	ErrSessionLost = errors.New("vCenter session lost")
	// ErrOperation: vCenter reported a fault the other categories do not cover; the fault is
	// the cause (Error.Err).
	ErrOperation = errors.New("vCenter operation failed")
	// ErrClosed: the Pool has been closed.
	ErrClosed = errors.New("vsphere pool closed")
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
	// Kind is one of the Err* sentinels above.
	Kind error
	// Candidates lists the inventory paths of every match when Kind is ErrAmbiguous.
	Candidates []string
	// Remedy says how to fix the problem, when there is something to fix.
	Remedy string
	// Err is the underlying cause (a vCenter fault, a network error), if any.
	Err error
}

// Error renders "vsphere: <op> <vm> on <host>: <kind>[: <cause>][ (candidates)]; fix: <remedy>".
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
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(e.Kind.Error())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if len(e.Candidates) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(e.Candidates, ", "))
		b.WriteString(")")
	}
	if e.Remedy != "" {
		b.WriteString("; fix: ")
		b.WriteString(e.Remedy)
	}
	return b.String()
}

// Unwrap exposes both the category and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

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
		return &Error{Op: op, Host: c.host, VM: vm, Err: ctxErr}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Op: op, Host: c.host, VM: vm, Err: err}
	}
	e := &Error{Op: op, Host: c.host, VM: vm, Err: err}
	var perm *types.NoPermission
	switch {
	case fault.Is(err, &types.ManagedObjectNotFound{}):
		e.Kind = ErrNotFound
		e.Remedy = "the VM was removed or re-registered in vCenter; find it again"
	case isNotAuthenticated(err):
		e.Kind = ErrSessionLost
		e.Remedy = "check that the vCenter user of " + c.creds.Describe() + " is enabled and may log in"
	case asFault(err, &perm):
		e.Kind = ErrPermission
		e.Remedy = "grant privilege " + perm.PrivilegeId + " to vCenter user " + c.creds.Username +
			" (credential set " + c.creds.Describe() + ")"
	case isFault(err):
		e.Kind = ErrOperation
	case isNetwork(err):
		e.Kind = ErrUnreachable
		e.Remedy = "check that " + c.host + " is reachable from this host and that the host of " +
			c.creds.Describe() + " is right"
	default:
		e.Kind = ErrOperation
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
		return &Error{Op: "login", Host: c.host, Err: ctxErr}
	}
	switch {
	case isInvalidLogin(err):
		return &credentials.Error{
			Category: credentials.ErrUnauthenticated,
			Source:   "vsphere",
			Kind:     credentials.KindVSphere,
			Account:  c.creds.Origin.Account,
			Field:    credentials.FieldPassword,
			Problem:  "vCenter " + c.host + " rejected the login of user " + c.creds.Username,
			Remedy: "update the user name or password of credential set " + c.creds.Describe() +
				" to what vCenter accepts; the next operation uses the new set, no restart needed",
			Err: errLoginRejected,
		}
	case soap.IsCertificateUntrusted(err):
		return &credentials.Error{
			Category: credentials.ErrInvalid,
			Source:   "vsphere",
			Kind:     credentials.KindVSphere,
			Account:  c.creds.Origin.Account,
			Field:    credentials.FieldHost,
			Problem:  "the TLS certificate of vCenter " + c.host + " is not trusted",
			Remedy: "trust the vCenter CA (vsphere.WithRootCAs) or, knowingly, turn on " +
				"insecure_skip_verify in credential set " + c.creds.Describe(),
			Err: err,
		}
	}
	return c.classify(ctx, "login", "", err)
}

// errLoginRejected is the cause recorded in a rejected-login error. vCenter's own fault text
// is dropped on purpose: some servers echo the submitted user data back in it.
var errLoginRejected = errors.New("InvalidLogin")
