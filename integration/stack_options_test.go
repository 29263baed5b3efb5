package integration

import (
	"log/slog"
	"testing"

	"github.com/switchboard/switchboard/internal/config"
)

// newStackWith is newStack with configure applied to the configuration
// before anything starts (a short SessionWindow, say).
func newStackWith(t *testing.T, temporal string, configure func(*config.Config)) *stack {
	t.Helper()
	return faultStack{temporal: temporal, configure: configure}.start(t)
}

// newConfiguredStack builds a stack like newStack, with the logger of the
// whole stack (nil: warnings to the test's output when verbose) and
// configure (nil: none) applied to the configuration.
func newConfiguredStack(t *testing.T, temporal string, logger *slog.Logger, configure func(*config.Config)) *stack {
	t.Helper()
	return faultStack{temporal: temporal, logger: logger, configure: configure}.start(t)
}
