package database

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// ErrPlaintext is the cause (Err) of the ErrDecrypt a Source returns for a vCenter password
// stored unencrypted - a TEMP_ value or a bare password - when AcceptPlaintextPasswords was
// not given.
var ErrPlaintext = errors.New("stored value is not encrypted")

// The appliance takes any password_encrypted value starting with tempPrefix as plaintext and
// drops its first tempStrip characters (the length of TEMP_PLAINTEXT_, the prefix its
// migration seeded), whatever follows TEMP_.
const (
	tempPrefix = "TEMP_"
	tempStrip  = len("TEMP_PLAINTEXT_")
)

// looksEncrypted reports whether stored has the form of the appliance's encrypted values:
// strict, padded standard base64 that decodes to at least a nonce and a GCM tag (28 bytes,
// so at least 40 characters). CloudStack's own API and secret keys never have this form:
// CloudStack makes them with Base64.encodeBase64URLSafeString of a 64-byte HmacSHA1 key,
// 86 characters of the URL-safe alphabet (A-Z a-z 0-9 - _) without padding, and 86 is not a
// multiple of 4, so they can never be padded standard base64. A key of another origin that
// happens to have this form is read as encrypted; see the package documentation.
func looksEncrypted(stored string) bool {
	if len(stored) < 40 || strings.ContainsAny(stored, "\r\n") { // the decoder would skip line breaks
		return false
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(stored)
	return err == nil && len(raw) >= nonceSize+tagSize
}

// open decrypts stored when a key is configured and the value authenticates under it.
func (s *reader) open(stored string) (string, bool) {
	if s.cipher == nil {
		return "", false
	}
	plain, err := s.cipher.Decrypt(stored)
	return plain, err == nil
}

// cloudStackKey returns the clear value of api_key or secret_key. The appliance stores them
// encrypted or in plaintext, row by row, so each value decides for itself: one that opens
// under the key is encrypted; one that only looks encrypted (looksEncrypted) and does not
// open is an error; anything else is plaintext. An empty column stays empty for Check.
func (s *reader) cloudStackKey(ref credentials.Ref, row *cloudStackRow, field credentials.Field, stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	if plain, ok := s.open(stored); ok {
		return plain, nil
	}
	if !looksEncrypted(stored) {
		return stored, nil
	}
	column := columnOf[field]
	e := &credentials.Error{Code: fkerrors.Decrypt, Source: sourceName, Kind: credentials.KindCloudStack,
		Account: ref.String(), Field: field}
	resave := "if it holds a plaintext key that merely has the form of an encrypted one, save the configuration again in " +
		guiCloudStack + " (or Writer.RotateCloudStackKeys) with the appliance's key set, so that it is stored encrypted"
	if s.cipher == nil {
		e.Problem = column + " of " + row.named() + " is encrypted (base64 of a nonce and a sealed value) and no encryption key is configured"
		e.Fix = "pass database.WithKey(key) with the appliance's key from database.KeyFromEnv (" + KeyEnv + "); " + resave
		e.Err = ErrKeyMissing
		return "", e
	}
	e.Problem = column + " of " + row.named() + " has the form of an encrypted value but does not decrypt with the configured key"
	e.Fix = "give the source the appliance's key (" + KeyEnv + " of the OMA API service); if the key was changed on purpose, " +
		"enter the keys again in " + guiCloudStack + " or call Writer.RotateCloudStackKeys; " + resave
	e.Err = ErrCiphertextAuth
	return "", e
}

// password returns the clear password of row and the warnings to carry with it. A value
// starting with TEMP_ or a bare (not encrypted) password is refused unless the caller opted
// in with AcceptPlaintextPasswords, and then logged on every use. An empty column yields ""
// so that Check reports the field as missing.
func (s *reader) password(ctx context.Context, ref credentials.Ref, row *vSphereRow) (string, []string, error) {
	const kind = credentials.KindVSphere
	stored := row.passwordEncrypted.get()
	if stored == "" {
		return "", nil, nil
	}
	e := &credentials.Error{Code: fkerrors.Decrypt, Source: sourceName, Kind: kind, Account: ref.String(),
		Field: credentials.FieldPassword, Err: ErrPlaintext}
	reencrypt := "re-encrypt it: re-enter the password of this set in " + guiVSphere + " while the OMA API service has " + KeyEnv +
		" set, or run Writer.ReencryptPlaintext (database.NewWriter with the appliance's key)"
	optIn := "; database.AcceptPlaintextPasswords() reads such rows meanwhile, with a warning on every use"
	var plain, what string
	switch {
	case strings.HasPrefix(stored, tempPrefix):
		if len(stored) < tempStrip {
			e.Problem = "password_encrypted of " + row.named() + " holds a TEMP_ value shorter than the " +
				"15-character TEMP_PLAINTEXT_ marker the appliance strips, so no password can be read from it"
			e.Fix = "re-enter the password of this set in " + guiVSphere + " or call Writer.RotateVSpherePassword"
			return "", nil, e
		}
		plain, what = stored[tempStrip:], "an unencrypted TEMP_ value (like the TEMP_PLAINTEXT_<password> an appliance migration seeded)"
	default:
		if p, ok := s.open(stored); ok {
			return p, nil, nil
		}
		if looksEncrypted(stored) {
			return "", nil, s.undecryptable(ref, row)
		}
		plain, what = stored, "a bare, unencrypted password (what the appliance stores when its API service runs without "+KeyEnv+
			"), or a damaged value: it is not in the encrypted format"
	}
	if !s.cfg.acceptPlaintext {
		e.Problem = "password_encrypted of " + row.named() + " holds " + what
		e.Fix = reencrypt + optIn
		return "", nil, e
	}
	warning := "vCenter password of " + row.named() + " is stored unencrypted; " + reencrypt
	s.cfg.logger.WarnContext(ctx, "credentials: using an unencrypted vCenter password; re-encrypt it (Writer.ReencryptPlaintext or re-enter it in the OMA GUI)",
		"source", sourceName, "account", row.name.get(), "location", row.location())
	return plain, []string{warning}, nil
}

// undecryptable is the error for a password that has the encrypted form but cannot be
// opened: no key, or not the key it was sealed with.
func (s *reader) undecryptable(ref credentials.Ref, row *vSphereRow) error {
	e := &credentials.Error{Code: fkerrors.Decrypt, Source: sourceName, Kind: credentials.KindVSphere, Account: ref.String(),
		Field: credentials.FieldPassword}
	if s.cipher == nil {
		e.Problem = "no encryption key configured to decrypt password_encrypted of " + row.named()
		e.Fix = "pass database.WithKey(key) with the key from database.KeyFromEnv (" + KeyEnv + ", as the OMA API service has it)"
		e.Err = ErrKeyMissing
		return e
	}
	e.Problem = "password_encrypted of " + row.named() + " does not decrypt with the configured key (another key, or an altered value)"
	e.Fix = "give the source the appliance's key (" + KeyEnv + " of the OMA API service); if the key was changed on purpose, " +
		"re-enter the password of this set in " + guiVSphere + " or call Writer.RotateVSpherePassword"
	e.Err = ErrCiphertextAuth
	return e
}
