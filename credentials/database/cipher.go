package database

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// KeyEnv is the environment variable the appliance keeps its credential encryption key in:
// standard base64 of 32 random bytes.
const KeyEnv = "MIGRATEKIT_CRED_ENCRYPTION_KEY"

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

const (
	nonceSize = 12
	tagSize   = 16
)

// Causes behind key and ciphertext errors. They sit in the Err field of the *credentials.Error
// returned, so errors.Is distinguishes them as well as the category.
var (
	// ErrKeyMissing: no key was given (the variable is unset or empty).
	ErrKeyMissing = errors.New("encryption key missing")
	// ErrKeyInvalid: the key is not standard base64 of exactly 32 bytes.
	ErrKeyInvalid = errors.New("encryption key invalid")
	// ErrCiphertextEncoding: the stored value is not standard base64.
	ErrCiphertextEncoding = errors.New("ciphertext is not base64")
	// ErrCiphertextShort: the stored value is shorter than a nonce and a tag.
	ErrCiphertextShort = errors.New("ciphertext too short")
	// ErrCiphertextAuth: authentication failed: the value was encrypted with another key or
	// has been altered.
	ErrCiphertextAuth = errors.New("ciphertext does not authenticate (wrong key or altered value)")
)

const keyRemedy = "export " + KeyEnv + " with the appliance's key (standard base64 of 32 bytes; the OMA API service's environment holds it); for a new database generate one with `openssl rand -base64 32`"

// KeyFromEnv reads and decodes MIGRATEKIT_CRED_ENCRYPTION_KEY. Surrounding white space is
// ignored. A missing key is ErrNotFound (cause ErrKeyMissing); one that is not base64 or not
// 32 bytes long is ErrInvalid (cause ErrKeyInvalid). Errors name the variable and the fix and
// never include the value.
func KeyFromEnv() ([]byte, error) {
	return parseKey(os.Getenv(KeyEnv), KeyEnv, keyRemedy)
}

// ParseKey decodes a key given as standard base64 of 32 bytes, as KeyFromEnv does.
func ParseKey(encoded string) ([]byte, error) {
	return parseKey(encoded, "the encryption key", "pass standard base64 of 32 random bytes, the same key the appliance uses ("+KeyEnv+")")
}

func parseKey(encoded, name, remedy string) ([]byte, error) {
	encoded = strings.TrimSpace(encoded)
	if encoded == "" {
		return nil, &credentials.Error{Code: fkerrors.NotFound, Source: sourceName,
			Problem: name + " is not set", Fix: remedy, Err: ErrKeyMissing}
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: name + " is not standard base64", Fix: remedy, Err: ErrKeyInvalid}
	}
	if len(key) != KeySize {
		return nil, &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: name + " decodes to " + strconv.Itoa(len(key)) + " bytes, AES-256 needs 32",
			Fix:     remedy, Err: ErrKeyInvalid}
	}
	return key, nil
}

// Cipher encrypts and decrypts stored passwords in the appliance's format: standard base64 of
// a 12-byte random nonce followed by the AES-256-GCM sealed ciphertext (tag included). It is
// safe for concurrent use.
type Cipher struct {
	aead cipher.AEAD
}

// NewCipher returns a Cipher for a 32-byte key (see KeyFromEnv and ParseKey).
func NewCipher(key []byte) (*Cipher, error) {
	if len(key) != KeySize {
		return nil, &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: "the encryption key is " + strconv.Itoa(len(key)) + " bytes, AES-256 needs 32",
			Fix:     "decode the key with database.KeyFromEnv or database.ParseKey", Err: ErrKeyInvalid}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: "the encryption key is unusable", Fix: "decode the key with database.KeyFromEnv or database.ParseKey", Err: ErrKeyInvalid}
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, &credentials.Error{Code: fkerrors.Invalid, Source: sourceName,
			Problem: "the encryption key is unusable", Fix: "decode the key with database.KeyFromEnv or database.ParseKey", Err: ErrKeyInvalid}
	}
	return &Cipher{aead: aead}, nil
}

// Encrypt seals plaintext under a fresh random nonce and returns the stored form.
func (c *Cipher) Encrypt(plaintext string) (string, error) {
	nonce := make([]byte, nonceSize, nonceSize+len(plaintext)+tagSize)
	if _, err := rand.Read(nonce); err != nil {
		return "", &credentials.Error{Code: fkerrors.Unavailable, Source: sourceName,
			Problem: "no randomness for a nonce", Fix: "check the system's random source", Err: err}
	}
	sealed := c.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// Decrypt opens a stored value. Every failure is ErrDecrypt with one of the causes
// ErrCiphertextEncoding, ErrCiphertextShort or ErrCiphertextAuth; it never panics and the
// error never contains the value.
func (c *Cipher) Decrypt(stored string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return "", decryptError(ErrCiphertextEncoding, "the stored value is not standard base64")
	}
	if len(raw) < nonceSize+tagSize {
		return "", decryptError(ErrCiphertextShort, "the stored value is "+strconv.Itoa(len(raw))+" bytes, shorter than a nonce and a tag")
	}
	plain, err := c.aead.Open(nil, raw[:nonceSize], raw[nonceSize:], nil)
	if err != nil {
		return "", decryptError(ErrCiphertextAuth, "the stored value does not decrypt with this key (another key, or an altered value)")
	}
	return string(plain), nil
}

func decryptError(cause error, problem string) error {
	return &credentials.Error{Code: fkerrors.Decrypt, Source: sourceName, Field: credentials.FieldPassword,
		Problem: problem, Fix: "use the appliance's key (" + KeyEnv + ") or store the password again through the writer", Err: cause}
}
