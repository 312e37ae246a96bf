package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"unicode/utf16"

	"github.com/ossea-migrate/failoverkit/failover"
)

// jsonEvent is an engine event as a JSON line, with the duration in milliseconds as well.
type jsonEvent struct {
	failover.Event
	DurationMS float64 `json:"duration_ms,omitempty"`
}

func newJSONEvent(e failover.Event) jsonEvent {
	return jsonEvent{Event: e, DurationMS: float64(e.Duration.Microseconds()) / 1000}
}

// result is the last JSON line of every command run with --json.
type result struct {
	Type     string `json:"type"`
	Command  string `json:"command"`
	OK       bool   `json:"ok"`
	ExitCode int    `json:"exit_code"`
	Error    string `json:"error,omitempty"`
	Remedy   string `json:"remedy,omitempty"`
	// Source is the credential source used: database, env, vault or simulator.
	Source string                     `json:"source,omitempty"`
	Job    *failover.Job              `json:"job,omitempty"`
	Jobs   []*failover.Job            `json:"jobs,omitzero"`
	Plan   *failover.Plan             `json:"plan,omitempty"`
	Checks []failover.CredentialCheck `json:"checks,omitzero"`
	Lab    *labInfo                   `json:"lab,omitempty"`
}

var jsonMu sync.Mutex

// writeJSON writes v as one line on stdout.
func (a *app) writeJSON(v any) {
	jsonMu.Lock()
	defer jsonMu.Unlock()
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"type": "error", "error": "encode output: " + err.Error()})
	}
	fmt.Fprintf(a.stdout, "%s\n", jsonVisible(b))
}

// jsonVisible escapes, as \uXXXX, the runes encoding/json leaves raw that act on a terminal
// showing the line: DEL, bidi controls and other invisible format characters, C1 controls. Such
// runes can only be inside JSON strings, where the escape means the same rune.
func jsonVisible(b []byte) []byte {
	if bytes.IndexFunc(b, func(r rune) bool { return !shows(r) }) < 0 {
		return b
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		if shows(r) {
			out.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&out, `\u%04x`, u)
		}
	}
	return out.Bytes()
}
