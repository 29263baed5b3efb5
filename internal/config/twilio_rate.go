package config

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// DefaultTwilioRatePerSender is a WhatsApp sender's default throughput on
// Twilio: 80 messages per second (MPS).
const DefaultTwilioRatePerSender = 80

// twilioRateFromEnv reads SWITCHBOARD_TWILIO_RATE_PER_SENDER.
func (c *Config) twilioRateFromEnv() {
	v := strings.TrimSpace(os.Getenv("SWITCHBOARD_TWILIO_RATE_PER_SENDER"))
	if v == "" {
		return
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		c.envProblems = append(c.envProblems, fmt.Errorf("SWITCHBOARD_TWILIO_RATE_PER_SENDER=%q must be a number of messages per second, 0 or more (0: no pacing)", v))
		return
	}
	c.TwilioRatePerSender = f
}
