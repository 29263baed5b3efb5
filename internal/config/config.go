// Package config reads Switchboard's configuration from the environment into
// one struct, validated once at start-up.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// Config is every setting of the service.
type Config struct {
	DatabaseURL       string   // DATABASE_URL
	TemporalAddress   string   // TEMPORAL_ADDRESS
	TemporalNamespace string   // TEMPORAL_NAMESPACE
	TaskQueue         string   // SWITCHBOARD_TASK_QUEUE: separates deployments sharing one namespace
	HTTPAddr          string   // SWITCHBOARD_HTTP_ADDR
	PublicBaseURL     string   // SWITCHBOARD_PUBLIC_BASE_URL: what Twilio calls, the signature base
	AdminKey          string   // the first key of SWITCHBOARD_ADMIN_KEY (what dev prints)
	AdminKeys         []string // SWITCHBOARD_ADMIN_KEY, comma-separated: every accepted key, "label:key" or "key"
	SecretKeys        []string // SWITCHBOARD_SECRET_KEY (first encrypts) + SWITCHBOARD_SECRET_KEY_PREVIOUS
	TwilioAPIBase     string   // SWITCHBOARD_TWILIO_API_BASE: "" is real Twilio
	// AllowPrivateTargets lets bot and media URLs point at private, loopback
	// and link-local addresses (SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true; dev and tests).
	AllowPrivateTargets bool
	SessionWindow       time.Duration // SWITCHBOARD_SESSION_WINDOW (tests only)
	LogLevel            string        // SWITCHBOARD_LOG_LEVEL: debug, info, warn, error
	LogFormat           string        // SWITCHBOARD_LOG_FORMAT: text or json

	// TwilioTimeout bounds each HTTP call to Twilio (SWITCHBOARD_TWILIO_TIMEOUT).
	TwilioTimeout time.Duration
	// Retention is how long transcripts are kept (SWITCHBOARD_RETENTION;
	// 0 keeps them forever): a daily Temporal Schedule purges older ones.
	Retention time.Duration
	// WorkerDeadlockTimeout is SWITCHBOARD_WORKER_DEADLOCK_TIMEOUT: how long
	// a workflow task's code may run without yielding before the SDK calls
	// it a deadlock (0: the SDK's 1 s). Raised only on slow test machines.
	WorkerDeadlockTimeout time.Duration
	// WorkflowPatches is SWITCHBOARD_WORKFLOW_PATCHES: auto (default), on
	// or off (worker/patches.go, docs/deploys.md).
	WorkflowPatches string
	// InboxRedeliverAfter: an inbound message Temporal took but the
	// transcript does not have after this long is delivered again
	// (SWITCHBOARD_INBOX_REDELIVER_AFTER; 0 turns the safety net off).
	InboxRedeliverAfter time.Duration

	// Operations (see ops.go): the worker's HTTP port, shutdown, worker
	// tuning and the Temporal connection's TLS / API key.
	WorkerHTTPAddr                     string        // SWITCHBOARD_WORKER_HTTP_ADDR: /healthz, /readyz, /metrics of `worker`
	ShutdownTimeout                    time.Duration // SWITCHBOARD_SHUTDOWN_TIMEOUT: in-flight requests and activities
	WorkerMaxConcurrentActivities      int           // SWITCHBOARD_WORKER_MAX_CONCURRENT_ACTIVITIES
	WorkerMaxConcurrentWorkflowTasks   int           // SWITCHBOARD_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS
	WorkerMaxConcurrentLocalActivities int           // SWITCHBOARD_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES
	WorkerStickyCacheSize              int           // SWITCHBOARD_WORKER_STICKY_CACHE_SIZE
	TwilioRatePerSender                float64       // SWITCHBOARD_TWILIO_RATE_PER_SENDER: sends per second per sender (0: unpaced)
	WorkerPollers                      int           // SWITCHBOARD_WORKER_POLLERS: long polls per task type (workflow, activity)
	DBMaxConns                         int           // SWITCHBOARD_DB_MAX_CONNS: this process's PostgreSQL pool
	TemporalTLS                        bool          // TEMPORAL_TLS: TLS with the system roots (implied by the settings below)
	TemporalTLSCert                    string        // TEMPORAL_TLS_CERT: client certificate (PEM file, mTLS)
	TemporalTLSKey                     string        // TEMPORAL_TLS_KEY: its private key (PEM file)
	TemporalTLSCA                      string        // TEMPORAL_TLS_CA: CA bundle that signs the server (PEM file)
	TemporalTLSServerName              string        // TEMPORAL_TLS_SERVER_NAME: override the name checked in the server certificate
	TemporalAPIKey                     string        // TEMPORAL_API_KEY: Temporal Cloud API key (implies TLS)

	SecuritySettings   // listeners, payload keys, rate limits, streams (security.go)
	SupervisorSettings // the supervisor's at-risk thresholds (supervisor.go)

	// problems found while reading the environment; Validate lists them.
	envProblems []error
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
		TwilioTimeout:     DefaultTwilioTimeout,
		LogLevel:          "info",
		LogFormat:         "json",

		InboxRedeliverAfter:                DefaultInboxRedeliverAfter,
		WorkerHTTPAddr:                     ":8090",
		ShutdownTimeout:                    15 * time.Second,
		WorkerMaxConcurrentActivities:      DefaultWorkerConcurrency,
		WorkerMaxConcurrentWorkflowTasks:   DefaultWorkerConcurrency,
		WorkerMaxConcurrentLocalActivities: DefaultWorkerConcurrency,
		WorkerStickyCacheSize:              DefaultStickyCacheSize,
		TwilioRatePerSender:                DefaultTwilioRatePerSender,
		WorkerPollers:                      DefaultWorkerPollers,
		DBMaxConns:                         DefaultDBMaxConns,
		SecuritySettings:                   defaultSecurity(),
		SupervisorSettings:                 defaultSupervisor(),
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
	if v := os.Getenv("SWITCHBOARD_ALLOW_PRIVATE_TARGETS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			c.envProblems = append(c.envProblems, fmt.Errorf("SWITCHBOARD_ALLOW_PRIVATE_TARGETS=%q must be true or false", v))
		}
		c.AllowPrivateTargets = b
	}
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
			c.envProblems = append(c.envProblems, fmt.Errorf("SWITCHBOARD_SESSION_WINDOW=%q: %w", v, err))
		} else {
			c.SessionWindow = d
		}
	}
	c.opsFromEnv()
	c.reliabilityFromEnv()
	c.securityFromEnv()
	c.supervisorFromEnv()
	// Every problem at once; Validate lists them again with the others.
	return c, errors.Join(c.envProblems...)
}

// Validate reports every setting that cannot work at once (errors.Join),
// each naming its variable.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	errs = append(errs, c.envProblems...)
	u, err := url.Parse(c.PublicBaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("SWITCHBOARD_PUBLIC_BASE_URL=%q must be an absolute http(s) URL (what Twilio calls)", c.PublicBaseURL)
	}
	if len(c.SecretKeys) == 0 {
		bad("SWITCHBOARD_SECRET_KEY must be set (32 random bytes, base64; `switchboard keygen` prints one)")
	}
	if c.SessionWindow <= 0 {
		bad("SWITCHBOARD_SESSION_WINDOW must be positive")
	}
	if c.TwilioAPIBase != "" {
		if u, err := url.Parse(c.TwilioAPIBase); err != nil || u.Host == "" {
			bad("SWITCHBOARD_TWILIO_API_BASE=%q must be an absolute URL", c.TwilioAPIBase)
		}
	}
	errs = append(errs, c.validateOps()...)
	errs = append(errs, c.validateReliability()...)
	errs = append(errs, c.validateSecurity()...)
	errs = append(errs, c.validateSupervisor()...)
	return errors.Join(errs...)
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
