package testkit

import (
	"crypto/rand"
	"encoding/hex"
)

// RandomHex returns n random bytes in hex (2n characters).
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error; it crashes the program instead
	return hex.EncodeToString(b)
}
