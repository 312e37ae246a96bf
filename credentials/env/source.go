package env

import (
	"context"
	"errors"
	"strings"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// sourceName is the Origin.Source and credentials.Error.Source of this package.
const sourceName = "env"

// reader is the driver over environment variables and the files their *_FILE variants
// name. It keeps no state between calls: every fetch reads the variables, and the files,
// again.
type reader struct {
	cfg config
}

// New returns the source over the process environment, or the environment WithLookup gives
// it. See the package documentation for the variable names, the lookup order and the
// errors.
func New(opts ...Option) *credentials.Provider {
	cfg := newConfig(opts)
	return credentials.NewProvider(sourceName, &reader{cfg: cfg}, credentials.WithLogger(cfg.logger), credentials.WithClock(cfg.clock))
}

// ReadCloudStack implements credentials.Driver.
func (s *reader) ReadCloudStack(ctx context.Context, ref credentials.Ref) (credentials.CloudStack, error) {
	r, err := s.read(ctx, credentials.KindCloudStack, ref)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	insecure, err := r.boolean(FieldInsecureSkipVerify)
	if err != nil {
		return credentials.CloudStack{}, err
	}
	c := credentials.CloudStackFrom(r.value)
	c.InsecureSkipVerify = insecure
	if p := c.Check(); p != nil {
		return credentials.CloudStack{}, r.problem(p)
	}
	c.Origin = r.origin()
	return c, nil
}

// ReadVSphere implements credentials.Driver.
func (s *reader) ReadVSphere(ctx context.Context, ref credentials.Ref) (credentials.VSphere, error) {
	r, err := s.read(ctx, credentials.KindVSphere, ref)
	if err != nil {
		return credentials.VSphere{}, err
	}
	insecure, err := r.boolean(FieldInsecureSkipVerify)
	if err != nil {
		return credentials.VSphere{}, err
	}
	v := credentials.VSphereFrom(r.value)
	v.InsecureSkipVerify = insecure
	if p := v.Check(); p != nil {
		return credentials.VSphere{}, r.problem(p)
	}
	v.Origin = r.origin()
	return v, nil
}

// reading is one fetch's view of the variables of one set: which variable or file each
// value came from, so that errors can name it.
type reading struct {
	kind    credentials.Kind
	account string // as the caller selected it, for messages
	suffix  string
	vars    []variable
	values  []string
	paths   []string // the file a value was read from, or ""
	set     []bool   // whether the variable or its file variant is set
}

// read looks up every variable of kind for the account ref selects, reads the files that
// *_FILE variants name, and reports a missing set, an ambiguous variable or an unreadable
// file.
func (s *reader) read(ctx context.Context, kind credentials.Kind, ref credentials.Ref) (*reading, error) {
	suffix, err := accountSuffix(kind, ref)
	if err != nil {
		return nil, err
	}
	vars := variablesOf(kind)
	r := &reading{
		kind: kind, account: ref.String(), suffix: suffix, vars: vars,
		values: make([]string, len(vars)), paths: make([]string, len(vars)), set: make([]bool, len(vars)),
	}
	var ambiguous error
	found := false
	for i, v := range vars {
		name, file := v.base, v.file
		if suffix != "" {
			name = v.base + suffix
			file = name + FileSuffix
		}
		// An empty variable counts as unset, here and everywhere: `export X=` is how a shell
		// user clears a value, and an empty credential is never valid.
		value, _ := s.cfg.lookup(name)
		path, _ := s.cfg.lookup(file)
		switch {
		case value != "" && path != "":
			if ambiguous == nil {
				ambiguous = r.ambiguous(i)
			}
		case value != "":
			r.values[i] = value
		case path != "":
			r.paths[i] = path
		default:
			continue
		}
		r.set[i] = true
		found = true
	}
	if !found {
		return nil, r.notFound()
	}
	if ambiguous != nil {
		return nil, ambiguous
	}
	for i, path := range r.paths {
		if path == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		content, err := s.cfg.readFile(path)
		if err != nil {
			return nil, r.fileError(i, err)
		}
		if len(content) > maxFileSize {
			return nil, r.fileTooLarge(i)
		}
		// Secrets written by docker, Kubernetes or `echo` end in a newline that is not part of
		// the value; any other padding is left for Check to reject.
		r.values[i] = strings.TrimRight(string(content), "\r\n")
	}
	return r, nil
}

// accountSuffix resolves ref to the suffix of its variables. ID is read as a name: the
// environment has no numeric ids, so AccountID(7) selects the variables ending in _7. When
// both are given, Name wins.
func accountSuffix(kind credentials.Kind, ref credentials.Ref) (string, error) {
	if ref.IsDefault() {
		return "", nil
	}
	account := ref.Name
	if account == "" {
		account = ref.ID
	}
	suffix, err := AccountSuffix(account)
	if err != nil {
		var e *credentials.Error
		if errors.As(err, &e) {
			detail := *e
			detail.Kind = kind
			detail.Account = ref.String()
			return "", &detail
		}
		return "", err
	}
	return suffix, nil
}

func (r *reading) index(field credentials.Field) int {
	for i, v := range r.vars {
		if v.field == field {
			return i
		}
	}
	return -1
}

func (r *reading) value(field credentials.Field) string {
	if i := r.index(field); i >= 0 {
		return r.values[i]
	}
	return ""
}

func (r *reading) name(i int) string { return r.vars[i].base + r.suffix }

// boolean parses a boolean variable strictly; unset means false.
func (r *reading) boolean(field credentials.Field) (bool, error) {
	i := r.index(field)
	if i < 0 {
		return false, nil
	}
	if b, ok := parseBool(r.values[i]); ok {
		return b, nil
	}
	name := r.name(i)
	e := r.errorf(fkerrors.Invalid, field)
	if r.paths[i] != "" {
		e.Problem = "the file " + r.paths[i] + " that " + name + FileSuffix + " names does not hold true or false"
		e.Fix = "write true or false into " + r.paths[i] + " (1/0 and yes/no are accepted too)"
	} else {
		e.Problem = name + " is not true or false"
		e.Fix = "export " + name + "=true or " + name + "=false (1/0 and yes/no are accepted too; unset means false)"
	}
	return false, e
}

// parseBool accepts true/false, 1/0 and yes/no in any case, and "" as false. Anything else,
// padding included, is refused: a TLS switch must not be guessed.
func parseBool(s string) (bool, bool) {
	switch {
	case s == "":
		return false, true
	case s == "1" || strings.EqualFold(s, "true") || strings.EqualFold(s, "yes"):
		return true, true
	case s == "0" || strings.EqualFold(s, "false") || strings.EqualFold(s, "no"):
		return false, true
	}
	return false, false
}

// origin names the variables that were set, never their values.
func (r *reading) origin() credentials.Origin {
	var b strings.Builder
	for i := range r.vars {
		if !r.set[i] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.name(i))
		if r.paths[i] != "" {
			b.WriteString(FileSuffix)
		}
	}
	return credentials.Origin{Source: sourceName, Account: r.account, Location: b.String()}
}
