package appliance_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
)

// twice records every event twice, as a resumed job or a repeated rollback does, and keeps
// the rows after each of the two.
type twice struct {
	r     *rig
	inner failover.Journal
	pairs [][2]rows
	names []string
}

func (w *twice) Record(ctx context.Context, ev failover.JournalEvent) error {
	if err := w.inner.Record(ctx, ev); err != nil {
		return err
	}
	first := w.r.read(w.r.t, ev.Job.ID)
	err := w.inner.Record(ctx, ev)
	w.pairs = append(w.pairs, [2]rows{first, w.r.read(w.r.t, ev.Job.ID)})
	w.names = append(w.names, label(ev))
	return err
}

// comparable drops what a second write may rightly change: when it was written.
func (x rows) comparable() rows {
	if x.Summary != nil {
		s := *x.Summary
		s.Timestamp, s.DurationSeconds = time.Time{}, 0
		x.Summary = &s
	}
	if x.Job != nil {
		j := *x.Job
		j.Completed.Time = time.Time{}
		x.Job = &j
	}
	return x
}

// Every event recorded a second time writes the same rows: a resume or a repeated rollback
// does no harm.
func TestEventsRecordedTwiceWriteTheSameRows(t *testing.T) {
	t.Parallel()
	r := newRig(t, failovertest.Options{})
	w := &twice{r: r, inner: r.journal}
	e := r.engine(w, failover.WithHook(failover.PhaseBeforeCreate, func(context.Context, *failover.Job) error { return nil }))
	job, err := r.run(e, failover.KindLiveFailover)
	require.NoError(t, err)
	_, err = e.Rollback(context.Background(), job.ID, failover.PowerOnSource())
	require.NoError(t, err)
	require.NotEmpty(t, w.pairs)
	for i, p := range w.pairs {
		assert.Equal(t, p[0].comparable(), p[1].comparable(), "%s recorded again", w.names[i])
	}
	var n int64
	require.NoError(t, r.db.Raw("SELECT COUNT(*) FROM failover_jobs").Scan(&n).Error)
	assert.Equal(t, int64(1), n)
}
