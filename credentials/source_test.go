package credentials_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func TestFallBackOnlyWhenAllowed(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	m := credentials.NewMemory(slog.New(slog.NewTextHandler(&logs, nil)))
	def := validCloudStack()
	m.PutCloudStack("main", def)
	ctx := context.Background()

	_, err := m.CloudStack(ctx, credentials.Account("other"))
	require.ErrorIs(t, err, fkerrors.NotFound)
	assert.Empty(t, logs.String(), "no fallback, no warning")

	got, err := m.CloudStack(ctx, credentials.Account("other").OrDefault())
	require.NoError(t, err)
	assert.Equal(t, "main", got.Origin.Account)
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "account=other")

	// Other errors are never papered over with the default.
	broken := validCloudStack()
	broken.APIURL = ""
	m.PutCloudStack("broken", broken)
	_, err = m.CloudStack(ctx, credentials.Account("broken").OrDefault())
	require.ErrorIs(t, err, fkerrors.Incomplete)
}

func TestFuncs(t *testing.T) {
	t.Parallel()
	want := validCloudStack()
	src := credentials.Funcs{CloudStackFunc: func(ctx context.Context, ref credentials.Ref) (credentials.CloudStack, error) {
		return want, nil
	}}
	got, err := src.CloudStack(context.Background(), credentials.Ref{})
	require.NoError(t, err)
	assert.Equal(t, want, got)
	_, err = src.VSphere(context.Background(), credentials.Ref{})
	require.ErrorIs(t, err, fkerrors.NotFound)
	assert.NotEmpty(t, fkerrors.Remedy(err))
}

func TestStaticAnswersItsSets(t *testing.T) {
	t.Parallel()
	c := validCloudStack()
	c.Origin.Account = "flags"
	v := credentials.VSphere{Host: "vc.example.invalid", Username: "fake-user", Password: credentials.NewSecret("fake-pw")}
	v.Origin.Account = "flags"
	src := credentials.Static(c, v)
	ctx := context.Background()

	got, err := src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err)
	assert.Equal(t, "static", got.Origin.Source)
	_, err = src.VSphere(ctx, credentials.Account("flags"))
	require.NoError(t, err)
	_, err = src.VSphere(ctx, credentials.Account("other"))
	require.ErrorIs(t, err, fkerrors.NotFound)

	// Sets whose Origin names no account answer the default.
	unnamed := credentials.Static(validCloudStack(), credentials.VSphere{Host: "vc.example.invalid", Username: "fake-user", Password: credentials.NewSecret("fake-pw")})
	got, err = unnamed.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err)
	assert.Equal(t, "default", got.Origin.Account)
	_, err = unnamed.VSphere(ctx, credentials.Ref{})
	require.NoError(t, err)
}

func TestRefString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "default", credentials.Ref{}.String())
	assert.Equal(t, "prod", credentials.Account("prod").String())
	assert.Equal(t, "id=7", credentials.AccountID(7).String())
	assert.Equal(t, "prod (id=7)", credentials.Ref{Name: "prod", ID: "7"}.String())
	assert.True(t, credentials.Ref{AllowDefault: true}.IsDefault())
}
