package credentials

import (
	"strings"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Error is the detail behind every credential error: which source, which kind of set, which
// account, which field, what is wrong and how to fix it. It never holds a secret value.
type Error struct {
	// Code is the error's category.
	Code fkerrors.Code
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
	// Fix says how to fix it: which setting to fill, variable to export, path to write.
	Fix string
	// Err is the underlying cause, if any; it must not carry secret values.
	Err error
}

// Error renders "credentials: <source> <kind> account <account>: <problem>[: <cause>]; fix: <remedy>",
// the remedy once. Account names, locations and causes come from stores and requests, so the
// message goes through fkerrors.Visible: a control character, a newline or a bidirectional
// override in any of them is shown as an escape.
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
	} else {
		b.WriteString("credentials " + e.Code.String())
	}
	if e.Field != "" && !strings.Contains(e.Problem, string(e.Field)) {
		b.WriteString(" (field ")
		b.WriteString(string(e.Field))
		b.WriteString(")")
	}
	// The cause's own remedy, if it has one, is this error's remedy when it has none: either
	// way the message ends with one remedy.
	return fkerrors.Message(b.String(), e.Err, e.Remedy())
}

// Remedy returns how to fix the error: Fix, or the cause's remedy when Fix is empty, with
// fkerrors.Visible applied, since either may name values from the store.
func (e *Error) Remedy() string { return fkerrors.RemedyOf(e.Fix, e.Err) }

// Unwrap exposes both the category and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error { return fkerrors.Unwraps(e.Code, e.Err) }
