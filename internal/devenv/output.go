package devenv

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// tailWriter forwards writes to an optional writer and keeps the last n
// complete lines (plus any partial line) for error messages.
type tailWriter struct {
	mu      sync.Mutex
	w       io.Writer
	n       int
	lines   []string
	partial []byte
}

func newTailWriter(w io.Writer, n int) *tailWriter { return &tailWriter{w: w, n: n} }

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.w != nil {
		t.w.Write(p) // best effort: a broken log sink must not stop the server
	}
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.lines = append(t.lines, string(t.partial[:i]))
		t.partial = t.partial[i+1:]
	}
	if over := len(t.lines) - t.n; over > 0 {
		t.lines = append(t.lines[:0], t.lines[over:]...)
	}
	if len(t.partial) > 4096 {
		t.partial = t.partial[len(t.partial)-4096:]
	}
	return len(p), nil
}

// String returns the retained output.
func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.Join(t.lines, "\n")
	if len(t.partial) > 0 {
		s += "\n" + string(t.partial)
	}
	return strings.TrimSpace(s)
}

// withOutput appends captured output to an error message.
func withOutput(msg, output string) string {
	if output == "" {
		return msg + " (no output)"
	}
	return msg + "\n--- last output ---\n" + output
}
