package credentialstest

import (
	"context"
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
	// Only the fields a store can hold need to round-trip; Meta is ignored.
	PutCloudStack(ctx context.Context, account string, c credentials.CloudStack, makeDefault bool) error

	// PutVSphere is PutCloudStack for vCenter sets.
	PutVSphere(ctx context.Context, account string, v credentials.VSphere, makeDefault bool) error

	// Delete removes the set of kind for account, if it exists.
	Delete(ctx context.Context, kind credentials.Kind, account string) error

	// Atomic reports whether a Put changes all fields of a set at once as seen by a
	// concurrent reader. The process environment cannot: each variable changes on its own.
	Atomic() bool
}

// NewHarness builds a Harness over a fresh, empty store. It registers its own cleanup on t.
type NewHarness func(t *testing.T) Harness
