package appliance

import (
	"errors"
	"strings"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Conditions of the package, finer than a category. Every error of the package is an *Error
// (errors.As) matching one of them and its category (fkerrors.Code) with errors.Is.
var (
	// ErrNotFound (category NotFound): a row the operation needs is missing (a replication
	// context, its disks, the replicated volume of a disk).
	ErrNotFound = errors.New("appliance row not found")
	// ErrInconsistent (category Invalid): rows exist but disagree with each other or with
	// the job (a disk whose volume belongs to another VM, a disk id the appliance does not
	// write, a network mapping without a destination).
	ErrInconsistent = errors.New("appliance rows inconsistent")
	// ErrSchema (category Invalid): the database does not hold the appliance's tables as
	// deployed, or a table of the journal's own name is not the journal's. Nothing was
	// changed.
	ErrSchema = errors.New("tables are not the appliance's")
	// ErrDatabase (category Unavailable): the database could not be read or written
	// (unreachable, a failed transaction). A journal write that fails this way was rolled
	// back whole.
	ErrDatabase = errors.New("appliance database read or write failed")
)

var codeOf = map[error]fkerrors.Code{
	ErrNotFound: fkerrors.NotFound, ErrInconsistent: fkerrors.Invalid, ErrSchema: fkerrors.Invalid, ErrDatabase: fkerrors.Unavailable,
}

// Error is the detail behind every error of the package.
type Error struct {
	// Reason is ErrNotFound, ErrInconsistent, ErrSchema or ErrDatabase.
	Reason error
	// Table and Row name what the error is about: "vm_disks", "disk_id=disk-2001 of
	// context ctx-1". Row is empty for an error about a whole table.
	Table, Row string
	// Problem says what is wrong, Fix what to do about it.
	Problem, Fix string
	// Err is the underlying error (a database driver's), if any.
	Err error
}

// Error renders "appliance: <table> <row>: <problem>[: <cause>]; fix: <remedy>", through
// fkerrors.Visible.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("appliance: ")
	b.WriteString(e.Table)
	if e.Row != "" {
		b.WriteString(" ")
		b.WriteString(e.Row)
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	return fkerrors.Message(b.String(), e.Err, e.Remedy())
}

// Remedy says how to fix the error, with fkerrors.Visible applied: rows are named by values
// from the appliance's tables.
func (e *Error) Remedy() string { return fkerrors.RemedyOf(e.Fix, e.Err) }

// Code is the error's category.
func (e *Error) Code() fkerrors.Code { return codeOf[e.Reason] }

// Unwrap exposes the category, the condition and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error { return fkerrors.Unwraps(e.Code(), e.Reason, e.Err) }
