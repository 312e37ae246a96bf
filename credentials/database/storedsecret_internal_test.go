package database

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
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

// FuzzStoredPassword feeds arbitrary password_encrypted values to the source's reading of
// them, strict and with plaintext accepted: it must never panic, and must either return a
// password or a typed ErrDecrypt with a remedy whose text is the same as for any other value
// of its kind, so that nothing of the stored value is in it.
func FuzzStoredPassword(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	c, err := NewCipher(key)
	if err != nil {
		f.Fatal(err)
	}
	sealed, err := c.Encrypt("fake-password")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{"", "TEMP_", "TEMP_PLAINTEXT_", "TEMP_PLAINTEXT_fake", "TEMP_\xff\xfe", "fake-password",
		sealed, sealed[:len(sealed)-4], sealed + "\n", base64.StdEncoding.EncodeToString(make([]byte, 28)), "\x00"} {
		f.Add(seed)
	}
	strict := &reader{cfg: sourceConfig([]SourceOption{WithLogger(slog.New(slog.DiscardHandler))}), cipher: c}
	lax := &reader{cfg: sourceConfig([]SourceOption{WithLogger(slog.New(slog.DiscardHandler)), AcceptPlaintextPasswords()}), cipher: c}
	read := func(s *reader, stored string) (string, error) {
		row := &vSphereRow{id: 1}
		row.name.String, row.name.Valid = "vc", true
		row.passwordEncrypted.String, row.passwordEncrypted.Valid = stored, true
		pw, _, err := s.password(context.Background(), credentials.Ref{}, row)
		return pw, err
	}
	// kindOf returns a fixed value of the same kind as stored.
	kindOf := func(stored string) string {
		switch {
		case strings.HasPrefix(stored, tempPrefix) && len(stored) < tempStrip:
			return "TEMP_"
		case strings.HasPrefix(stored, tempPrefix):
			return "TEMP_PLAINTEXT_x"
		case looksEncrypted(stored):
			return base64.StdEncoding.EncodeToString(make([]byte, 28))
		default:
			return "bare"
		}
	}
	f.Fuzz(func(t *testing.T, stored string) {
		for _, s := range []*reader{strict, lax} {
			pw, err := read(s, stored)
			if err == nil {
				continue
			}
			if !errors.Is(err, fkerrors.Decrypt) || fkerrors.Remedy(err) == "" {
				t.Fatalf("untyped error or no remedy: %v", err)
			}
			if pw != "" {
				t.Fatalf("a refused value returned a password")
			}
			_, same := read(s, kindOf(stored))
			if same == nil || same.Error() != err.Error() {
				t.Fatalf("the error depends on the stored value: %q, for its kind %v", err, same)
			}
		}
	})
}
