package config

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// DefaultTwilioTimeout bounds one HTTP call to Twilio: Twilio itself gives
// up on a webhook after 15 s, and a send that takes longer is retried.
const DefaultTwilioTimeout = 15 * time.Second

// DefaultInboxRedeliverAfter: an inbound message Temporal took but the
// workflow has not recorded after this long is delivered again
// (internal/relay explains the value: past a worker restart or a short
// database outage, short enough for a waiting customer).
const DefaultInboxRedeliverAfter = 2 * time.Minute

// MinRetention is the shortest SWITCHBOARD_RETENTION accepted: WhatsApp's
// session window is a day, and a shorter retention is almost certainly a
// typo ("24m" for "24h") that would purge live conversations.
const MinRetention = 24 * time.Hour

// reliabilityFromEnv reads SWITCHBOARD_TWILIO_TIMEOUT, SWITCHBOARD_RETENTION
// and SWITCHBOARD_INBOX_REDELIVER_AFTER.
func (c *Config) reliabilityFromEnv() {
	dur := func(key string, dst *time.Duration) {
		v := strings.TrimSpace(os.Getenv(key))
		if v == "" {
			return
		}
		if v == "0" {
			*dst = 0
			return
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			c.envProblems = append(c.envProblems, fmt.Errorf("%s=%q: %w (e.g. 2160h for 90 days)", key, v, err))
			return
		}
		*dst = d
	}
	dur("SWITCHBOARD_TWILIO_TIMEOUT", &c.TwilioTimeout)
	dur("SWITCHBOARD_RETENTION", &c.Retention)
	dur("SWITCHBOARD_WORKER_DEADLOCK_TIMEOUT", &c.WorkerDeadlockTimeout)
	if v := strings.TrimSpace(os.Getenv("SWITCHBOARD_WORKFLOW_PATCHES")); v != "" {
		c.WorkflowPatches = v
	}
	dur("SWITCHBOARD_INBOX_REDELIVER_AFTER", &c.InboxRedeliverAfter)
}

// Workflow patch modes (SWITCHBOARD_WORKFLOW_PATCHES; worker/patches.go).
var workflowPatchModes = []string{"auto", "on", "off"}

func (c Config) validateReliability() []error {
	var errs []error
	if c.TwilioTimeout <= 0 {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_TWILIO_TIMEOUT must be positive"))
	}
	if c.WorkerDeadlockTimeout < 0 {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_WORKER_DEADLOCK_TIMEOUT must not be negative"))
	}
	if c.WorkflowPatches != "" && !slices.Contains(workflowPatchModes, c.WorkflowPatches) {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_WORKFLOW_PATCHES=%q must be auto (the default: a patch is switched on once every worker polling knows it), on or off", c.WorkflowPatches))
	}
	if c.InboxRedeliverAfter < 0 {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_INBOX_REDELIVER_AFTER must be 0 (off) or positive"))
	}
	if c.Retention < 0 || (c.Retention > 0 && c.Retention < MinRetention) {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_RETENTION=%s must be 0 (keep forever) or at least %s", c.Retention, MinRetention))
	}
	return errs
}
