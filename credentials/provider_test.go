package credentials_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// uncheckedDriver returns whatever sets it holds, without checking them, as a careless
// third-party driver might.
type uncheckedDriver struct {
	c credentials.CloudStack
	v credentials.VSphere
}

func (d uncheckedDriver) ReadCloudStack(context.Context, credentials.Ref) (credentials.CloudStack, error) {
	return d.c, nil
}

func (d uncheckedDriver) ReadVSphere(context.Context, credentials.Ref) (credentials.VSphere, error) {
	return d.v, nil
}

// The Provider checks every set a driver returns, so a driver that forgets to still never
// hands on a 1 MiB key: it is fkerrors.Invalid naming the field and the length.
func TestProviderRefusesInsaneSets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := validCloudStack()
	c.APIKey = credentials.NewSecret(strings.Repeat("k", 1<<20))
	v := credentials.VSphere{Host: "vc.example.invalid", Username: "u", Password: credentials.NewSecret("fake\x1bpassword")}
	p := credentials.NewProvider("custom", uncheckedDriver{c: c, v: v})

	got, err := p.CloudStack(ctx, credentials.Ref{})
	e := testkit.RequireErrorAs[*credentials.Error](t, err, fkerrors.Invalid)
	assert.Equal(t, credentials.FieldAPIKey, e.Field)
	assert.Contains(t, err.Error(), "api_key is 1048576 bytes, at most 255")
	assert.Less(t, len(err.Error()), 1024)
	assert.True(t, got.APIKey.IsZero(), "no set comes with the error")

	_, err = p.VSphere(ctx, credentials.Ref{})
	e = testkit.RequireErrorAs[*credentials.Error](t, err, fkerrors.Invalid)
	assert.Equal(t, credentials.FieldPassword, e.Field)
	assert.NotContains(t, err.Error(), "fake")
	require.NotEmpty(t, fkerrors.Remedy(err))
}

// A Ref no store could hold is refused before the driver is asked.
func TestProviderRefusesInsaneRefs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := credentials.NewProvider("custom", uncheckedDriver{c: validCloudStack()})
	for _, ref := range []credentials.Ref{
		{ID: strings.Repeat("9", 41)},
		{Name: strings.Repeat("n", 256)},
		{Name: "acct\x1b[2J"},
	} {
		_, err := p.CloudStack(ctx, ref)
		testkit.RequireErrorAs[*credentials.Error](t, err, fkerrors.Invalid)
	}
}
