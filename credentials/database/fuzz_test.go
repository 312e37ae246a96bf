package database_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// fuzzKey is a fixed key for the fuzz target, so that corpus entries stay meaningful.
var fuzzKey = []byte("0123456789abcdef0123456789abcdef")

// FuzzDecrypt feeds arbitrary stored values to Decrypt: it must never panic, and must either
// succeed or fail with ErrDecrypt and one of the three causes, without echoing the value.
// Values that decrypt must round-trip through Encrypt.
func FuzzDecrypt(f *testing.F) {
	c, err := database.NewCipher(fuzzKey)
	if err != nil {
		f.Fatal(err)
	}
	valid, err := c.Encrypt("fake-password")
	if err != nil {
		f.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(valid)
	for _, seed := range []string{
		valid, "", "=", "====", "AAAA", "TEMP_PLAINTEXT_fake", "%%%%", valid[:len(valid)-4], valid + "AAAA",
		base64.StdEncoding.EncodeToString(raw[:12]), base64.StdEncoding.EncodeToString(raw[:28]),
		base64.StdEncoding.EncodeToString(make([]byte, 1024)), strings.Repeat("A", 4096), "\x00\xff\xfe", valid + "\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, stored string) {
		plain, err := c.Decrypt(stored)
		if err == nil {
			again, err := c.Encrypt(plain)
			if err != nil {
				t.Fatalf("encrypt: %v", err)
			}
			back, err := c.Decrypt(again)
			if err != nil || back != plain {
				t.Fatalf("round trip failed: %v", err)
			}
			return
		}
		if !errors.Is(err, fkerrors.Decrypt) {
			t.Fatalf("untyped error: %v", err)
		}
		if !errors.Is(err, database.ErrCiphertextEncoding) && !errors.Is(err, database.ErrCiphertextShort) &&
			!errors.Is(err, database.ErrCiphertextAuth) {
			t.Fatalf("error without a cause: %v", err)
		}
		if plain != "" {
			t.Fatalf("a failed decryption returned a value")
		}
		if len(stored) >= 8 && strings.Contains(err.Error(), stored) {
			t.Fatalf("the error echoes the stored value")
		}
	})
}
