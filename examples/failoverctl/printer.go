package main

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"sync"
	"unicode"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// shows reports whether r shows as itself: a printable rune or the ASCII space, the runes
// fkerrors.Visible leaves as they are.
func shows(r rune) bool { return r == ' ' || unicode.IsPrint(r) }

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
		out.WriteString(fkerrors.Visible(string(p.pending[:i])))
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
		_, _ = io.WriteString(p.w, fkerrors.Visible(string(p.pending)))
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
			out[i] = fkerrors.Visible(v)
		case error, fmt.Stringer:
			out[i] = fkerrors.Visible(fmt.Sprint(v))
		default:
			if rv := reflect.ValueOf(a); rv.IsValid() && rv.Kind() == reflect.String {
				out[i] = fkerrors.Visible(rv.String())
			} else {
				out[i] = a
			}
		}
	}
	return out
}
