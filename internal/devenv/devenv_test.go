package devenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
