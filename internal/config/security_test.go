package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/ratelimit"
)

// TestRedactDSNHandlesEveryLibpqForm: the password never survives, whatever
// form libpq would read it in, and the rest of the string stays readable.
func TestRedactDSNHandlesEveryLibpqForm(t *testing.T) {
	for _, tc := range []struct{ dsn, want, secret string }{
		{"host=db user=sb password=secret dbname=x", "host=db user=sb password=redacted dbname=x", "secret"},
		{"host=db password = s3cr3t dbname=x", "host=db password=redacted dbname=x", "s3cr3t"},
		{"host=db password= 'two words' dbname=x", "host=db password=redacted dbname=x", "two words"},
		{`host=db password='it\'s \\ here' dbname=x`, "host=db password=redacted dbname=x", `it's`},
		{"PASSWORD=Upper host=db", "password=redacted host=db", "Upper"},
		{"host=db application_name='my app' password=pw1", "host=db application_name='my app' password=redacted", "pw1"},
		{"postgres://sb:url-secret@db:5432/x?sslmode=disable", "postgres://sb:redacted@db:5432/x?sslmode=disable", "url-secret"},
		{"postgresql://sb@db/x?password=query-secret", "postgresql://sb@db/x?password=redacted", "query-secret"},
		{"postgres://sb:p%40ss%20word@db/x", "postgres://sb:redacted@db/x", "p%40ss"},
		{"host=db password='unterminated", "[redacted: unparsable DSN]", "unterminated"},
	} {
		got := RedactDSN(tc.dsn)
		if got != tc.want || strings.Contains(got, tc.secret) {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
	}
	for dsn, want := range map[string]string{
		"host=db password = 's3 cr3t'":  "s3 cr3t",
		"postgres://u:p%40ss@db/x":      "p@ss",
		"postgres://u@db/x?password=qq": "qq",
	} {
		if got := dsnPasswords(dsn); !slices.Contains(got, want) {
			t.Errorf("dsnPasswords(%q) = %q, lacks %q", dsn, got, want)
		}
	}
}

func TestSecuritySettingsFromEnv(t *testing.T) {
	t.Setenv("SWITCHBOARD_OPS_ADDR", "127.0.0.1:9191")
	t.Setenv("SWITCHBOARD_TEMPORAL_UI_ORIGIN", "http://127.0.0.1:8233/")
	t.Setenv("SWITCHBOARD_PAYLOAD_KEY", goodKey)
	t.Setenv("SWITCHBOARD_PAYLOAD_KEY_PREVIOUS", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=, ")
	t.Setenv("SWITCHBOARD_RATE_LIMIT_AGENT", "10:20")
	t.Setenv("SWITCHBOARD_RATE_LIMIT_ADMIN", "0")
	t.Setenv("SWITCHBOARD_AGENT_MAX_STREAMS", "2")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.OpsAddr != "127.0.0.1:9191" || c.TemporalUIOrigin != "http://127.0.0.1:8233" || c.AgentMaxStreams != 2 ||
		c.RateLimitAgent != (ratelimit.Limit{Rate: 10, Burst: 20}) || !c.RateLimitAdmin.Off() ||
		c.RateLimitUnauthenticated != DefaultRateLimitUnauthenticated {
		t.Fatalf("from env: %+v", c.SecuritySettings)
	}
	enc, all := c.PayloadKeys()
	if enc != goodKey || len(all) != 2 {
		t.Fatalf("payload keys: %q %d", enc, len(all))
	}
	t.Setenv("SWITCHBOARD_RATE_LIMIT_AGENT", "fast")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_RATE_LIMIT_AGENT") {
		t.Fatalf("a bad limit: %v", err)
	}
}

// TestValidateNamesEverySecurityProblem: a short admin key, a missing or
// malformed payload key, a bad origin, each named by its variable.
func TestValidateNamesEverySecurityProblem(t *testing.T) {
	c := Defaults()
	c.DatabaseURL = "postgres://u@localhost/db"
	c.SecretKeys = []string{goodKey}
	c.AdminKey = "short-admin-key-0123456789"
	c.TemporalUIOrigin = "http://ui.example/path"
	c.AgentMaxStreams = 0
	err := c.Validate()
	for _, want := range []string{"SWITCHBOARD_ADMIN_KEY", "shorter than 32", "SWITCHBOARD_PAYLOAD_KEY must be set", "SWITCHBOARD_TEMPORAL_UI_ORIGIN", "SWITCHBOARD_AGENT_MAX_STREAMS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, lacks %q", err, want)
		}
	}
	c.PayloadKeysPrevious = []string{"not-base64!"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_PAYLOAD_KEY_PREVIOUS (key 1) is not base64") {
		t.Errorf("Validate() = %v", err)
	}
	c.PayloadKeysPrevious = []string{goodKey} // decrypt-only is a valid first rollout step
	c.AdminKey = "0123456789abcdef0123456789abcdef"
	c.TemporalUIOrigin = "http://127.0.0.1:8233"
	c.AgentMaxStreams = 5
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
}
