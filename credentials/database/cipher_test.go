package database_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func TestCipherCompatibleWithAppliance(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	c, err := database.NewCipher(key)
	require.NoError(t, err)
	for _, pw := range []string{"", "x", "päss wörd with spaces", strings.Repeat("long", 100)} {
		got, err := c.Decrypt(omaEncrypt(t, key, pw))
		require.NoError(t, err)
		assert.Equal(t, pw, got)

		stored, err := c.Encrypt(pw)
		require.NoError(t, err)
		assert.Equal(t, pw, omaDecrypt(t, key, stored))
		again, err := c.Encrypt(pw)
		require.NoError(t, err)
		assert.NotEqual(t, stored, again, "every encryption uses a fresh nonce")
	}
}

func TestCipherRejectsBadValues(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	c, err := database.NewCipher(key)
	require.NoError(t, err)
	good := omaEncrypt(t, key, "fake-password-value")
	raw, err := base64.StdEncoding.DecodeString(good)
	require.NoError(t, err)
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)-1] ^= 1

	cases := []struct {
		name, stored string
		cause        error
	}{
		{"empty", "", database.ErrCiphertextShort},
		{"not base64", "%%%", database.ErrCiphertextEncoding},
		{"url-safe base64", strings.NewReplacer("+", "-", "/", "_").Replace(good) + "-_", database.ErrCiphertextEncoding},
		{"nonce only", base64.StdEncoding.EncodeToString(raw[:12]), database.ErrCiphertextShort},
		{"one byte short of a tag", base64.StdEncoding.EncodeToString(raw[:27]), database.ErrCiphertextShort},
		{"truncated", base64.StdEncoding.EncodeToString(raw[:len(raw)-1]), database.ErrCiphertextAuth},
		{"altered", base64.StdEncoding.EncodeToString(flipped), database.ErrCiphertextAuth},
		{"other key", omaEncrypt(t, newKey(t), "fake-password-value"), database.ErrCiphertextAuth},
		{"plaintext marker", "TEMP_PLAINTEXT_fake-password-value", database.ErrCiphertextEncoding},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Decrypt(tc.stored)
			require.ErrorIs(t, err, fkerrors.Decrypt)
			require.ErrorIs(t, err, tc.cause)
			assert.Empty(t, got)
			assert.NotContains(t, err.Error(), "fake-password-value")
			if len(tc.stored) > 4 {
				assert.NotContains(t, err.Error(), tc.stored, "the stored value is not echoed")
			}
		})
	}
}

// TestKeyFromEnv is not parallel: it sets the process environment.
func TestKeyFromEnv(t *testing.T) {
	key := newKey(t)
	encoded := base64.StdEncoding.EncodeToString(key)
	cases := []struct {
		name, value string
		category    error
		cause       error
	}{
		{"valid", encoded, nil, nil},
		{"valid with newline", encoded + "\n", nil, nil},
		{"unset", "", fkerrors.NotFound, database.ErrKeyMissing},
		{"white space", "  ", fkerrors.NotFound, database.ErrKeyMissing},
		{"short", base64.StdEncoding.EncodeToString(key[:16]), fkerrors.Invalid, database.ErrKeyInvalid},
		{"long", base64.StdEncoding.EncodeToString(append(key, 1)), fkerrors.Invalid, database.ErrKeyInvalid},
		{"garbled", "not//base64!!" + encoded[:8], fkerrors.Invalid, database.ErrKeyInvalid},
		{"raw bytes", strings.Repeat("\xfe", 32), fkerrors.Invalid, database.ErrKeyInvalid},
		{"placeholder", "WILL_BE_GENERATED_DURING_BUILD", fkerrors.Invalid, database.ErrKeyInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(database.KeyEnv, tc.value)
			got, err := database.KeyFromEnv()
			if tc.category == nil {
				require.NoError(t, err)
				assert.Equal(t, key, got)
				return
			}
			require.ErrorIs(t, err, tc.category)
			require.ErrorIs(t, err, tc.cause)
			msg := err.Error()
			assert.Contains(t, msg, database.KeyEnv, "the error names the variable")
			assert.Contains(t, msg, "openssl rand -base64 32", "the error says how to make a key")
			if strings.TrimSpace(tc.value) != "" {
				assert.NotContains(t, msg, strings.TrimSpace(tc.value), "the key is not echoed")
			}
		})
	}
}

func TestParseKeyAndNewCipher(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	got, err := database.ParseKey(base64.StdEncoding.EncodeToString(key))
	require.NoError(t, err)
	assert.Equal(t, key, got)
	_, err = database.ParseKey("")
	require.ErrorIs(t, err, database.ErrKeyMissing)
	for _, n := range []int{0, 16, 24, 31, 33} {
		_, err := database.NewCipher(make([]byte, n))
		require.ErrorIs(t, err, database.ErrKeyInvalid, "%d bytes", n)
	}
}
