package credentials

import (
	"errors"
	"strings"
)

// Error categories. Every error a source returns matches exactly one of them with errors.Is,
// and carries an *Error with the details (errors.As).
var (
	// ErrNotFound: no credential set for the account, or no active/default set.
	ErrNotFound = errors.New("credentials not found")
	// ErrIncomplete: the set exists but a required field is empty.
	ErrIncomplete = errors.New("credentials incomplete")
	// ErrInvalid: a field holds a value that cannot be right (padding, bad URL, bad key).
	ErrInvalid = errors.New("credentials invalid")
	// ErrAmbiguous: more than one set claims to be the one asked for.
	ErrAmbiguous = errors.New("credentials ambiguous")
	// ErrDecrypt: a stored secret cannot be decrypted, or is stored in plaintext.
	ErrDecrypt = errors.New("credentials cannot be decrypted")
	// ErrPermission: the source refused to let us read the set.
	ErrPermission = errors.New("permission denied reading credentials")
	// ErrUnavailable: the backing store could not be reached.
	ErrUnavailable = errors.New("credential store unavailable")
	// ErrUnauthenticated: the target system (or the store itself) rejected the credentials.
	ErrUnauthenticated = errors.New("credentials rejected")
)

// Error is the detail behind every credential error: which source, which kind of set, which
// account, which field, what is wrong and how to fix it. It never holds a secret value.
type Error struct {
	// Category is one of the Err* sentinels above.
	Category error
	// Source is the source kind ("database", "env", "vault", ...) or the system that rejected
	// the credentials ("cloudstack", "vsphere").
	Source string
	// Kind is the kind of credential set, when known.
	Kind Kind
	// Account is the account as requested or resolved ("default" for the default set).
	Account string
	// Field is the logical field at fault, when one is.
	Field Field
	// Problem says what is wrong, in a few words.
	Problem string
	// Remedy says how to fix it: which setting to fill, variable to export, path to write.
	Remedy string
	// Err is the underlying cause, if any; it must not carry secret values.
	Err error
}

// Error renders "credentials: <source> <kind> account <account>: <problem>[: <cause>]; fix: <remedy>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("credentials: ")
	b.WriteString(e.Source)
	if e.Kind != "" && string(e.Kind) != e.Source {
		b.WriteString(" ")
		b.WriteString(string(e.Kind))
	}
	if e.Account != "" {
		b.WriteString(" account ")
		b.WriteString(e.Account)
	}
	b.WriteString(": ")
	if e.Problem != "" {
		b.WriteString(e.Problem)
	} else if e.Category != nil {
		b.WriteString(e.Category.Error())
	}
	if e.Field != "" && !strings.Contains(e.Problem, string(e.Field)) {
		b.WriteString(" (field ")
		b.WriteString(string(e.Field))
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Remedy != "" {
		b.WriteString("; fix: ")
		b.WriteString(e.Remedy)
	}
	return b.String()
}

// Unwrap exposes both the category and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Category != nil {
		errs = append(errs, e.Category)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Remedy returns the remedy of the first *Error in err's chain, or "".
func Remedy(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Remedy
	}
	return ""
}
