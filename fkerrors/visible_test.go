package fkerrors_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

func TestVisible(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"vm-01 on zone Zürich", "vm-01 on zone Zürich"},
		{`a "quoted" C:\path`, `a "quoted" C:\path`},
		{"clear\x1b[2Jscreen", `clear\x1b[2Jscreen`},
		{"red\x1b[31m", `red\x1b[31m`},
		{"line\nfix: forged", `line\nfix: forged`},
		{"cr\roverwrite", `cr\roverwrite`},
		{"tab\there", `tab\there`},
		{"bell\a", `bell\a`},
		{"nul\x00", `nul\x00`},
		{"del\x7f", `del\x7f`},
		{"c1\u0085", `c1\u0085`},
		{"exe.\u202etxt", `exe.\u202etxt`},
		{"iso\u2066late\u2069", `iso\u2066late\u2069`},
		{"sep\u2028", `sep\u2028`},
		{"bad\xff\xfeutf8", `bad\xff\xfeutf8`},
		{"truncated\xe2\x80", `truncated\xe2\x80`},
		{"emoji 🚀 and U+FFFD \uFFFD", "emoji 🚀 and U+FFFD \uFFFD"},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"\ufeffbom", `\ufeffbom`},
		{"no\u00a0break", `no\u00a0break`},
		{"soft\u00adhyphen", `soft\u00adhyphen`},
	}
	for _, tt := range tests {
		got := fkerrors.Visible(tt.in)
		assert.Equal(t, tt.want, got, "Visible(%q)", tt.in)
		assert.Equal(t, got, fkerrors.Visible(got), "Visible is idempotent on %q", tt.in)
	}
}

func TestExplainAndRemedyAreVisible(t *testing.T) {
	t.Parallel()
	err := &detail{code: fkerrors.NotFound, msg: "no VM vm\x1b[2J\nfix: forged", fix: "check vm\u202e\x00"}
	problem, remedy := fkerrors.Explain(err)
	assert.Equal(t, `no VM vm\x1b[2J\nfix: forged`, problem)
	assert.Equal(t, `check vm\u202e\x00`, remedy)
	assert.Equal(t, `check vm\u202e\x00`, fkerrors.Remedy(err))
	problem, _ = fkerrors.Explain(errors.New("foreign\x1b]0;title\a"))
	assert.Equal(t, `foreign\x1b]0;title\a`, problem)
}

// hidden reports a character that does not show as itself, which Visible escapes too.
func hidden(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }

func FuzzVisible(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[2J", "a\nb", "\u202e", "\x00", "\xff", "\xe2\x80", "é\u2066", "\u200b", "\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := fkerrors.Visible(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Visible(%q) = %q is not valid UTF-8", s, out)
		}
		if i := strings.IndexFunc(out, testkit.IsForging); i >= 0 {
			t.Fatalf("Visible(%q) = %q keeps a control character at byte %d", s, out, i)
		}
		if fkerrors.Visible(out) != out {
			t.Fatalf("Visible is not idempotent on %q", s)
		}
		if i := strings.IndexFunc(out, hidden); i >= 0 {
			t.Fatalf("Visible(%q) = %q keeps a hidden character at byte %d", s, out, i)
		}
		if utf8.ValidString(s) && strings.IndexFunc(s, hidden) < 0 && out != s {
			t.Fatalf("Visible changed safe text %q to %q", s, out)
		}
	})
}

// A log attribute made with VisibleError shows its message escaped and still matches what it
// wraps, so a handler can filter on it.
func TestVisibleError(t *testing.T) {
	t.Parallel()
	cause := errors.New("bad \x1b[2J value")
	err := fkerrors.VisibleError(fmt.Errorf("wrapped: %w", cause))
	if got, want := err.Error(), `wrapped: bad \x1b[2J value`; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, cause) {
		t.Fatal("errors.Is does not see the cause")
	}
	if fkerrors.VisibleError(nil) != nil {
		t.Fatal("VisibleError(nil) is not nil")
	}
}
