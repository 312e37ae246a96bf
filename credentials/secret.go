package credentials

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
)

// redacted is what a Secret prints in place of its value, everywhere.
const redacted = "[REDACTED]"

// Secret holds a credential value (an API key, a secret key, a password) so that it cannot
// leak by accident: String, GoString, every fmt verb, JSON, text marshalling and slog all
// print "[REDACTED]". The value is read with one explicit call, Reveal.
//
// The zero Secret is empty. The value sits behind a pointer so that even where fmt cannot
// call these methods (a Secret inside an unexported field, printed by reflection) it prints
// an address, not the value. Compare secrets with Equal, not ==.
type Secret struct {
	value *string
}

// NewSecret wraps value.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{value: &value}
}

// Reveal returns the value. Call it only where the value is handed to the system that needs
// it (an HTTP signer, a login call), never to build a message.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == nil }

// Equal reports whether two secrets hold the same value.
func (s Secret) Equal(o Secret) bool { return s.Reveal() == o.Reveal() }

// Fingerprint returns a short, stable digest of the value ("sha256:" and 12 hex digits), or
// "" for an empty secret. It lets logs and job records show which secret was used and when it
// changed without showing the secret. It is a truncated hash, not a way to check a password.
func (s Secret) Fingerprint() string {
	if s.value == nil {
		return ""
	}
	sum := sha256.Sum256([]byte("failoverkit-fingerprint\x00" + *s.value))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (s Secret) GoString() string { return `credentials.Secret("` + redacted + `")` }

// Format implements fmt.Formatter so that no verb, flag or width reveals the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(redacted))
}

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
