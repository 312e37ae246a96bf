package testkit_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

func TestLogBufferCollectsConcurrentRecords(t *testing.T) {
	t.Parallel()
	var logs testkit.LogBuffer
	logger := logs.Logger()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { logger.Debug("record", "n", i) })
	}
	wg.Wait()
	assert.Equal(t, 8, logs.Count("msg=record"), "every record, debug level included")
}

func TestClockMovesOnlyWhenAdvanced(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := testkit.NewClock(start)
	assert.Equal(t, start, c.Now())
	c.Advance(90 * time.Second)
	assert.Equal(t, start.Add(90*time.Second), c.Now())
}

func TestRandomHex(t *testing.T) {
	t.Parallel()
	a, b := testkit.RandomHex(4), testkit.RandomHex(4)
	assert.Len(t, a, 8)
	assert.Regexp(t, "^[0-9a-f]+$", a)
	assert.NotEqual(t, a, b)
}

type detail struct{ field string }

func (d *detail) Error() string { return "detail " + d.field }

var errCategory = errors.New("category")

// recorder is a testing.TB that notes a failure instead of ending the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()                      {}
func (r *recorder) Errorf(string, ...any)        { r.failed = true }
func (r *recorder) FailNow()                     { r.failed = true }
func (r *recorder) Fatalf(string, ...any)        { r.failed = true }
func (r *recorder) Logf(format string, a ...any) {}

func TestRequireErrorAs(t *testing.T) {
	t.Parallel()
	matching := fmt.Errorf("step: %w", errors.Join(errCategory, &detail{field: "api_key"}))
	d := testkit.RequireErrorAs[*detail](t, matching, errCategory)
	assert.Equal(t, "api_key", d.field)

	cases := map[string]error{
		"nil":            nil,
		"other category": &detail{field: "x"},
		"no detail":      fmt.Errorf("wrapped: %w", errCategory),
	}
	for name, err := range cases {
		r := &recorder{TB: t}
		testkit.RequireErrorAs[*detail](r, err, errCategory)
		require.True(t, r.failed, name)
	}
}

// Every forger forges - its raw value holds a rune IsForging reports - and its shown form
// does not.
func TestForgers(t *testing.T) {
	t.Parallel()
	require.NotEmpty(t, testkit.Forgers())
	for _, f := range testkit.Forgers() {
		assert.True(t, strings.ContainsFunc(f.Raw, testkit.IsForging), "%q forges", f.Raw)
		assert.True(t, testkit.AssertNoForging(t, f.Shown, "shown"))
	}
	for _, r := range []rune{'\n', '\r', '\x1b', 0x9b, 0x202e, 0x2069, 0x2028} {
		assert.True(t, testkit.IsForging(r), "%U", r)
	}
	for _, r := range []rune{' ', 'a', 'é', '\\', 0x4e2d} {
		assert.False(t, testkit.IsForging(r), "%U", r)
	}
}
