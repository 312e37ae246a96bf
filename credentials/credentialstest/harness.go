package credentialstest

import (
	"context"
	"errors"
	"testing"

	"github.com/ossea-migrate/failoverkit/credentials"
)

// Harness gives the conformance suite control over one source's backing store. Each test
// gets a fresh Harness from the constructor passed to RunConformanceTests, over an empty
// store that no other test shares.
type Harness interface {
	// Source returns the source under test, reading the harness's store.
	Source() credentials.Source

	// PutCloudStack creates the CloudStack set of account, or replaces it (a rotation) when
	// it exists. Empty fields are stored as missing, the way the backend stores a missing
	// value (NULL or empty column, unset variable, absent key). When makeDefault is true the
	// set becomes the default (the active config); otherwise the default is left as it is.
	// Only the fields a store can hold need to round-trip; Meta is ignored. A value the
	// store cannot hold at all (a 1 MiB key in a column of 64 KiB) is ErrCannotStore.
	PutCloudStack(ctx context.Context, account string, c credentials.CloudStack, makeDefault bool) error

	// PutVSphere is PutCloudStack for vCenter sets.
	PutVSphere(ctx context.Context, account string, v credentials.VSphere, makeDefault bool) error

	// Delete removes the set of kind for account, if it exists.
	Delete(ctx context.Context, kind credentials.Kind, account string) error

	// Atomic reports whether a Put changes all fields of a set at once as seen by a
	// concurrent reader. The process environment cannot: each variable changes on its own.
	Atomic() bool
}

// ErrCannotStore is what a harness's Put returns (wrapped or not) when its store cannot
// hold a value the suite asks it to store - a 1 MiB key in a column of 64 KiB, say. The
// subtests that store values out of their field's bounds then skip that case instead of
// failing; every other subtest fails on it as on any error.
var ErrCannotStore = errors.New("credentialstest: the store cannot hold this value")

// NewHarness builds a Harness over a fresh, empty store. It registers its own cleanup on t.
type NewHarness func(t *testing.T) Harness

// The harnesses of stores with more to them implement these as well; the suite runs the
// matching checks when they do.

// IDHarness is implemented by harnesses over stores that number their sets, such as the
// appliance's database. The suite then checks that credentials.AccountID selects the same
// set as the account's name, sees rotations, and that an id nobody has is fkerrors.NotFound
// rather than the default set. Without it the suite checks only the last: a store that does
// not number its sets must still never answer an unknown id with the default set.
type IDHarness interface {
	Harness
	// ID returns the store's numeric id of account's set of kind.
	ID(ctx context.Context, kind credentials.Kind, account string) (int64, error)
}

// VMLinkHarness is implemented by harnesses whose store links replicated VMs to vCenter
// sets. The suite then requires the source to implement credentials.VMLinker and checks that
// VSphereForVM reads the linked set fresh, follows a re-link at once, and answers a VM the
// store does not know with an error - never the default set.
type VMLinkHarness interface {
	Harness
	// LinkVM links vm to account's vCenter set, creating what the store needs to know vm
	// (as the application that replicates VMs would).
	LinkVM(ctx context.Context, vm, account string) error
}

// TLSHarness is implemented by harnesses that must say whether their store holds each
// set's TLS verification switch (InsecureSkipVerify). A harness that does not implement it
// is taken to hold the switch, and the suite checks it round-trips and changes the set's
// version; for a store that does not hold it, the suite checks that verification stays on
// whatever the set was saved with.
type TLSHarness interface {
	Harness
	HoldsInsecureSkipVerify() bool
}
