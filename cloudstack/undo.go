package cloudstack

import (
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/go-multierror"
)

// undoErrors collects the failures of a run of steps that keeps going past them (cleanup,
// undo), counting the steps, so that the joined error can say how many of how many failed.
type undoErrors struct {
	mu    sync.Mutex
	total int
	errs  []error
}

func (u *undoErrors) add(err error) {
	u.mu.Lock()
	u.errs = append(u.errs, err)
	u.mu.Unlock()
}

func (u *undoErrors) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.errs)
}

func (u *undoErrors) list() []error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]error(nil), u.errs...)
}

// err joins the failures (nil if none) into a *multierror.Error whose message reads
// "cloudstack: <what>: N of M failed:" followed by each failure; errors.Is and errors.As see
// every one of them.
func (u *undoErrors) err(what string) error {
	errs := u.list()
	if len(errs) == 0 {
		return nil
	}
	total := u.total
	all := multierror.Append(nil, errs...)
	all.ErrorFormat = func(es []error) string {
		var b strings.Builder
		fmt.Fprintf(&b, "cloudstack: %s: %d of %d failed:", what, len(es), total)
		for _, e := range es {
			b.WriteString("\n\t* ")
			b.WriteString(e.Error())
		}
		return b.String()
	}
	return all
}
