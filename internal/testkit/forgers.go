package testkit

import (
	"fmt"
	"strings"
	"testing"
)

// Forger is a value a store, a server or a request could hold to forge an operator's
// output, and how fkerrors.Visible shows it.
type Forger struct{ Raw, Shown string }

// Forgers returns one value of each way to forge output: an escape sequence that clears the
// screen, a newline that starts a line of its own, a right-to-left override that reverses
// the text after it, and a NUL that cuts a string.
func Forgers() []Forger {
	return []Forger{
		{"\x1b[2J", `\x1b[2J`},
		{"\nfix: forged", `\nfix: forged`},
		{"\u202egnp.exe", `\u202egnp.exe`},
		{"\x00tail", `\x00tail`},
	}
}

// EachForger runs test once per forger (Forgers) as a parallel subtest, with prefix in front
// of its raw and shown values.
func EachForger(t *testing.T, prefix string, test func(t *testing.T, raw, shown string)) {
	t.Helper()
	for i, f := range Forgers() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			test(t, prefix+f.Raw, prefix+f.Shown)
		})
	}
}

// IsForging reports a rune that acts on a terminal or reorders text instead of showing as
// itself: C0 and C1 controls, DEL, the bidirectional overrides, isolates and marks, and the
// line and paragraph separators. fkerrors.Visible escapes every one.
func IsForging(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) ||
		(r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c || r == 0x2028 || r == 0x2029
}

// AssertNoForging fails t, naming what and the byte offset, when s holds a rune IsForging
// reports.
func AssertNoForging(t testing.TB, s, what string) bool {
	t.Helper()
	if i := strings.IndexFunc(s, IsForging); i >= 0 {
		t.Errorf("%s: forging character at byte %d of %q", what, i, s)
		return false
	}
	return true
}
