package credentials_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

func TestErrorShowsStoredValuesVisibly(t *testing.T) {
	t.Parallel()
	testkit.EachForger(t, "acct", func(t *testing.T, raw, shown string) {
		tests := []struct {
			name string
			err  *credentials.Error
		}{
			{"account", &credentials.Error{Code: fkerrors.NotFound, Source: "database", Kind: credentials.KindVSphere,
				Account: raw, Problem: "no such set", Fix: "create it"}},
			{"ref", &credentials.Error{Code: fkerrors.NotFound, Source: "env", Account: credentials.Account(raw).String(),
				Problem: "no set", Fix: "export it"}},
			{"problem and fix", &credentials.Error{Code: fkerrors.Invalid, Source: "vault", Field: credentials.FieldZone,
				Problem: "zone " + raw + " does not exist", Fix: "correct zone " + raw}},
			{"origin in fix", &credentials.Error{Code: fkerrors.Invalid, Source: "database",
				Problem: "bad", Fix: "fix the set at " + credentials.Origin{Source: "database", Account: raw, Location: "row " + raw}.String()}},
			{"cause", &credentials.Error{Code: fkerrors.Unavailable, Source: "vault", Problem: "read failed",
				Err: errors.New("server said " + raw)}},
			{"cause's remedy", &credentials.Error{Code: fkerrors.Unavailable, Source: "vault", Problem: "read failed",
				Err: &credentials.Error{Code: fkerrors.Unavailable, Source: "vault", Problem: "x", Fix: "user " + raw}}},
		}
		for _, tt := range tests {
			msg, remedy := tt.err.Error(), tt.err.Remedy()
			assert.Contains(t, msg+remedy, shown, "%s: the value is shown escaped", tt.name)
			testkit.AssertNoForging(t, msg, tt.name)
			testkit.AssertNoForging(t, remedy, tt.name)
			problem, fix := fkerrors.Explain(tt.err)
			assert.Equal(t, msg, fkerrors.WithFix(problem, fix), "%s: Explain still splits the message", tt.name)
		}
	})
}

// FuzzErrorIsVisible builds errors from random field values - as a store could hold them -
// and checks that no message or remedy carries a control character and nothing panics.
func FuzzErrorIsVisible(f *testing.F) {
	f.Add("database", "acct\x1b[2J", "zone\n", "fix \u202e", "cause\x00", "row\r", "key\xff")
	f.Add("", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, source, account, problem, fix, cause, location, value string) {
		ref := credentials.Ref{Name: account, ID: value}
		inner := &credentials.Error{Code: fkerrors.Unavailable, Source: source, Problem: cause, Fix: value}
		errs := []*credentials.Error{
			{Code: fkerrors.NotFound, Source: source, Kind: credentials.Kind(value), Account: account,
				Field: credentials.Field(value), Problem: problem, Fix: fix},
			{Code: fkerrors.Invalid, Source: source, Account: ref.String(), Problem: problem,
				Fix: credentials.Origin{Source: source, Account: account, Location: location}.String(), Err: errors.New(cause)},
			{Code: fkerrors.Unavailable, Source: source, Account: account, Err: inner},
		}
		if p := credentials.CheckField(credentials.Field(source), value); p != nil {
			errs = append(errs, &credentials.Error{Code: p.Code, Source: source, Account: account, Field: p.Field, Problem: p.Reason, Fix: fix})
		}
		for _, e := range errs {
			for _, s := range []string{e.Error(), e.Remedy(), fkerrors.Remedy(e)} {
				if !testkit.AssertNoForging(t, s, "credentials.Error") {
					t.FailNow()
				}
			}
		}
	})
}
