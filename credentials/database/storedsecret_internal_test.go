package database

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLooksEncryptedTellsCloudStackKeysFromCiphertext holds the rule the source reads
// ossea_configs keys by: keys as CloudStack makes them (unpadded URL-safe base64 of a 64-byte
// key) never have the encrypted form, and every value the appliance's format produces does.
func TestLooksEncryptedTellsCloudStackKeysFromCiphertext(t *testing.T) {
	t.Parallel()
	key := make([]byte, KeySize)
	_, err := rand.Read(key)
	require.NoError(t, err)
	c, err := NewCipher(key)
	require.NoError(t, err)
	for range 2000 {
		raw := make([]byte, 64)
		_, err := rand.Read(raw)
		require.NoError(t, err)
		csKey := base64.RawURLEncoding.EncodeToString(raw)
		require.Len(t, csKey, 86)
		require.False(t, looksEncrypted(csKey), "a CloudStack key was taken for ciphertext")

		sealed, err := c.Encrypt(csKey)
		require.NoError(t, err)
		require.True(t, looksEncrypted(sealed), "an encrypted CloudStack key was taken for plaintext")
	}
	for n := 0; n < 100; n++ {
		sealed, err := c.Encrypt(strings.Repeat("x", n))
		require.NoError(t, err)
		assert.True(t, looksEncrypted(sealed), "an encrypted %d-byte value", n)
	}
}

func TestLooksEncrypted(t *testing.T) {
	t.Parallel()
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	cases := []struct {
		name   string
		stored string
		want   bool
	}{
		{"nonce and tag", b64(nonceSize + tagSize), true},
		{"longer", b64(200), true},
		{"one byte short", b64(nonceSize + tagSize - 1), false},
		{"unpadded", strings.TrimRight(b64(29), "="), false},
		{"URL-safe alphabet", strings.ReplaceAll(b64(60), "A", "-"), false},
		{"line break inside", b64(30)[:20] + "\n" + b64(30)[20:], false},
		{"non-zero padding bits", b64(29)[:38] + "B=", false},
		{"TEMP_ value", "TEMP_PLAINTEXT_" + b64(40), false},
		{"a password", "correct horse battery staple", false},
		{"empty", "", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, looksEncrypted(tc.stored), tc.name)
	}
}
