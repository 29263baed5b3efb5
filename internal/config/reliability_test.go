package config

import (
	"strings"
	"testing"
	"time"
)

func TestRetentionAndTwilioTimeoutFromEnv(t *testing.T) {
	c, err := FromEnv()
	if err != nil || c.Retention != 0 || c.TwilioTimeout != DefaultTwilioTimeout {
		t.Fatalf("defaults: retention %s, Twilio timeout %s, %v", c.Retention, c.TwilioTimeout, err)
	}
	t.Setenv("SWITCHBOARD_RETENTION", "2160h")
	t.Setenv("SWITCHBOARD_TWILIO_TIMEOUT", "3s")
	if c, err = FromEnv(); err != nil || c.Retention != 2160*time.Hour || c.TwilioTimeout != 3*time.Second {
		t.Fatalf("set: retention %s, Twilio timeout %s, %v", c.Retention, c.TwilioTimeout, err)
	}
	t.Setenv("SWITCHBOARD_RETENTION", "0")
	if c, err = FromEnv(); err != nil || c.Retention != 0 {
		t.Fatalf("0: retention %s, %v", c.Retention, err)
	}

	for _, tc := range []struct{ retention, timeout, want string }{
		{"90 days", "", "SWITCHBOARD_RETENTION=\"90 days\""},
		{"24", "", "SWITCHBOARD_RETENTION=\"24\""},
		{"23h", "", "must be 0 (keep forever) or at least 24h0m0s"},
		{"-5h", "", "must be 0 (keep forever) or at least 24h0m0s"},
		{"", "-1s", "SWITCHBOARD_TWILIO_TIMEOUT must be positive"},
	} {
		t.Setenv("SWITCHBOARD_RETENTION", tc.retention)
		t.Setenv("SWITCHBOARD_TWILIO_TIMEOUT", tc.timeout)
		c, _ := FromEnv()
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("retention %q, timeout %q: %v, want %q", tc.retention, tc.timeout, err, tc.want)
		}
	}
}
