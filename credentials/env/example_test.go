package env_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/env"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// The environment here is a map handed to WithLookup; without it the source reads the
// process environment.
func Example() {
	environ := map[string]string{
		"CLOUDSTACK_API_URL":         "https://cloud.example.invalid/client/api",
		"CLOUDSTACK_API_KEY":         "fake-api-key",
		"CLOUDSTACK_SECRET_KEY":      "fake-secret-key",
		"CLOUDSTACK_ZONE":            "zone-1",
		"CLOUDSTACK_API_URL_PROD_EU": "https://cloud-eu.example.invalid/client/api",
	}
	src := env.New(env.WithLookup(func(name string) (string, bool) {
		v, ok := environ[name]
		return v, ok
	}))
	ctx := context.Background()

	cs, err := src.CloudStack(ctx, credentials.Ref{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cs.APIURL, cs.Zone, cs.SecretKey)
	fmt.Println(cs.Origin.Location)

	// prod-eu exists (one of its variables is set) but lacks its keys.
	_, err = src.CloudStack(ctx, credentials.Account("prod-eu"))
	fmt.Println(errors.Is(err, fkerrors.Incomplete), fkerrors.Remedy(err))

	// staging has no variable at all: not found, and never the default set.
	_, err = src.CloudStack(ctx, credentials.Account("staging"))
	fmt.Println(errors.Is(err, fkerrors.NotFound), fkerrors.Remedy(err))
	// Output:
	// https://cloud.example.invalid/client/api zone-1 [REDACTED]
	// CLOUDSTACK_API_URL, CLOUDSTACK_API_KEY, CLOUDSTACK_SECRET_KEY, CLOUDSTACK_ZONE
	// true export CLOUDSTACK_API_KEY_PROD_EU=<api_key> (or CLOUDSTACK_API_KEY_PROD_EU_FILE=<path of a file holding it>)
	// true export CLOUDSTACK_API_URL_STAGING, CLOUDSTACK_API_KEY_STAGING and CLOUDSTACK_SECRET_KEY_STAGING (or name a file holding a value in the variable's _FILE variant, e.g. CLOUDSTACK_SECRET_KEY_STAGING_FILE)
}
