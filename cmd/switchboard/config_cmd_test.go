package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestConfigCommandRedactsAndListsProblems(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://sb:pg-password-42@db:5432/switchboard")
	t.Setenv("SWITCHBOARD_ADMIN_KEY", "ops:an-admin-key-0123456789-abcdefghijklmnop")
	t.Setenv("SWITCHBOARD_PAYLOAD_KEY", "cGF5bG9hZC1rZXktMzItYnl0ZXMtbG9uZy4uLi4uLi4=")
	t.Setenv("SWITCHBOARD_SECRET_KEY", "dG9vIHNob3J0") // "too short"
	t.Setenv("TEMPORAL_API_KEY", "temporal-cloud-key")
	t.Setenv("SWITCHBOARD_PUBLIC_BASE_URL", "not a url")
	cmd := configCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err == nil {
		t.Fatal("an invalid configuration exited 0")
	}
	all := out.String() + errOut.String()
	for _, secret := range []string{"pg-password-42", "an-admin-key-0123456789", "dG9vIHNob3J0", "temporal-cloud-key", "cGF5bG9hZC1rZXkt"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q printed:\n%s", secret, all)
		}
	}
	for _, want := range []string{"DATABASE_URL=postgres://sb:redacted@db:5432/switchboard", "SWITCHBOARD_ADMIN_KEY=ops:[redacted]",
		"TEMPORAL_API_KEY=[redacted]", "SWITCHBOARD_WORKER_HTTP_ADDR=:8090", "SWITCHBOARD_LOG_FORMAT=json",
		"SWITCHBOARD_PAYLOAD_KEY=[redacted]", "SWITCHBOARD_OPS_ADDR=127.0.0.1:9090"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q:\n%s", want, out.String())
		}
	}
	for _, want := range []string{"2 problem(s)", "SWITCHBOARD_PUBLIC_BASE_URL", "SWITCHBOARD_SECRET_KEY decodes to 9 bytes"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("missing %q:\n%s", want, errOut.String())
		}
	}
}
