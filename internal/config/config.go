// Package config reads Switchboard's configuration from the environment into
// one struct, validated once at start-up.
package config

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// Config is every setting of the service.
type Config struct {
	DatabaseURL       string        // DATABASE_URL
	TemporalAddress   string        // TEMPORAL_ADDRESS
	TemporalNamespace string        // TEMPORAL_NAMESPACE
	TaskQueue         string        // SWITCHBOARD_TASK_QUEUE: separates deployments sharing one namespace
	HTTPAddr          string        // SWITCHBOARD_HTTP_ADDR
	PublicBaseURL     string        // SWITCHBOARD_PUBLIC_BASE_URL: what Twilio calls, the signature base
	AdminKey          string        // the first key of SWITCHBOARD_ADMIN_KEY (what dev prints)
	AdminKeys         []string      // SWITCHBOARD_ADMIN_KEY, comma-separated: every accepted key, "label:key" or "key"
	SecretKeys        []string      // SWITCHBOARD_SECRET_KEY (first encrypts) + SWITCHBOARD_SECRET_KEY_PREVIOUS
	TwilioAPIBase     string        // SWITCHBOARD_TWILIO_API_BASE: "" is real Twilio
	SessionWindow     time.Duration // SWITCHBOARD_SESSION_WINDOW (tests only)
	LogLevel          string        // SWITCHBOARD_LOG_LEVEL: debug, info, warn, error
	LogFormat         string        // SWITCHBOARD_LOG_FORMAT: text or json
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		TemporalAddress:   "127.0.0.1:7233",
		TemporalNamespace: "default",
		TaskQueue:         "switchboard-conversations",
		HTTPAddr:          ":8080",
		PublicBaseURL:     "http://127.0.0.1:8080",
		SessionWindow:     domain.DefaultSessionWindow,
		LogLevel:          "info",
		LogFormat:         "text",
	}
}

// FromEnv overlays the environment on Defaults. It does not validate: call
// Validate once every source (flags, dev defaults) has been applied.
func FromEnv() (Config, error) {
	c := Defaults()
	str := func(key string, dst *string) {
		if v, ok := os.LookupEnv(key); ok && v != "" {
			*dst = v
		}
	}
	str("DATABASE_URL", &c.DatabaseURL)
	str("TEMPORAL_ADDRESS", &c.TemporalAddress)
	str("TEMPORAL_NAMESPACE", &c.TemporalNamespace)
	str("SWITCHBOARD_TASK_QUEUE", &c.TaskQueue)
	str("SWITCHBOARD_HTTP_ADDR", &c.HTTPAddr)
	str("SWITCHBOARD_PUBLIC_BASE_URL", &c.PublicBaseURL)
	if v := os.Getenv("SWITCHBOARD_ADMIN_KEY"); v != "" {
		// Several keys let an operator rotate without downtime: add the new
		// key, deploy, move clients, remove the old key, deploy.
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				c.AdminKeys = append(c.AdminKeys, k)
			}
		}
		if len(c.AdminKeys) > 0 {
			c.AdminKey = ParseAdminKey(c.AdminKeys[0]).Key
		}
	}
	str("SWITCHBOARD_TWILIO_API_BASE", &c.TwilioAPIBase)
	str("SWITCHBOARD_LOG_LEVEL", &c.LogLevel)
	str("SWITCHBOARD_LOG_FORMAT", &c.LogFormat)
	if v := os.Getenv("SWITCHBOARD_SECRET_KEY"); v != "" {
		c.SecretKeys = append(c.SecretKeys, v)
	}
	if v := os.Getenv("SWITCHBOARD_SECRET_KEY_PREVIOUS"); v != "" {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				c.SecretKeys = append(c.SecretKeys, k)
			}
		}
	}
	if v := os.Getenv("SWITCHBOARD_SESSION_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("SWITCHBOARD_SESSION_WINDOW=%q: %w", v, err)
		}
		c.SessionWindow = d
	}
	return c, nil
}

// Validate reports the first setting that cannot work, naming the variable.
func (c Config) Validate() error {
	u, err := url.Parse(c.PublicBaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("SWITCHBOARD_PUBLIC_BASE_URL=%q must be an absolute http(s) URL (what Twilio calls)", c.PublicBaseURL)
	}
	creds := c.AdminCredentials()
	if len(creds) == 0 {
		return fmt.Errorf("SWITCHBOARD_ADMIN_KEY must be set to at least 16 characters")
	}
	for i, k := range creds {
		if len(k.Key) < 16 {
			return fmt.Errorf("SWITCHBOARD_ADMIN_KEY: key %d of %d is shorter than 16 characters", i+1, len(creds))
		}
	}
	if len(c.SecretKeys) == 0 {
		return fmt.Errorf("SWITCHBOARD_SECRET_KEY must be set (32 random bytes, base64; `switchboard keygen` prints one)")
	}
	if c.SessionWindow <= 0 {
		return fmt.Errorf("SWITCHBOARD_SESSION_WINDOW must be positive")
	}
	if c.TwilioAPIBase != "" {
		if u, err := url.Parse(c.TwilioAPIBase); err != nil || u.Host == "" {
			return fmt.Errorf("SWITCHBOARD_TWILIO_API_BASE=%q must be an absolute URL", c.TwilioAPIBase)
		}
	}
	return nil
}

// PublicURL joins the public base URL and a path.
func (c Config) PublicURL(path string) string {
	return strings.TrimRight(c.PublicBaseURL, "/") + path
}

// InboundURL is the webhook to paste into Twilio as the sender's
// "A message comes in" URL.
func (c Config) InboundURL(accountID string) string {
	return c.PublicURL("/twilio/whatsapp/" + accountID + "/inbound")
}

// StatusCallbackURL is where Twilio posts delivery statuses for an account.
func (c Config) StatusCallbackURL(accountID string) string {
	return c.PublicURL("/twilio/whatsapp/" + accountID + "/status")
}
