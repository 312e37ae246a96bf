// Package fkerrors is failoverkit's one error model: the categories every error of the
// module belongs to, and the remedy every error carries.
//
// # Categories
//
// Every error the module returns - a credential that cannot be fetched, a CloudStack or
// vCenter call that failed, a failover step - matches exactly one Code with errors.Is:
//
//	if errors.Is(err, fkerrors.Unauthenticated) { ... }
//	switch fkerrors.CodeOf(err) { case fkerrors.NotFound: ... }
//
// and holds its package's detail type for errors.As: *credentials.Error,
// *cloudstack.APIError, *vsphere.Error, *failover.Error. A package may add sentinels of its
// own for conditions finer than a category (failover.ErrBusy, vsphere.ErrPowerOffNotAllowed,
// cloudstack.ErrJobFailed); they match alongside the category.
//
// # Remedies
//
// Every error says how to fix it. Its message ends with "; fix: " and the remedy, once, and
// Remedy returns the remedy alone, wherever it sits in a chain of wrapped errors. Explain
// splits a message into the problem and the remedy, for a GUI or a JSON answer that shows
// them apart:
//
//	problem, remedy := fkerrors.Explain(err)
//
// No error, remedy or message holds a secret.
//
// # Values from outside
//
// A value from a store, a server or a request reaches a message, a remedy or a log attribute
// only through Visible, which shows control characters, bidirectional overrides, newlines and
// invalid UTF-8 as escapes: no stored name can clear a terminal or print a line that looks
// like a message of its own. Explain and Remedy apply it as well.
package fkerrors

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Code is the category of an error. It is itself an error, so that errors.Is matches it in
// any chain; Code values are the only categories.
type Code int

// The categories.
const (
	// Unknown: the error carries no category (it did not come from this module).
	Unknown Code = iota
	// NotFound: what was asked for does not exist - a credential set, a VM, a volume, a job.
	NotFound
	// Incomplete: something exists but a required part of it is empty.
	Incomplete
	// Invalid: a value cannot be right - a malformed URL, a bad argument, a refused parameter.
	Invalid
	// Ambiguous: several things claim to be the one asked for.
	Ambiguous
	// Decrypt: a stored secret cannot be decrypted, or is stored unencrypted.
	Decrypt
	// Permission: the caller may not do or read this (a role, a policy, a file mode).
	Permission
	// Unauthenticated: a system rejected the credentials.
	Unauthenticated
	// Unavailable: a system could not be reached or did not answer; retrying later may work.
	Unavailable
	// Conflict: the request breaks a rule given the current state (a volume attached, a VM
	// running, a job in another state, a VM another operation holds).
	Conflict
	// Capacity: a limit or the cloud's capacity prevents the request.
	Capacity
	// Timeout: something did not finish within its time limit.
	Timeout
	// Canceled: the caller's context ended (canceled or past its deadline); errors.Is also
	// matches context.Canceled or context.DeadlineExceeded.
	Canceled
	// Internal: a system reported an internal error.
	Internal
	// Closed: the object was closed.
	Closed
)

var names = [...]string{
	Unknown: "unknown", NotFound: "not found", Incomplete: "incomplete", Invalid: "invalid",
	Ambiguous: "ambiguous", Decrypt: "cannot be decrypted", Permission: "permission denied",
	Unauthenticated: "unauthenticated", Unavailable: "unavailable", Conflict: "conflict",
	Capacity: "limit or capacity exceeded", Timeout: "timed out", Canceled: "canceled",
	Internal: "internal error", Closed: "closed",
}

// String names the category.
func (c Code) String() string {
	if c >= 0 && int(c) < len(names) {
		return names[c]
	}
	return "unknown"
}

// Error returns the category's name, so that a Code can be matched with errors.Is.
func (c Code) Error() string { return c.String() }

// CodeOf returns the category of err: the first Code in its chain, Canceled for a context
// error without one, or Unknown.
func CodeOf(err error) Code {
	var c Code
	if errors.As(err, &c) {
		return c
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Canceled
	}
	return Unknown
}

// Remedy returns the remedy of err: that of the first error in its chain, depth first,
// whose Remedy method returns one, with Visible applied; "" when none does.
func Remedy(err error) string {
	var r string
	walk(err, func(e error) bool {
		if x, ok := e.(interface{ Remedy() string }); ok {
			r = x.Remedy()
		}
		return r != ""
	})
	if r == "" {
		// A chain that walk cannot follow (go-multierror's) may still answer errors.As.
		var x interface{ Remedy() string }
		if errors.As(err, &x) {
			r = x.Remedy()
		}
	}
	return Visible(r)
}

// RemedyOf is the remedy of a package's detail error: its own fix when it has one, else its
// cause's, with Visible applied.
func RemedyOf(fix string, cause error) string {
	if fix != "" {
		return Visible(fix)
	}
	return Remedy(cause)
}

// Unwraps is what a package's detail error unwraps to for errors.Is and errors.As: its
// category (unless Unknown), then those of errs that are not nil, in order.
func Unwraps(code Code, errs ...error) []error {
	out := make([]error, 0, 1+len(errs))
	if code != Unknown {
		out = append(out, code)
	}
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// Explain splits err's message into the problem and the remedy: the message without its
// trailing "; fix: <remedy>", and the remedy, both with Visible applied (so that an error
// from outside the module cannot forge a line either). An error without a remedy comes back
// whole, with an empty remedy.
func Explain(err error) (problem, remedy string) {
	if err == nil {
		return "", ""
	}
	msg, remedy := Visible(err.Error()), Remedy(err)
	if remedy != "" {
		msg = strings.TrimSuffix(msg, FixSeparator+remedy)
	}
	return msg, remedy
}

// FixSeparator introduces the remedy at the end of every message of the module.
const FixSeparator = "; fix: "

// WithFix appends the remedy to a message as every error of the module ends: "; fix: ..."
// (nothing when fix is empty).
func WithFix(msg, fix string) string {
	if fix == "" {
		return msg
	}
	return msg + FixSeparator + fix
}

// Message finishes a detail type's message the way every package's does: msg, then the
// cause's problem without its remedy (fix is the error's one remedy), then "; fix: " and fix,
// with Visible applied, since msg and the cause name values from stores and servers.
func Message(msg string, cause error, fix string) string {
	if cause != nil {
		problem, _ := Explain(cause)
		msg += ": " + problem
	}
	return Visible(WithFix(msg, fix))
}

// walk visits err and its chain depth first until visit returns true.
func walk(err error, visit func(error) bool) bool {
	if err == nil {
		return false
	}
	if visit(err) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return walk(u.Unwrap(), visit)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if walk(e, visit) {
				return true
			}
		}
	}
	return false
}

// Visible returns s with every character that does not show as itself written as an
// escape, the way strconv.Quote writes it but without the quotes: control characters (\n,
// \r, \t, \x1b, \x00, DEL as \x7f, C1 as \u0085), bidirectional-text controls (\u202e,
// \u2066, ...) and other invisible format characters (\u200b, \ufeff), line and paragraph
// separators, spaces other than the ASCII one (\u00a0), and each byte of invalid UTF-8
// (\xff). Everything else - quotes and backslashes included - is left as it is, so ordinary
// text comes back unchanged and Visible(Visible(s)) == Visible(s): a value escaped once may
// pass through another message that escapes it again.
//
// The module applies it to every value from a store, a server or a request that it puts into
// an error message, a remedy or a log attribute, so that such a value can neither move the
// cursor, clear or recolour a terminal, reorder the text around it, nor start a line that
// looks like a message of its own.
func Visible(s string) string {
	i := unsafeIndex(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[s[i]>>4])
			b.WriteByte(hexDigits[s[i]&0xf])
		case unsafeRune(r):
			b.WriteString(escape(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// VisibleError returns err with its message shown as Visible shows it, for a log attribute:
// errors.Is and errors.As still see err through it, so a log handler can tell what failed.
func VisibleError(err error) error {
	if err == nil {
		return nil
	}
	return visibleError{err}
}

type visibleError struct{ err error }

func (e visibleError) Error() string { return Visible(e.err.Error()) }
func (e visibleError) Unwrap() error { return e.err }

const hexDigits = "0123456789abcdef"

// unsafeIndex returns the byte offset of the first character Visible escapes, or -1.
func unsafeIndex(s string) int {
	for i, r := range s {
		if unsafeRune(r) {
			return i
		}
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return -1
}

// unsafeRune reports the characters Visible escapes: every one that does not show as itself,
// which is all but letters, marks, numbers, punctuation, symbols and the ASCII space
// (unicode.IsPrint): control characters (C0, DEL, C1), bidirectional-text controls and
// other invisible format characters, line and paragraph separators, other spaces, and
// unassigned code points.
func unsafeRune(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }

// escape writes r as strconv.Quote would.
func escape(r rune) string {
	q := strconv.QuoteRune(r) // e.g. '\x1b', '\u202e', '\n'
	return q[1 : len(q)-1]
}
