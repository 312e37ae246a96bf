package main

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// visible returns s with everything that would act on a terminal rather than show on it
// written as Go's %q writes it, without the quotes: control characters (ESC, BEL, NUL, CR,
// LF, TAB, DEL and the C1 range), bidi overrides and isolates, other invisible format
// characters and invalid UTF-8. Printable text, backslashes included, is left as it is, so
// visible(visible(s)) == visible(s).
func visible(s string) string {
	if isVisible(s) {
		return s
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case shows(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

func isVisible(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			for _, r := range s {
				if r == utf8.RuneError || !shows(r) {
					return false
				}
			}
			return true
		}
	}
	return true
}

// shows reports whether r shows as itself: a printable rune or a space, and none of the bidi
// controls that reorder what follows them (which unicode.IsPrint rejects too, as format
// characters).
func shows(r rune) bool {
	return r == ' ' || (unicode.IsPrint(r) && r != utf8.RuneError)
}

// printer writes failoverctl's plain output for people. Every line's content is made
// visible, so that no value from a store, a server or a request can move the cursor, recolour,
// reorder or clear the screen; only the newline that ends a line passes. Printf also makes its
// arguments visible first - newlines in them included - so that a value cannot start a line
// of its own: the lines are those of the format. Writes are held until their line ends (or
// flush), so that a rune split across writes is kept whole.
type printer struct {
	mu      sync.Mutex
	w       io.Writer
	pending []byte
}

func newPrinter(w io.Writer) *printer { return &printer{w: w} }

// Printf formats like fmt.Printf, its string, error and Stringer arguments made visible.
func (p *printer) Printf(format string, args ...any) {
	_, _ = io.WriteString(p, fmt.Sprintf(format, visibleArgs(args)...))
}

// Println prints the line s, made visible.
func (p *printer) Println(s string) { p.Printf("%s\n", s) }

// Write implements io.Writer for writers that build lines themselves (tabwriter, cobra's help,
// the logger): each line's content is made visible; the values in it should have been made
// visible already, since a newline in one would end the line here.
func (p *printer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = append(p.pending, b...)
	var out bytes.Buffer
	for {
		i := bytes.IndexByte(p.pending, '\n')
		if i < 0 {
			break
		}
		out.WriteString(visible(string(p.pending[:i])))
		out.WriteByte('\n')
		p.pending = p.pending[i+1:]
	}
	if out.Len() > 0 {
		if _, err := p.w.Write(out.Bytes()); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// flush writes a last line that has no newline.
func (p *printer) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pending) > 0 {
		_, _ = io.WriteString(p.w, visible(string(p.pending)))
		p.pending = nil
	}
}

// visibleArgs makes printf arguments that hold text visible; numbers and booleans stay as
// they are for their verbs.
func visibleArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = visible(v)
		case error, fmt.Stringer:
			out[i] = visible(fmt.Sprint(v))
		default:
			if rv := reflect.ValueOf(a); rv.IsValid() && rv.Kind() == reflect.String {
				out[i] = visible(rv.String())
			} else {
				out[i] = a
			}
		}
	}
	return out
}
