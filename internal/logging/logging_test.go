package logging

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRedactMasksPhonesAndSecrets(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		var buf bytes.Buffer
		log := New(&buf, Options{Format: format, Secrets: []string{"super-secret-admin-key", "short"}})
		log = log.With("workflow_id", "conv:abc:+33612345678")
		log.WithGroup("g").Info("inbound from +14155550100 with super-secret-admin-key",
			"err", errors.New("signal conv:n:+33612345678 failed"),
			"to", "whatsapp:+447700900123",
			"url", "/x?customer=%2B33612345678",
			"n", 42, "short", "short")
		out := buf.String()
		for _, leak := range []string{"+33612345678", "+14155550100", "+447700900123", "%2B33612345678", "super-secret-admin-key"} {
			if strings.Contains(out, leak) {
				t.Errorf("%s: %q leaked: %s", format, leak, out)
			}
		}
		for _, want := range []string{"+33 6•• •• •• 78", "[redacted]", "42", "short"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: %q missing: %s", format, want, out)
			}
		}
	}
}

func TestLevelsAndFormat(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, Options{Format: "json", Level: "warn"})
	log.Info("hidden")
	log.Warn("shown")
	if out := buf.String(); strings.Contains(out, "hidden") || !strings.HasPrefix(out, `{"time"`) {
		t.Fatalf("output: %s", out)
	}
}
