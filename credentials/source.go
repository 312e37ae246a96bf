package credentials

import (
	"context"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Source supplies credential sets. It is the one seam between the library and wherever an
// integrator keeps credentials.
//
// Implementations must be safe for concurrent use, must read the backing store on every call
// (no caching: a rotation is visible on the very next call), and must follow the context rule
// (see the package documentation). Errors are *Error values matching an fkerrors category; no
// secret value may appear in them. A store implements Driver and NewProvider makes it a
// Source that does all of this but the reads.
type Source interface {
	// CloudStack returns the CloudStack set that ref selects.
	CloudStack(ctx context.Context, ref Ref) (CloudStack, error)
	// VSphere returns the vCenter set that ref selects.
	VSphere(ctx context.Context, ref Ref) (VSphere, error)
}

// VMLinker is implemented by sources that link a replicated VM to its vCenter set - the
// database source does, through vm_replication_contexts.credential_id. The failover
// Engine uses it when a request names a VM context rather than a vCenter account. Like
// Source, it must read the backing store on every call and be safe for concurrent use.
type VMLinker interface {
	// VSphereForVM returns the vCenter set linked to vm (a replication context id or VM
	// name, as the source defines it).
	VSphereForVM(ctx context.Context, vm string) (VSphere, error)
}

// LinksVMs reports whether src can select a vCenter set by VM: it implements VMLinker and,
// for a Provider (or a type embedding one, as Memory does), its driver is a VMLinkDriver.
func LinksVMs(src Source) bool {
	if p, ok := src.(interface{ Driver() Driver }); ok { // a Provider, or a type embedding one
		_, ok := p.Driver().(VMLinkDriver)
		return ok
	}
	_, ok := src.(VMLinker)
	return ok
}

// Funcs adapts two functions to a Source. A nil function answers fkerrors.NotFound.
type Funcs struct {
	CloudStackFunc func(ctx context.Context, ref Ref) (CloudStack, error)
	VSphereFunc    func(ctx context.Context, ref Ref) (VSphere, error)
}

// CloudStack calls CloudStackFunc.
func (f Funcs) CloudStack(ctx context.Context, ref Ref) (CloudStack, error) {
	if f.CloudStackFunc == nil {
		return CloudStack{}, notConfigured("func", KindCloudStack, ref)
	}
	return f.CloudStackFunc(ctx, ref)
}

// VSphere calls VSphereFunc.
func (f Funcs) VSphere(ctx context.Context, ref Ref) (VSphere, error) {
	if f.VSphereFunc == nil {
		return VSphere{}, notConfigured("func", KindVSphere, ref)
	}
	return f.VSphereFunc(ctx, ref)
}

func notConfigured(source string, kind Kind, ref Ref) error {
	return &Error{Code: fkerrors.NotFound, Source: source, Kind: kind, Account: ref.String(),
		Problem: "no " + string(kind) + " credentials configured",
		Fix:     "give the source a " + string(kind) + " credential set"}
}
