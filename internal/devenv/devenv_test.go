package devenv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// logWriter sends progress output to the test log.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestProjectRoot(t *testing.T) {
	t.Setenv("SWITCHBOARD_ROOT", "")
	root, err := ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	if modulePath(filepath.Join(root, "go.mod")) != ModulePath {
		t.Fatalf("root %s has no go.mod for %s", root, ModulePath)
	}
	dir := t.TempDir()
	t.Setenv("SWITCHBOARD_ROOT", dir)
	if got, err := ProjectRoot(); err != nil || got != dir {
		t.Fatalf("with SWITCHBOARD_ROOT: got %q, %v; want %q", got, err, dir)
	}
	t.Setenv("SWITCHBOARD_ROOT", filepath.Join(dir, "missing"))
	if _, err := ProjectRoot(); err == nil {
		t.Fatal("missing SWITCHBOARD_ROOT accepted")
	}
}

func TestModulePath(t *testing.T) {
	f := filepath.Join(t.TempDir(), "go.mod")
	for _, content := range []string{
		"module example.com/x\n",
		"// c\nmodule   \"example.com/x\" // note\n\ngo 1.26\n",
		"modulex other\nmodule\texample.com/x\n",
	} {
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := modulePath(f); got != "example.com/x" {
			t.Errorf("modulePath(%q) = %q", content, got)
		}
	}
}

func TestStartTemporalReportsExit(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "temporal")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'boom: cannot start' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := StartTemporal(context.Background(), TemporalOptions{CLIPath: fake})
	if err == nil || !strings.Contains(err.Error(), "exited during startup") || !strings.Contains(err.Error(), "boom: cannot start") {
		t.Fatalf("want exit error with output, got %v", err)
	}
	slow := filepath.Join(t.TempDir(), "temporal")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\necho 'never ready'\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	begin := time.Now()
	_, err = StartTemporal(ctx, TemporalOptions{CLIPath: slow})
	if err == nil || !strings.Contains(err.Error(), "not ready") || !strings.Contains(err.Error(), "never ready") {
		t.Fatalf("want timeout error with output, got %v", err)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Fatalf("timeout took %s", d)
	}
}
