package devenv

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The pinned Temporal CLI (server 1.29 with UI). It has to be built from
// source with `go install`; release binaries cannot be downloaded here.
const (
	TemporalCLIModule  = "github.com/temporalio/cli/cmd/temporal"
	TemporalCLIVersion = "v1.5.1"
)

// EnsureTemporalCLI returns the path of a Temporal CLI binary: $TEMPORAL_CLI
// when set, else <root>/bin/temporal, building it with `go install` when it is
// missing or not the pinned version. Concurrent callers (parallel test
// packages) serialise on <root>/bin/.temporal.lock so only one builds.
func EnsureTemporalCLI(ctx context.Context, root string, out io.Writer) (string, error) {
	if out == nil {
		out = io.Discard
	}
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("TEMPORAL_CLI=%s: %w", p, err)
		}
		if !cliVersionOK(ctx, p) {
			fmt.Fprintf(out, "warning: TEMPORAL_CLI=%s is not Temporal CLI %s; using it anyway\n", p, TemporalCLIVersion)
		}
		return p, nil
	}
	binDir := filepath.Join(root, "bin")
	bin := filepath.Join(binDir, "temporal")
	if cliVersionOK(ctx, bin) {
		return bin, nil
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(ctx, filepath.Join(binDir, ".temporal.lock"), out, "another Temporal CLI build")
	if err != nil {
		return "", err
	}
	defer unlock()
	if cliVersionOK(ctx, bin) { // built by whoever held the lock
		return bin, nil
	}
	if err := buildCLI(ctx, binDir, out); err != nil {
		return "", err
	}
	if !cliVersionOK(ctx, bin) {
		return "", fmt.Errorf("built %s but it does not report Temporal CLI %s", bin, TemporalCLIVersion)
	}
	return bin, nil
}

// cliVersionOK reports whether bin is the pinned CLI. `go install` builds
// report "0.0.0-DEV" from --version (the release version is set by ldflags),
// so the module version recorded in the binary is checked first.
func cliVersionOK(ctx context.Context, bin string) bool {
	if st, err := os.Stat(bin); err != nil || st.IsDir() {
		return false
	}
	if info, err := buildinfo.ReadFile(bin); err == nil &&
		info.Main.Path == "github.com/temporalio/cli" && info.Main.Version == TemporalCLIVersion {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	b, err := exec.CommandContext(ctx, bin, "--version").Output()
	want := strings.TrimPrefix(TemporalCLIVersion, "v")
	return err == nil && strings.Contains(" "+string(b)+" ", " "+want+" ")
}

// buildCLI runs `go install` into a scratch GOBIN inside binDir, then renames
// the result into place so a half-written binary is never visible.
func buildCLI(ctx context.Context, binDir string, out io.Writer) error {
	return goInstall(ctx, binDir, out, "Temporal CLI "+TemporalCLIVersion, "about 6 minutes on 2 cores",
		[]goInstallTarget{{TemporalCLIModule + "@" + TemporalCLIVersion, "temporal", "temporal"}})
}

// goInstallTarget is one package for goInstall: pkg@version, the name `go
// install` gives the binary, and the name it gets in binDir.
type goInstallTarget struct{ pkg, built, name string }

// goInstall runs one `go install` of targets into a scratch GOBIN inside
// binDir, printing what it builds and how long it usually takes (expect)
// and a line every 30 s, then renames each binary into place so a
// half-written binary is never visible.
func goInstall(ctx context.Context, binDir string, out io.Writer, what, expect string, targets []goInstallTarget) error {
	// A fresh checkout has no bin/ yet.
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	gobin, err := os.MkdirTemp(binDir, ".go-install-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(gobin)
	fmt.Fprintf(out, "building %s into bin/ (first time only, %s)...\n", what, expect)
	start := time.Now()
	var stderr bytes.Buffer
	args := []string{"install"}
	for _, t := range targets {
		args = append(args, t.pkg)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = binDir
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for running := true; running; {
		select {
		case <-tick.C:
			fmt.Fprintf(out, "  still building %s (%s elapsed)\n", what, time.Since(start).Round(time.Second))
		case err = <-done:
			running = false
		}
	}
	if err != nil {
		out.Write(stderr.Bytes())
		return fmt.Errorf("go %s failed: %w", strings.Join(args, " "), err)
	}
	for _, t := range targets {
		if err := os.Rename(filepath.Join(gobin, t.built), filepath.Join(binDir, t.name)); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "built %s in %s\n", what, time.Since(start).Round(time.Second))
	return nil
}
