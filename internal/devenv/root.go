// Package devenv starts the external services Switchboard needs during
// development, benchmarks and integration tests: a Temporal dev server (built
// from the pinned CLI) and PostgreSQL (an existing server or a private
// cluster started from the installed binaries).
package devenv

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModulePath is the Go module whose go.mod marks the project root.
const ModulePath = "github.com/switchboard/switchboard"

// ProjectRoot returns the repository root: $SWITCHBOARD_ROOT when set,
// otherwise the nearest directory at or above the working directory whose
// go.mod declares ModulePath.
func ProjectRoot() (string, error) {
	if env := os.Getenv("SWITCHBOARD_ROOT"); env != "" {
		abs, err := filepath.Abs(env)
		if err != nil {
			return "", err
		}
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return "", fmt.Errorf("SWITCHBOARD_ROOT=%s is not a directory", env)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if modulePath(filepath.Join(dir, "go.mod")) == ModulePath {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return "", errors.New("project root not found: no go.mod for " + ModulePath +
		" above " + wd + " (set SWITCHBOARD_ROOT)")
}

// modulePath returns the module path declared in a go.mod file, or "".
func modulePath(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "module"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
