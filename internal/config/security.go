package config

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/internal/ratelimit"
)

// MinAdminKeyLength is the shortest admin key accepted: 32 characters of a
// random key are out of reach of guessing, even without the rate limits.
const MinAdminKeyLength = 32

// Security defaults. The rate limits are far above what the bench and the
// load test send (about 100 agent replies/s, 50 admin sends/s), so that
// they only ever stop a runaway or hostile client.
var (
	DefaultRateLimitAdmin           = ratelimit.Limit{Rate: 1000, Burst: 2000}
	DefaultRateLimitAgent           = ratelimit.Limit{Rate: 500, Burst: 1000}
	DefaultRateLimitUnauthenticated = ratelimit.Limit{Rate: 20, Burst: 200}
)

// Defaults of the other security settings.
const (
	DefaultOpsAddr         = "127.0.0.1:9090"
	DefaultAgentMaxStreams = 5
)

// SecuritySettings are the settings added by the security review (issue
// 14): the operations listener, the Temporal payload keys, the rate limits
// and the agents' event streams.
type SecuritySettings struct {
	// OpsAddr is `serve`'s operations listener (SWITCHBOARD_OPS_ADDR):
	// /metrics, the detailed /readyz and the open codec endpoint. "" for none.
	OpsAddr string
	// TemporalUIOrigin is the Temporal UI's origin (scheme://host:port),
	// allowed by CORS on the open codec endpoint (SWITCHBOARD_TEMPORAL_UI_ORIGIN).
	TemporalUIOrigin string
	// PayloadKey encrypts every Temporal payload (SWITCHBOARD_PAYLOAD_KEY);
	// PayloadKeysPrevious only decrypt (SWITCHBOARD_PAYLOAD_KEY_PREVIOUS).
	// With PayloadKeysPrevious alone, payloads are decrypted but written in
	// clear: the first step of switching encryption on (docs/security.md).
	PayloadKey          string
	PayloadKeysPrevious []string
	// Rate limits per admin key, per agent, and per source address of
	// requests that fail authentication (SWITCHBOARD_RATE_LIMIT_*).
	RateLimitAdmin           ratelimit.Limit
	RateLimitAgent           ratelimit.Limit
	RateLimitUnauthenticated ratelimit.Limit
	// AgentMaxStreams caps an agent's open event streams per API process
	// (SWITCHBOARD_AGENT_MAX_STREAMS).
	AgentMaxStreams int
}

func defaultSecurity() SecuritySettings {
	return SecuritySettings{
		OpsAddr:                  DefaultOpsAddr,
		RateLimitAdmin:           DefaultRateLimitAdmin,
		RateLimitAgent:           DefaultRateLimitAgent,
		RateLimitUnauthenticated: DefaultRateLimitUnauthenticated,
		AgentMaxStreams:          DefaultAgentMaxStreams,
	}
}

// PayloadKeys lists the payload keys: the encrypting one first ("" when
// payloads are only decrypted), then the previous ones.
func (c Config) PayloadKeys() (encrypting string, all []string) {
	if c.PayloadKey != "" {
		all = append(all, c.PayloadKey)
	}
	return c.PayloadKey, append(all, c.PayloadKeysPrevious...)
}

func (c *Config) securityFromEnv() {
	if v, ok := os.LookupEnv("SWITCHBOARD_OPS_ADDR"); ok {
		c.OpsAddr = strings.TrimSpace(v) // "" turns the listener off
	}
	if v := strings.TrimSpace(os.Getenv("SWITCHBOARD_TEMPORAL_UI_ORIGIN")); v != "" {
		c.TemporalUIOrigin = strings.TrimRight(v, "/")
	}
	if v := strings.TrimSpace(os.Getenv("SWITCHBOARD_PAYLOAD_KEY")); v != "" {
		c.PayloadKey = v
	}
	for _, k := range strings.Split(os.Getenv("SWITCHBOARD_PAYLOAD_KEY_PREVIOUS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.PayloadKeysPrevious = append(c.PayloadKeysPrevious, k)
		}
	}
	limit := func(key string, dst *ratelimit.Limit) {
		v := strings.TrimSpace(os.Getenv(key))
		if v == "" {
			return
		}
		l, err := ratelimit.ParseLimit(v)
		if err != nil {
			c.envProblems = append(c.envProblems, fmt.Errorf("%s=%w", key, err))
			return
		}
		*dst = l
	}
	limit("SWITCHBOARD_RATE_LIMIT_ADMIN", &c.RateLimitAdmin)
	limit("SWITCHBOARD_RATE_LIMIT_AGENT", &c.RateLimitAgent)
	limit("SWITCHBOARD_RATE_LIMIT_UNAUTHENTICATED", &c.RateLimitUnauthenticated)
	c.intFromEnv("SWITCHBOARD_AGENT_MAX_STREAMS", &c.AgentMaxStreams, math.MinInt, "")
}

func (c Config) validateSecurity() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	creds := c.AdminCredentials()
	if len(creds) == 0 {
		bad("SWITCHBOARD_ADMIN_KEY must be set to at least %d characters", MinAdminKeyLength)
	}
	for i, k := range creds {
		if len(k.Key) < MinAdminKeyLength {
			bad("SWITCHBOARD_ADMIN_KEY: key %d of %d (label %q) is shorter than %d characters", i+1, len(creds), k.Label, MinAdminKeyLength)
		}
	}
	if c.PayloadKey == "" && len(c.PayloadKeysPrevious) == 0 {
		bad("SWITCHBOARD_PAYLOAD_KEY must be set (32 random bytes, base64; `switchboard keygen` prints one): it encrypts what Temporal stores")
	}
	for i, k := range append([]string{c.PayloadKey}, c.PayloadKeysPrevious...) {
		if k == "" {
			continue
		}
		name := "SWITCHBOARD_PAYLOAD_KEY"
		if i > 0 {
			name = fmt.Sprintf("SWITCHBOARD_PAYLOAD_KEY_PREVIOUS (key %d)", i)
		}
		if n, ok := decodedLen(k); !ok {
			bad("%s is not base64 (want 32 random bytes, base64: `switchboard keygen`)", name)
		} else if n != 32 {
			bad("%s decodes to %d bytes, want 32 (`switchboard keygen` prints one)", name, n)
		}
	}
	if c.OpsAddr != "" {
		if _, _, err := splitHostPort(c.OpsAddr); err != nil {
			bad("SWITCHBOARD_OPS_ADDR=%q must be host:port", c.OpsAddr)
		}
	}
	if o := c.TemporalUIOrigin; o != "" {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			bad("SWITCHBOARD_TEMPORAL_UI_ORIGIN=%q must be an origin, scheme://host[:port] (the Temporal UI's address)", o)
		}
	}
	if c.AgentMaxStreams < 1 {
		bad("SWITCHBOARD_AGENT_MAX_STREAMS=%d must be at least 1", c.AgentMaxStreams)
	}
	return errs
}

func securityVars() []Var {
	d := Defaults()
	return []Var{
		{"SWITCHBOARD_OPS_ADDR", d.OpsAddr, false, func(c Config) string { return c.OpsAddr }},
		{"SWITCHBOARD_TEMPORAL_UI_ORIGIN", "", false, func(c Config) string { return c.TemporalUIOrigin }},
		{"SWITCHBOARD_PAYLOAD_KEY", "", true, func(c Config) string { return c.PayloadKey }},
		{"SWITCHBOARD_PAYLOAD_KEY_PREVIOUS", "", true, func(c Config) string { return strings.Join(c.PayloadKeysPrevious, ",") }},
		{"SWITCHBOARD_RATE_LIMIT_ADMIN", d.RateLimitAdmin.String(), false, func(c Config) string { return c.RateLimitAdmin.String() }},
		{"SWITCHBOARD_RATE_LIMIT_AGENT", d.RateLimitAgent.String(), false, func(c Config) string { return c.RateLimitAgent.String() }},
		{"SWITCHBOARD_RATE_LIMIT_UNAUTHENTICATED", d.RateLimitUnauthenticated.String(), false, func(c Config) string { return c.RateLimitUnauthenticated.String() }},
		{"SWITCHBOARD_AGENT_MAX_STREAMS", strconv.Itoa(d.AgentMaxStreams), false, func(c Config) string { return strconv.Itoa(c.AgentMaxStreams) }},
	}
}
