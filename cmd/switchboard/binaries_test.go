package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// devOnly are the packages of `dev` and the bench: none of them may be
// linked into the production server (docs/binaries.md).
var devOnly = []string{
	"github.com/switchboard/switchboard/internal/emulator",
	"github.com/switchboard/switchboard/internal/bench",
	"github.com/switchboard/switchboard/internal/devenv",
	"github.com/switchboard/switchboard/internal/bot/examplebot",
}

// The binary the image and `make build` produce links none of the
// emulator, the example bot, devenv or the bench, while the default build
// (`go run ./cmd/switchboard dev`, `make dev`) keeps dev.
func TestProductionBinaryLeavesDevOut(t *testing.T) {
	root := projectRoot(t)
	var tags []string
	for _, f := range []struct{ file, build string }{
		{"Dockerfile", "go build "},
		{"Makefile", "$(GO) build "},
	} {
		raw, err := os.ReadFile(filepath.Join(root, f.file))
		if err != nil {
			t.Fatal(err)
		}
		tag := buildTags(t, string(raw), f.build, f.file)
		if strings.HasPrefix(tag, "$(") { // the Makefile's variable
			m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(strings.Trim(tag, "$()")) + `\s*:?=\s*(\S+)`).FindStringSubmatch(string(raw))
			if m == nil {
				t.Fatalf("%s: %s is not set", f.file, tag)
			}
			tag = m[1]
		}
		tags = append(tags, tag)
	}
	if tags[0] != tags[1] {
		t.Fatalf("the Dockerfile builds with -tags %s, `make build` with -tags %s", tags[0], tags[1])
	}
	prod := deps(t, root, "-tags", tags[0])
	for _, p := range devOnly {
		if slices.Contains(prod, p) {
			t.Errorf("the production build (-tags %s) links %s", tags[0], p)
		}
	}
	if !slices.Contains(prod, "github.com/switchboard/switchboard/internal/app") {
		t.Fatalf("the production build does not link internal/app: is the package list right?")
	}
	dev := deps(t, root)
	for _, p := range []string{"github.com/switchboard/switchboard/internal/emulator", "github.com/switchboard/switchboard/internal/devenv"} {
		if !slices.Contains(dev, p) {
			t.Errorf("the default build lost %s: `go run ./cmd/switchboard dev` needs it", p)
		}
	}
	if slices.Contains(dev, "github.com/switchboard/switchboard/internal/bench") {
		t.Errorf("the bench is linked into cmd/switchboard: it is cmd/switchboard-bench's")
	}
}

// buildTags is the -tags value of the line of file (text) that builds
// ./cmd/switchboard with the command build.
func buildTags(t *testing.T, text, build, file string) string {
	t.Helper()
	for line := range strings.Lines(text) {
		if !strings.Contains(line, build) || !strings.HasSuffix(strings.TrimSpace(line), " ./cmd/switchboard") {
			continue
		}
		m := regexp.MustCompile(`-tags[= ](\S+)`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s builds ./cmd/switchboard without -tags: %s", file, strings.TrimSpace(line))
		}
		return m[1]
	}
	t.Fatalf("%s: no %q line for ./cmd/switchboard", file, build)
	return ""
}

// deps lists the packages ./cmd/switchboard links with the given flags.
func deps(t *testing.T, root string, flags ...string) []string {
	t.Helper()
	args := append([]string{"list", "-deps"}, flags...)
	cmd := exec.Command("go", append(args, "./cmd/switchboard")...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(cmd.Args[1:], " "), err)
	}
	return strings.Fields(string(out))
}

func projectRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("project root: %v", err)
	}
	return dir
}
