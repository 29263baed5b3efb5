package config

import (
	"strings"
	"testing"
)

func TestWorkerPollersAndSenderRateFromEnv(t *testing.T) {
	if d := Defaults(); d.WorkerPollers != DefaultWorkerPollers || d.TwilioRatePerSender != DefaultTwilioRatePerSender {
		t.Fatalf("defaults: %d pollers, %v/s", d.WorkerPollers, d.TwilioRatePerSender)
	}
	t.Setenv("SWITCHBOARD_WORKER_POLLERS", "12")
	t.Setenv("SWITCHBOARD_TWILIO_RATE_PER_SENDER", "0")
	c, err := FromEnv()
	if err != nil || c.WorkerPollers != 12 || c.TwilioRatePerSender != 0 {
		t.Fatalf("FromEnv: %d pollers, %v/s, %v", c.WorkerPollers, c.TwilioRatePerSender, err)
	}
	t.Setenv("SWITCHBOARD_WORKER_POLLERS", "1") // the SDK refuses a single workflow poller
	t.Setenv("SWITCHBOARD_TWILIO_RATE_PER_SENDER", "-5")
	_, err = FromEnv()
	for _, name := range []string{"SWITCHBOARD_WORKER_POLLERS", "SWITCHBOARD_TWILIO_RATE_PER_SENDER"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("a bad %s is not reported: %v", name, err)
		}
	}
}
