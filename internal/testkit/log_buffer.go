package testkit

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// LogBuffer collects log output. The zero value is ready to use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p; loggers call it, possibly from several goroutines at once.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Count returns how many times s occurs in what was written.
func (l *LogBuffer) Count(s string) int { return strings.Count(l.String(), s) }

// Logger returns a logger that writes text records of every level, debug included, to l:
// tests check that not even debug records hold a secret.
func (l *LogBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
