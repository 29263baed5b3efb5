package workflows_test

import (
	"log/slog"
	"strings"
	"testing"

	sdklog "go.temporal.io/sdk/log"
)

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// newTestLogger sends the SDK's log to the test's log, warnings and up.
func newTestLogger(t *testing.T) sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// watchingLogger logs like newTestLogger and keeps every error-level
// message the workflow logs (an illegal state transition, a refused
// database write) for the test to check.
type watchingLogger struct {
	sdklog.Logger
	w *world
}

func newWatchingLogger(w *world) sdklog.Logger {
	return watchingLogger{Logger: newTestLogger(w.t), w: w}
}

func (l watchingLogger) Error(msg string, keyvals ...interface{}) {
	// The SDK reports each failed activity attempt at error level: those
	// are the faults a test injects, not the workflow's own complaints.
	if !strings.HasPrefix(msg, "Activity ") && !strings.HasPrefix(msg, "LocalActivity ") {
		l.w.mu.Lock()
		l.w.errorLogs = append(l.w.errorLogs, msg)
		l.w.mu.Unlock()
	}
	l.Logger.Error(msg, keyvals...)
}
