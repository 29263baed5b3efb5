package config

import (
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Worker defaults. The SDK's own defaults (1000 slots each) outrun the
// PostgreSQL pool (32 connections) that every local activity needs.
const (
	DefaultWorkerConcurrency = 100
	DefaultStickyCacheSize   = 10000
)

// opsFromEnv reads the operations settings, collecting parse problems.
func (c *Config) opsFromEnv() {
	str := func(dst *string, keys ...string) {
		for _, k := range keys {
			if v := strings.TrimSpace(os.Getenv(k)); v != "" {
				*dst = v
				return
			}
		}
	}
	num := func(key string, dst *int) { c.intFromEnv(key, dst, math.MinInt, "") }
	str(&c.WorkerHTTPAddr, "SWITCHBOARD_WORKER_HTTP_ADDR")
	if v := strings.TrimSpace(os.Getenv("SWITCHBOARD_SHUTDOWN_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			c.envProblems = append(c.envProblems, fmt.Errorf("SWITCHBOARD_SHUTDOWN_TIMEOUT=%q: %w", v, err))
		} else {
			c.ShutdownTimeout = d
		}
	}
	num("SWITCHBOARD_WORKER_MAX_CONCURRENT_ACTIVITIES", &c.WorkerMaxConcurrentActivities)
	num("SWITCHBOARD_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", &c.WorkerMaxConcurrentWorkflowTasks)
	num("SWITCHBOARD_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES", &c.WorkerMaxConcurrentLocalActivities)
	num("SWITCHBOARD_WORKER_STICKY_CACHE_SIZE", &c.WorkerStickyCacheSize)
	c.twilioRateFromEnv()
	c.workerPollersFromEnv()
	c.dbPoolFromEnv()

	// Temporal's names: the short ones of the Temporal CLI's environment, and
	// the TEMPORAL_TLS_CLIENT_*_PATH ones of its environment configuration.
	if v := strings.TrimSpace(os.Getenv("TEMPORAL_TLS")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			c.envProblems = append(c.envProblems, fmt.Errorf("TEMPORAL_TLS=%q must be true or false", v))
		} else {
			c.TemporalTLS = b
		}
	}
	str(&c.TemporalTLSCert, "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_CLIENT_CERT_PATH")
	str(&c.TemporalTLSKey, "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CLIENT_KEY_PATH")
	str(&c.TemporalTLSCA, "TEMPORAL_TLS_CA", "TEMPORAL_TLS_SERVER_CA_CERT_PATH")
	str(&c.TemporalTLSServerName, "TEMPORAL_TLS_SERVER_NAME")
	str(&c.TemporalAPIKey, "TEMPORAL_API_KEY")
}

// TemporalUsesTLS reports whether the Temporal connection is TLS: asked for,
// or implied by a certificate, a CA, a server name or an API key.
func (c Config) TemporalUsesTLS() bool {
	return c.TemporalTLS || c.TemporalTLSCert != "" || c.TemporalTLSCA != "" ||
		c.TemporalTLSServerName != "" || c.TemporalAPIKey != ""
}

func (c Config) validateOps() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.DatabaseURL == "" {
		bad("DATABASE_URL must be set (postgres://user:password@host:5432/db?sslmode=...)")
	} else if strings.Contains(c.DatabaseURL, "://") {
		if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			bad("DATABASE_URL must be a postgres:// URL or a key=value DSN (its value is not repeated here: it may hold a password)")
		}
	}
	for i, k := range c.SecretKeys {
		name := "SWITCHBOARD_SECRET_KEY"
		if i > 0 {
			name = fmt.Sprintf("SWITCHBOARD_SECRET_KEY_PREVIOUS (key %d)", i)
		}
		if n, ok := decodedLen(k); !ok {
			bad("%s is not base64 (want 32 random bytes, base64: `switchboard keygen`)", name)
		} else if n != 32 {
			bad("%s decodes to %d bytes, want 32 (`switchboard keygen` prints one)", name, n)
		}
	}
	hostPort := func(name, v string, hostRequired bool) {
		host, _, err := splitHostPort(v)
		if err != nil || (hostRequired && host == "") {
			bad("%s=%q must be host:port", name, v)
		}
	}
	hostPort("TEMPORAL_ADDRESS", c.TemporalAddress, true)
	hostPort("SWITCHBOARD_HTTP_ADDR", c.HTTPAddr, false)
	hostPort("SWITCHBOARD_WORKER_HTTP_ADDR", c.WorkerHTTPAddr, false)
	if strings.TrimSpace(c.TemporalNamespace) == "" {
		bad("TEMPORAL_NAMESPACE must not be empty")
	}
	if strings.TrimSpace(c.TaskQueue) == "" {
		bad("SWITCHBOARD_TASK_QUEUE must not be empty")
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "warning", "error":
	default:
		bad("SWITCHBOARD_LOG_LEVEL=%q must be debug, info, warn or error", c.LogLevel)
	}
	switch strings.ToLower(c.LogFormat) {
	case "json", "text":
	default:
		bad("SWITCHBOARD_LOG_FORMAT=%q must be json or text", c.LogFormat)
	}
	if c.ShutdownTimeout <= 0 {
		bad("SWITCHBOARD_SHUTDOWN_TIMEOUT must be positive")
	}
	for _, w := range []struct {
		name string
		v    int
	}{
		{"SWITCHBOARD_WORKER_MAX_CONCURRENT_ACTIVITIES", c.WorkerMaxConcurrentActivities},
		{"SWITCHBOARD_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", c.WorkerMaxConcurrentWorkflowTasks},
		{"SWITCHBOARD_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES", c.WorkerMaxConcurrentLocalActivities},
	} {
		if w.v < 1 {
			bad("%s=%d must be at least 1", w.name, w.v)
		}
	}
	if c.WorkerStickyCacheSize < 1 {
		bad("SWITCHBOARD_WORKER_STICKY_CACHE_SIZE=%d must be at least 1", c.WorkerStickyCacheSize)
	}
	if (c.TemporalTLSCert == "") != (c.TemporalTLSKey == "") {
		bad("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (client certificate and its key)")
	}
	for _, f := range []struct{ name, path string }{
		{"TEMPORAL_TLS_CERT", c.TemporalTLSCert}, {"TEMPORAL_TLS_KEY", c.TemporalTLSKey}, {"TEMPORAL_TLS_CA", c.TemporalTLSCA},
	} {
		if f.path == "" {
			continue
		}
		if st, err := os.Stat(f.path); err != nil {
			bad("%s=%q: %v", f.name, f.path, err)
		} else if st.IsDir() {
			bad("%s=%q is a directory, want a PEM file", f.name, f.path)
		}
	}
	return errs
}

// splitHostPort checks an address: a port from 0 to 65535 is required.
func splitHostPort(v string) (string, int, error) {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "", 0, fmt.Errorf("bad port %q", port)
	}
	return host, p, nil
}

func decodedLen(s string) (int, bool) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return len(b), true
		}
	}
	return 0, false
}

// Var is one environment variable of the configuration.
type Var struct {
	Name    string
	Default string // as documented ("" when none)
	Secret  bool   // redacted by Redacted
	Value   func(Config) string
}

// Vars lists every variable Switchboard reads, in the order of
// docs/configuration.md.
func Vars() []Var {
	d := Defaults()
	itoa := strconv.Itoa
	return append([]Var{
		{"DATABASE_URL", "", true, func(c Config) string { return c.DatabaseURL }},
		{"TEMPORAL_ADDRESS", d.TemporalAddress, false, func(c Config) string { return c.TemporalAddress }},
		{"TEMPORAL_NAMESPACE", d.TemporalNamespace, false, func(c Config) string { return c.TemporalNamespace }},
		{"TEMPORAL_TLS", "false", false, func(c Config) string { return strconv.FormatBool(c.TemporalUsesTLS()) }},
		{"TEMPORAL_TLS_CERT", "", false, func(c Config) string { return c.TemporalTLSCert }},
		{"TEMPORAL_TLS_KEY", "", false, func(c Config) string { return c.TemporalTLSKey }},
		{"TEMPORAL_TLS_CA", "", false, func(c Config) string { return c.TemporalTLSCA }},
		{"TEMPORAL_TLS_SERVER_NAME", "", false, func(c Config) string { return c.TemporalTLSServerName }},
		{"TEMPORAL_API_KEY", "", true, func(c Config) string { return c.TemporalAPIKey }},
		{"SWITCHBOARD_TASK_QUEUE", d.TaskQueue, false, func(c Config) string { return c.TaskQueue }},
		{"SWITCHBOARD_HTTP_ADDR", d.HTTPAddr, false, func(c Config) string { return c.HTTPAddr }},
		{"SWITCHBOARD_WORKER_HTTP_ADDR", d.WorkerHTTPAddr, false, func(c Config) string { return c.WorkerHTTPAddr }},
		{"SWITCHBOARD_PUBLIC_BASE_URL", d.PublicBaseURL, false, func(c Config) string { return c.PublicBaseURL }},
		{"SWITCHBOARD_ADMIN_KEY", "", true, func(c Config) string {
			keys := make([]string, 0, len(c.AdminCredentials()))
			for _, k := range c.AdminCredentials() {
				keys = append(keys, k.Label+":"+k.Key)
			}
			return strings.Join(keys, ",")
		}},
		{"SWITCHBOARD_SECRET_KEY", "", true, func(c Config) string {
			if len(c.SecretKeys) == 0 {
				return ""
			}
			return c.SecretKeys[0]
		}},
		{"SWITCHBOARD_SECRET_KEY_PREVIOUS", "", true, func(c Config) string {
			if len(c.SecretKeys) < 2 {
				return ""
			}
			return strings.Join(c.SecretKeys[1:], ",")
		}},
		{"SWITCHBOARD_TWILIO_API_BASE", "", false, func(c Config) string { return c.TwilioAPIBase }},
		{"SWITCHBOARD_ALLOW_PRIVATE_TARGETS", "false", false, func(c Config) string { return strconv.FormatBool(c.AllowPrivateTargets) }},
		{"SWITCHBOARD_SESSION_WINDOW", d.SessionWindow.String(), false, func(c Config) string { return c.SessionWindow.String() }},
		{"SWITCHBOARD_TWILIO_TIMEOUT", d.TwilioTimeout.String(), false, func(c Config) string { return c.TwilioTimeout.String() }},
		{"SWITCHBOARD_RETENTION", "0", false, func(c Config) string { return c.Retention.String() }},
		{"SWITCHBOARD_WORKER_DEADLOCK_TIMEOUT", "0", false, func(c Config) string { return c.WorkerDeadlockTimeout.String() }},
		{"SWITCHBOARD_WORKFLOW_PATCHES", "auto", false, func(c Config) string {
			if c.WorkflowPatches == "" {
				return "auto"
			}
			return c.WorkflowPatches
		}},
		{"SWITCHBOARD_INBOX_REDELIVER_AFTER", d.InboxRedeliverAfter.String(), false, func(c Config) string { return c.InboxRedeliverAfter.String() }},
		{"SWITCHBOARD_LOG_LEVEL", d.LogLevel, false, func(c Config) string { return c.LogLevel }},
		{"SWITCHBOARD_LOG_FORMAT", d.LogFormat, false, func(c Config) string { return c.LogFormat }},
		{"SWITCHBOARD_SHUTDOWN_TIMEOUT", d.ShutdownTimeout.String(), false, func(c Config) string { return c.ShutdownTimeout.String() }},
		{"SWITCHBOARD_WORKER_MAX_CONCURRENT_ACTIVITIES", itoa(d.WorkerMaxConcurrentActivities), false, func(c Config) string { return itoa(c.WorkerMaxConcurrentActivities) }},
		{"SWITCHBOARD_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", itoa(d.WorkerMaxConcurrentWorkflowTasks), false, func(c Config) string { return itoa(c.WorkerMaxConcurrentWorkflowTasks) }},
		{"SWITCHBOARD_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES", itoa(d.WorkerMaxConcurrentLocalActivities), false, func(c Config) string { return itoa(c.WorkerMaxConcurrentLocalActivities) }},
		{"SWITCHBOARD_WORKER_STICKY_CACHE_SIZE", itoa(d.WorkerStickyCacheSize), false, func(c Config) string { return itoa(c.WorkerStickyCacheSize) }},
		{"SWITCHBOARD_TWILIO_RATE_PER_SENDER", itoa(DefaultTwilioRatePerSender), false, func(c Config) string {
			return strconv.FormatFloat(c.TwilioRatePerSender, 'f', -1, 64)
		}},
		{"SWITCHBOARD_WORKER_POLLERS", itoa(DefaultWorkerPollers), false, func(c Config) string { return itoa(c.WorkerPollers) }},
		{"SWITCHBOARD_DB_MAX_CONNS", itoa(DefaultDBMaxConns), false, func(c Config) string { return itoa(c.DBMaxConns) }},
	}, append(securityVars(), supervisorVars()...)...)
}

// Redacted returns the effective configuration as NAME=value lines, with
// every secret replaced: admin keys keep their labels, the database URL its
// host and user (not its password).
func (c Config) Redacted() []string {
	var out []string
	for _, v := range Vars() {
		val := v.Value(c)
		if v.Secret && val != "" {
			val = redact(v.Name, val, c)
		}
		out = append(out, v.Name+"="+val)
	}
	return out
}

func redact(name, val string, c Config) string {
	switch name {
	case "DATABASE_URL":
		return RedactDSN(val)
	case "SWITCHBOARD_ADMIN_KEY":
		creds := c.AdminCredentials()
		parts := make([]string, len(creds))
		for i, k := range creds {
			parts[i] = k.Label + ":[redacted]"
		}
		return strings.Join(parts, ",")
	case "SWITCHBOARD_SECRET_KEY_PREVIOUS":
		return fmt.Sprintf("[redacted: %d keys]", len(c.SecretKeys)-1)
	}
	return "[redacted]"
}

// Secrets returns the secret values of the configuration (admin keys,
// secret keys, the Temporal API key, the database password), for log
// scrubbing as a last line of defence.
func (c Config) Secrets() []string {
	var out []string
	for _, k := range c.AdminCredentials() {
		out = append(out, k.Key)
	}
	out = append(out, c.SecretKeys...)
	if c.TemporalAPIKey != "" {
		out = append(out, c.TemporalAPIKey)
	}
	out = append(out, dsnPasswords(c.DatabaseURL)...)
	return out
}
