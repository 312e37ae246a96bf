package credentials_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
)

func TestSecretNeverPrintsItsValue(t *testing.T) {
	t.Parallel()
	const value = "fake-secret-value-for-redaction"
	s := credentials.NewSecret(value)
	holder := struct {
		Key    credentials.Secret
		Ptr    *credentials.Secret
		Inner  credentials.CloudStack
		hidden credentials.Secret             // fmt cannot call methods through unexported fields
		sets   map[string]credentials.VSphere // as a source's own state would hold them
	}{Key: s, Ptr: &s, Inner: credentials.CloudStack{APIKey: s, SecretKey: s}, hidden: s,
		sets: map[string]credentials.VSphere{"a": {Password: s}}}
	m := credentials.NewMemory(nil)
	m.PutVSphere("a", credentials.VSphere{Password: s})

	var outputs []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%d"} {
		outputs = append(outputs, fmt.Sprintf(format, s), fmt.Sprintf(format, holder), fmt.Sprintf(format, m))
	}
	outputs = append(outputs, s.String(), s.GoString(), fmt.Sprint(s), fmt.Sprintln(&s))
	js, err := json.Marshal(holder)
	require.NoError(t, err)
	text, err := s.MarshalText()
	require.NoError(t, err)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "secret", s, "holder", holder)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "secret", s)
	outputs = append(outputs, string(js), string(text), logs.String())

	for _, out := range outputs {
		assert.NotContains(t, out, value)
	}
	assert.Contains(t, string(js), "[REDACTED]")
	assert.Equal(t, value, s.Reveal(), "Reveal is the one way to read the value")
}

func TestSecretFingerprint(t *testing.T) {
	t.Parallel()
	a, b := credentials.NewSecret("fake-a"), credentials.NewSecret("fake-b")
	assert.Equal(t, a.Fingerprint(), credentials.NewSecret("fake-a").Fingerprint(), "stable")
	assert.NotEqual(t, a.Fingerprint(), b.Fingerprint())
	assert.Regexp(t, `^sha256:[0-9a-f]{12}$`, a.Fingerprint())
	assert.Empty(t, credentials.Secret{}.Fingerprint())
	assert.True(t, credentials.Secret{}.IsZero())
	assert.True(t, a.Equal(credentials.NewSecret("fake-a")))
	assert.False(t, a.Equal(b))
}
