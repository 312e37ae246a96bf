package failovertest

import "context"

// Run starts a lab as opts say, calls f with it, and closes the lab when f returns. The
// context f gets is cancelled then too. Run returns Start's error or f's.
func Run(opts Options, f func(ctx context.Context, l *Lab) error) error {
	l, err := Start(opts)
	if err != nil {
		return err
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return f(ctx, l)
}
