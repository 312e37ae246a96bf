package simulator

import (
	"fmt"
	"strings"
)

// nextID returns a deterministic, UUID-shaped id: one counter per simulator, so a test that
// issues the same calls in the same order sees the same ids. The shape matches cloudstack-go's
// IsID check. Callers hold s.mu.
func (s *Simulator) nextID() string {
	s.idSeq++
	return fmt.Sprintf("5e000000-0000-4000-8000-%012x", s.idSeq)
}

func lower(s string) string { return strings.ToLower(s) }
