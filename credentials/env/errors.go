package env

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func (r *reading) errorf(category fkerrors.Code, field credentials.Field) *credentials.Error {
	return &credentials.Error{Code: category, Source: sourceName, Kind: r.kind, Account: r.account, Field: field}
}

// notFound lists the variables the caller has to export, with the account's suffix.
func (r *reading) notFound() error {
	required := cloudStackRequired
	if r.kind == credentials.KindVSphere {
		required = vSphereRequired
	}
	names := make([]string, len(required))
	for i, f := range required {
		names[i] = r.name(r.index(f))
	}
	e := r.errorf(fkerrors.NotFound, "")
	e.Problem = "no " + string(r.kind) + " variable of this account is set"
	e.Fix = "export " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] +
		" (or name a file holding a value in the variable's " + FileSuffix + " variant, e.g. " +
		names[len(names)-1] + FileSuffix + ")"
	return e
}

func (r *reading) ambiguous(i int) error {
	name := r.name(i)
	e := r.errorf(fkerrors.Ambiguous, r.vars[i].field)
	e.Problem = "both " + name + " and " + name + FileSuffix + " are set"
	e.Fix = "unset one of " + name + " and " + name + FileSuffix
	return e
}

// fileError classifies a failed read of the file variable i names. The cause is kept (an
// *fs.PathError names the path and the reason, never the contents).
func (r *reading) fileError(i int, err error) error {
	name := r.name(i) + FileSuffix
	path := r.paths[i]
	e := r.errorf(fkerrors.Unavailable, r.vars[i].field)
	e.Problem = "cannot read the file " + path + " that " + name + " names"
	e.Err = err
	switch {
	case errors.Is(err, fs.ErrPermission):
		e.Code = fkerrors.Permission
		e.Fix = "let this process read " + path + " (owner, mode, security label), or point " + name + " at a readable file"
	case errors.Is(err, fs.ErrNotExist):
		e.Fix = "create " + path + " (mount the secret there), or point " + name + " at the file that holds the value"
	default:
		e.Fix = "make " + path + " a readable regular file holding the value, or point " + name + " at one"
	}
	return e
}

func (r *reading) fileTooLarge(i int) error {
	name := r.name(i) + FileSuffix
	e := r.errorf(fkerrors.Invalid, r.vars[i].field)
	e.Problem = "the file " + r.paths[i] + " that " + name + " names is larger than 64 KiB"
	e.Fix = "point " + name + " at a file that holds only the value"
	return e
}

// problem turns a Check result into an error naming the variable (or the file) to fix.
func (r *reading) problem(p *credentials.Problem) error {
	i := r.index(p.Field)
	if i < 0 {
		e := r.errorf(p.Code, p.Field)
		e.Problem = p.Reason
		e.Fix = "fix the " + string(p.Field) + " variable"
		return e
	}
	name := r.name(i)
	path := r.paths[i]
	value := r.values[i]
	e := r.errorf(p.Code, p.Field)
	switch {
	case value == "" && path != "":
		e.Problem = "the file " + path + " that " + name + FileSuffix + " names is empty"
		e.Fix = "write the " + string(p.Field) + " into " + path + ", or unset " + name + FileSuffix + " and export " + name
	case value == "":
		e.Problem = name + " is unset or empty"
		e.Fix = "export " + name + "=<" + string(p.Field) + "> (or " + name + FileSuffix + "=<path of a file holding it>)"
	case strings.TrimSpace(value) == "" && path != "":
		e.Problem = "the file " + path + " that " + name + FileSuffix + " names holds only white space"
		e.Fix = "write the " + string(p.Field) + " into " + path
	case strings.TrimSpace(value) == "":
		e.Problem = name + " holds only white space"
		e.Fix = "export " + name + "=<" + string(p.Field) + ">"
	case value != strings.TrimSpace(value) && path != "":
		e.Problem = "the file " + path + " that " + name + FileSuffix + " names holds white space around the value (only trailing newlines are trimmed)"
		e.Fix = "rewrite " + path + " with the value alone"
	case value != strings.TrimSpace(value):
		e.Problem = name + " has leading or trailing white space"
		e.Fix = "export " + name + " without the surrounding white space"
	default:
		reason := strings.TrimPrefix(p.Reason, string(p.Field)+" ")
		example := "<" + string(p.Field) + ">"
		switch p.Field {
		case credentials.FieldAPIURL:
			example = "https://<host>/client/api"
		case credentials.FieldHost:
			example = "<host name, host:port or https URL>"
		}
		if path != "" {
			e.Problem = "the file " + path + " that " + name + FileSuffix + " names: " + reason
			e.Fix = "write a valid value such as " + example + " into " + path
		} else {
			e.Problem = name + " " + reason
			e.Fix = "export " + name + "=" + example
		}
	}
	return e
}
