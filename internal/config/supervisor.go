package config

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Defaults of the supervisor's at-risk thresholds.
const (
	DefaultSupervisorWaitThreshold = 5 * time.Minute
	DefaultSupervisorNoReplyAfter  = 10 * time.Minute
)

// SupervisorSettings decide which conversations the supervisor's live view
// lists as at risk (docs/supervisor.md).
type SupervisorSettings struct {
	// SupervisorWaitThreshold: queued longer than this
	// (SWITCHBOARD_SUPERVISOR_WAIT_THRESHOLD).
	SupervisorWaitThreshold time.Duration
	// SupervisorNoReplyAfter: assigned, the customer's last message without
	// an answer for this long (SWITCHBOARD_SUPERVISOR_NO_REPLY_AFTER).
	SupervisorNoReplyAfter time.Duration
}

func defaultSupervisor() SupervisorSettings {
	return SupervisorSettings{
		SupervisorWaitThreshold: DefaultSupervisorWaitThreshold,
		SupervisorNoReplyAfter:  DefaultSupervisorNoReplyAfter,
	}
}

func (c *Config) supervisorFromEnv() {
	dur := func(key string, dst *time.Duration) {
		v := strings.TrimSpace(os.Getenv(key))
		if v == "" {
			return
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			c.envProblems = append(c.envProblems, fmt.Errorf("%s=%q: %w", key, v, err))
			return
		}
		*dst = d
	}
	dur("SWITCHBOARD_SUPERVISOR_WAIT_THRESHOLD", &c.SupervisorWaitThreshold)
	dur("SWITCHBOARD_SUPERVISOR_NO_REPLY_AFTER", &c.SupervisorNoReplyAfter)
}

func (c Config) validateSupervisor() []error {
	var errs []error
	if c.SupervisorWaitThreshold <= 0 {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_SUPERVISOR_WAIT_THRESHOLD=%s must be positive", c.SupervisorWaitThreshold))
	}
	if c.SupervisorNoReplyAfter <= 0 {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_SUPERVISOR_NO_REPLY_AFTER=%s must be positive", c.SupervisorNoReplyAfter))
	}
	return errs
}

func supervisorVars() []Var {
	d := Defaults()
	return []Var{
		{"SWITCHBOARD_SUPERVISOR_WAIT_THRESHOLD", d.SupervisorWaitThreshold.String(), false, func(c Config) string { return c.SupervisorWaitThreshold.String() }},
		{"SWITCHBOARD_SUPERVISOR_NO_REPLY_AFTER", d.SupervisorNoReplyAfter.String(), false, func(c Config) string { return c.SupervisorNoReplyAfter.String() }},
	}
}
