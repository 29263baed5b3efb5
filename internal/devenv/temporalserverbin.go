package devenv

import (
	"context"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// The Temporal server the pinned CLI embeds (CLI v1.5.1 is server v1.29.1),
// built as a standalone server and its SQL schema tool. The module has no
// replace directives, so plain `go install pkg@version` builds it.
const (
	TemporalServerModule  = "go.temporal.io/server"
	TemporalServerVersion = "v1.29.1"
	temporalServerPkg     = TemporalServerModule + "/cmd/server"
	temporalSQLToolPkg    = TemporalServerModule + "/cmd/tools/sql"
)

// TemporalServerBinaries are the paths of the standalone Temporal server and
// its SQL schema tool.
type TemporalServerBinaries struct {
	Server  string // bin/temporal-server
	SQLTool string // bin/temporal-sql-tool
}

// EnsureTemporalServerBinaries returns bin/temporal-server and
// bin/temporal-sql-tool under root, building both with one `go install` of
// go.temporal.io/server@v1.29.1 when either is missing or another version
// ($TEMPORAL_SERVER_BIN and $TEMPORAL_SQL_TOOL, when both are set, are used
// as they are). Concurrent callers serialise on bin/.temporal-server.lock.
func EnsureTemporalServerBinaries(ctx context.Context, root string, out io.Writer) (TemporalServerBinaries, error) {
	if out == nil {
		out = io.Discard
	}
	if s, t := os.Getenv("TEMPORAL_SERVER_BIN"), os.Getenv("TEMPORAL_SQL_TOOL"); s != "" && t != "" {
		for _, p := range []string{s, t} {
			if _, err := exec.LookPath(p); err != nil {
				return TemporalServerBinaries{}, fmt.Errorf("TEMPORAL_SERVER_BIN/TEMPORAL_SQL_TOOL: %w", err)
			}
		}
		return TemporalServerBinaries{Server: s, SQLTool: t}, nil
	}
	binDir := filepath.Join(root, "bin")
	bins := TemporalServerBinaries{
		Server:  filepath.Join(binDir, "temporal-server"),
		SQLTool: filepath.Join(binDir, "temporal-sql-tool"),
	}
	ok := func() bool {
		return serverBinOK(bins.Server, temporalServerPkg) && serverBinOK(bins.SQLTool, temporalSQLToolPkg)
	}
	if ok() {
		return bins, nil
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return bins, err
	}
	unlock, err := lockFile(ctx, filepath.Join(binDir, ".temporal-server.lock"), out, "another Temporal server build")
	if err != nil {
		return bins, err
	}
	defer unlock()
	if ok() { // built by whoever held the lock
		return bins, nil
	}
	v := "@" + TemporalServerVersion
	if err := goInstall(ctx, binDir, out, "Temporal server "+TemporalServerVersion+" and temporal-sql-tool",
		"about 6 minutes on 2 cores, 20 s to a minute with a warm Go build cache",
		[]goInstallTarget{
			{temporalServerPkg + v, "server", "temporal-server"},
			{temporalSQLToolPkg + v, "sql", "temporal-sql-tool"},
		}); err != nil {
		return bins, err
	}
	if !ok() {
		return bins, fmt.Errorf("built %s and %s but they are not %s %s", bins.Server, bins.SQLTool, TemporalServerModule, TemporalServerVersion)
	}
	return bins, nil
}

// serverBinOK reports whether bin is pkg built from the pinned server module.
func serverBinOK(bin, pkg string) bool {
	info, err := buildinfo.ReadFile(bin)
	return err == nil && info.Path == pkg &&
		info.Main.Path == TemporalServerModule && info.Main.Version == TemporalServerVersion
}

// TemporalSchemaDir returns the PostgreSQL schema directory of the pinned
// server (schema/postgresql/v12, holding temporal/versioned and
// visibility/versioned): $TEMPORAL_SCHEMA_DIR when set, else the module's
// directory in the Go module cache, downloaded by `go mod download` when it
// is not there yet (the same module the binaries are built from).
func TemporalSchemaDir(ctx context.Context) (string, error) {
	if d := os.Getenv("TEMPORAL_SCHEMA_DIR"); d != "" {
		return checkSchemaDir(d)
	}
	// Outside any module, so that our go.mod and go.sum are never touched.
	tmp, err := os.MkdirTemp("", "sb-temporal-schema-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", TemporalServerModule+"@"+TemporalServerVersion)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	b, err := cmd.Output()
	var mod struct{ Dir, Error string }
	if jerr := json.Unmarshal(b, &mod); jerr == nil && mod.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", TemporalServerModule, TemporalServerVersion, mod.Error)
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return "", fmt.Errorf("go mod download %s@%s: %w: %s", TemporalServerModule, TemporalServerVersion, err, ee.Stderr)
		}
		return "", fmt.Errorf("go mod download %s@%s: %w", TemporalServerModule, TemporalServerVersion, err)
	}
	if mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: no Dir in %q", TemporalServerModule, TemporalServerVersion, b)
	}
	return checkSchemaDir(filepath.Join(mod.Dir, "schema", "postgresql", "v12"))
}

func checkSchemaDir(d string) (string, error) {
	for _, sub := range []string{"temporal/versioned", "visibility/versioned"} {
		if st, err := os.Stat(filepath.Join(d, sub)); err != nil || !st.IsDir() {
			return "", fmt.Errorf("%s is not Temporal's PostgreSQL schema directory (no %s)", d, sub)
		}
	}
	return d, nil
}
