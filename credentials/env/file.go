package env

import (
	"io"
	"os"
)

// maxFileSize bounds what a *_FILE variable may name: a secret is short, and a variable
// pointed at a device or a log file must fail rather than fill memory.
const maxFileSize = 64 << 10

// readFileLimited is os.ReadFile that stops one byte past maxFileSize.
func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return io.ReadAll(io.LimitReader(f, maxFileSize+1))
}
