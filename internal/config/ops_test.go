package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const goodKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

func TestValidateListsEveryProblemAtOnce(t *testing.T) {
	t.Setenv("SWITCHBOARD_SESSION_WINDOW", "soon")
	t.Setenv("SWITCHBOARD_WORKER_MAX_CONCURRENT_ACTIVITIES", "many")
	t.Setenv("SWITCHBOARD_PUBLIC_BASE_URL", "ftp//nowhere")
	t.Setenv("SWITCHBOARD_SECRET_KEY", "c2hvcnQ=") // "short": 5 bytes
	t.Setenv("TEMPORAL_TLS_CERT", "/nonexistent/cert.pem")
	t.Setenv("SWITCHBOARD_LOG_FORMAT", "xml")
	c, err := FromEnv()
	if err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_SESSION_WINDOW") || !strings.Contains(err.Error(), "MAX_CONCURRENT_ACTIVITIES") {
		t.Fatalf("FromEnv error = %v, want both parse problems", err)
	}
	err = c.Validate()
	var multi interface{ Unwrap() []error }
	if !errors.As(err, &multi) {
		t.Fatalf("Validate = %v, want a joined error", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"SWITCHBOARD_SESSION_WINDOW", "SWITCHBOARD_WORKER_MAX_CONCURRENT_ACTIVITIES", "SWITCHBOARD_PUBLIC_BASE_URL",
		"SWITCHBOARD_ADMIN_KEY must be set", "SWITCHBOARD_SECRET_KEY decodes to 5 bytes, want 32", "DATABASE_URL must be set",
		"TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together", "TEMPORAL_TLS_CERT=", "SWITCHBOARD_LOG_FORMAT",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("Validate does not mention %q:\n%s", want, msg)
		}
	}
	if n := len(multi.Unwrap()); n < 9 {
		t.Errorf("%d problems, want at least 9:\n%s", n, msg)
	}
}

func TestDefaultsAndOpsFromEnv(t *testing.T) {
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.LogFormat != "json" || c.WorkerHTTPAddr != ":8090" || c.ShutdownTimeout != 15*time.Second ||
		c.WorkerMaxConcurrentActivities != DefaultWorkerConcurrency || c.WorkerStickyCacheSize != DefaultStickyCacheSize || c.TemporalUsesTLS() {
		t.Fatalf("defaults: %+v", c)
	}
	t.Setenv("SWITCHBOARD_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", "7")
	t.Setenv("SWITCHBOARD_WORKER_STICKY_CACHE_SIZE", "50")
	t.Setenv("TEMPORAL_TLS_CLIENT_CERT_PATH", "/c.pem") // Temporal's envconfig name
	t.Setenv("TEMPORAL_TLS_KEY", "/k.pem")
	t.Setenv("TEMPORAL_API_KEY", "tk-123")
	if c, err = FromEnv(); err != nil {
		t.Fatal(err)
	}
	if c.WorkerMaxConcurrentWorkflowTasks != 7 || c.WorkerStickyCacheSize != 50 || c.TemporalTLSCert != "/c.pem" ||
		c.TemporalTLSKey != "/k.pem" || c.TemporalAPIKey != "tk-123" || !c.TemporalUsesTLS() {
		t.Fatalf("from env: %+v", c)
	}
}

func TestRedactedHidesEverySecret(t *testing.T) {
	c := Defaults()
	c.DatabaseURL = "postgres://sb:db-password-123@db:5432/switchboard?sslmode=disable"
	c.AdminKeys = []string{"ops:admin-key-0123456789", "second-admin-key-0123"}
	c.SecretKeys = []string{goodKey, "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB="}
	c.TemporalAPIKey = "temporal-api-key-xyz"
	out := strings.Join(c.Redacted(), "\n")
	for _, s := range []string{"db-password-123", "admin-key-0123456789", "second-admin-key-0123", goodKey, "BBBBBBBB", "temporal-api-key-xyz"} {
		if strings.Contains(out, s) {
			t.Errorf("%q printed:\n%s", s, out)
		}
	}
	for _, want := range []string{"DATABASE_URL=postgres://sb:redacted@db:5432/switchboard?sslmode=disable",
		"SWITCHBOARD_ADMIN_KEY=ops:[redacted],admin:[redacted]", "TEMPORAL_API_KEY=[redacted]",
		"SWITCHBOARD_WORKER_STICKY_CACHE_SIZE=10000", "TEMPORAL_TLS=true"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	if got := RedactDSN("host=db user=sb password=secret dbname=x"); got != "host=db user=sb password=redacted dbname=x" {
		t.Errorf("RedactDSN = %q", got)
	}
	secrets := strings.Join(c.Secrets(), " ")
	for _, s := range []string{"db-password-123", "admin-key-0123456789", goodKey, "temporal-api-key-xyz"} {
		if !strings.Contains(secrets, s) {
			t.Errorf("Secrets() lacks %q", s)
		}
	}
}

// TestDocumentedVariables keeps the configuration table of
// docs/configuration.md true: every variable read is documented, and
// nothing else is.
func TestDocumentedVariables(t *testing.T) {
	const doc = "docs/configuration.md"
	raw, err := os.ReadFile(filepath.Join("..", "..", doc))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "\n## Variables\n")
	if start < 0 {
		t.Fatalf("%s has no Variables section", doc)
	}
	section := text[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)`").FindAllStringSubmatch(section, -1) {
		documented[m[1]] = true
	}
	for _, m := range regexp.MustCompile("(?m)^\\| `[A-Z0-9_]+` / `([A-Z0-9_]+)`").FindAllStringSubmatch(section, -1) {
		documented[m[1]] = true
	}
	read := map[string]bool{}
	for _, v := range Vars() {
		read[v.Name] = true
		if !documented[v.Name] {
			t.Errorf("%s is read but not in the configuration table of %s", v.Name, doc)
		}
	}
	for name := range documented {
		if !read[name] {
			t.Errorf("%s is in the configuration table of %s but not read", name, doc)
		}
	}
}
