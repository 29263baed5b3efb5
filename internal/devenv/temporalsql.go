package devenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/durationpb"
)

// TemporalServerOptions configures a standalone Temporal server (all four
// services in one process) on PostgreSQL, run from
// deploy/temporal/config/switchboard.yaml.
type TemporalServerOptions struct {
	Binaries TemporalServerBinaries // see EnsureTemporalServerBinaries; required
	// DSN reaches the PostgreSQL server (EnsurePostgres); required. Its
	// host, port, user and password are used, not its database.
	DSN string
	// Database and VisibilityDatabase are created (with their schema) when
	// missing: "" = "temporal" and Database+"_visibility". Tests use a
	// pair of their own and drop it (DropDatabases).
	Database, VisibilityDatabase string
	// SchemaDir is Temporal's schema/postgresql/v12; "" = TemporalSchemaDir.
	SchemaDir string
	// Root is the project root, for the config and dynamic config in
	// deploy/temporal; "" = ProjectRoot().
	Root string
	// ConfigDir holds switchboard.yaml; "" = <Root>/deploy/temporal/config.
	ConfigDir string
	// DynamicConfigFile; "" = <Root>/deploy/temporal/dynamicconfig/development.yaml.
	DynamicConfigFile string
	Port              int    // frontend gRPC port; 0 = pick a free port
	Namespace         string // created when missing; "" = "default"
	// Retention of closed workflows in Namespace when it is created; 0 = 7 days.
	Retention time.Duration
	// NumHistoryShards is fixed when the databases are created; 0 = 4.
	NumHistoryShards int
	LogLevel         string    // "" = "warn"
	LogWriter        io.Writer // server and schema tool output; nil = discard (the tail is kept for errors)
}

// The config file (deploy/temporal/config/<env>.yaml) is chosen by --env.
const temporalConfigEnv = "switchboard"

// StartTemporalServer creates the databases and schema when missing (the
// schema tool's create-database, setup-schema -v 0.0 and update-schema, all
// idempotent), starts bin/temporal-server on free ports of 127.0.0.1, and
// waits until the namespace exists (it creates it: a real server has none),
// the Sb* search attributes are registered and a visibility query on one
// answers. ctx bounds the startup only (90s when it has no deadline); the
// server runs until Stop or Kill, and keeps its state in PostgreSQL
// across Restart.
func StartTemporalServer(ctx context.Context, opts TemporalServerOptions) (*TemporalServer, error) {
	if opts.Binaries.Server == "" || opts.Binaries.SQLTool == "" {
		return nil, errors.New("TemporalServerOptions.Binaries is required (use EnsureTemporalServerBinaries)")
	}
	if opts.DSN == "" {
		return nil, errors.New("TemporalServerOptions.DSN is required (use EnsurePostgres)")
	}
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	var err error
	if opts.Port == 0 {
		if opts.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if opts.SchemaDir == "" {
		if opts.SchemaDir, err = TemporalSchemaDir(ctx); err != nil {
			return nil, err
		}
	}
	pg, err := ParsePGConn(opts.DSN)
	if err != nil {
		return nil, err
	}
	tail := newTailWriter(opts.LogWriter, 50)
	if err := SetupTemporalSchema(ctx, opts.Binaries.SQLTool, pg, opts.SchemaDir, tail, opts.Database, opts.VisibilityDatabase); err != nil {
		return nil, err
	}
	// Every service listens on a port of its own (gRPC and membership):
	// eight free ports besides the frontend's. Below 32768: the
	// PostgreSQL schema stores a membership port as a smallint (and the
	// kernel's ephemeral ports, FreePort's, start at 32768).
	ports := []int{opts.Port}
	for len(ports) < 9 {
		p, err := freePortBelow(32768, ports)
		if err != nil {
			return nil, err
		}
		ports = append(ports, p)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"POSTGRES_SEEDS=" + pg.Host, "DB_PORT=" + strconv.Itoa(pg.Port),
		"POSTGRES_USER=" + pg.User, "POSTGRES_PWD=" + pg.Password,
		"DBNAME=" + opts.Database, "VISIBILITY_DBNAME=" + opts.VisibilityDatabase,
		"NUM_HISTORY_SHARDS=" + strconv.Itoa(opts.NumHistoryShards),
		"BIND_ON_IP=127.0.0.1", "LOG_LEVEL=" + opts.LogLevel,
		"DYNAMIC_CONFIG_FILE_PATH=" + opts.DynamicConfigFile,
		"FRONTEND_GRPC_PORT=" + strconv.Itoa(ports[0]), "FRONTEND_HTTP_PORT=0",
	}
	for i, svc := range []string{"HISTORY_GRPC", "MATCHING_GRPC", "WORKER_GRPC",
		"FRONTEND_MEMBERSHIP", "HISTORY_MEMBERSHIP", "MATCHING_MEMBERSHIP", "WORKER_MEMBERSHIP"} {
		env = append(env, fmt.Sprintf("%s_PORT=%d", svc, ports[i+1]))
	}
	s := &TemporalServer{
		Address:            net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Port)),
		Namespace:          opts.Namespace,
		Database:           opts.Database,
		VisibilityDatabase: opts.VisibilityDatabase,
		tail:               tail,
		ports:              ports,
		sql:                &opts,
	}
	s.command = func() *exec.Cmd {
		cmd := exec.Command(opts.Binaries.Server, s.ServerArgs()...)
		cmd.Env, cmd.Dir = env, opts.Root
		return cmd
	}
	s.probe = func(ctx context.Context) error {
		return probeSQLTemporal(ctx, s.Address, opts.Namespace, opts.Retention)
	}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (o *TemporalServerOptions) defaults() error {
	var err error
	if o.Root == "" {
		if o.Root, err = ProjectRoot(); err != nil {
			return err
		}
	}
	if o.Root, err = filepath.Abs(o.Root); err != nil {
		return err
	}
	if o.ConfigDir == "" {
		o.ConfigDir = filepath.Join(o.Root, "deploy", "temporal", "config")
	}
	if o.DynamicConfigFile == "" {
		o.DynamicConfigFile = filepath.Join(o.Root, "deploy", "temporal", "dynamicconfig", "development.yaml")
	}
	for _, p := range []*string{&o.ConfigDir, &o.DynamicConfigFile} {
		if *p, err = filepath.Abs(*p); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(o.ConfigDir, temporalConfigEnv+".yaml")); err != nil {
		return fmt.Errorf("temporal server config: %w", err)
	}
	if o.Database == "" {
		o.Database = "temporal"
	}
	if o.VisibilityDatabase == "" {
		o.VisibilityDatabase = o.Database + "_visibility"
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.Retention == 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.NumHistoryShards == 0 {
		o.NumHistoryShards = 4
	}
	if o.LogLevel == "" {
		o.LogLevel = "warn"
	}
	return nil
}

// ServerArgs returns the temporal-server arguments of a server from
// StartTemporalServer (nil for the dev server).
func (s *TemporalServer) ServerArgs() []string {
	if s.sql == nil {
		return nil
	}
	// The server reads <root>/<config>/<env>.yaml.
	return []string{"--root", filepath.Dir(s.sql.ConfigDir), "--config", filepath.Base(s.sql.ConfigDir),
		"--env", temporalConfigEnv, "--allow-no-auth", "start"}
}

// DropDatabases drops the server's two databases (after Stop); a no-op for
// the dev server.
func (s *TemporalServer) DropDatabases(ctx context.Context) error {
	if s.sql == nil {
		return nil
	}
	return errors.Join(DropDatabase(ctx, s.sql.DSN, s.Database), DropDatabase(ctx, s.sql.DSN, s.VisibilityDatabase))
}

// SetupTemporalSchema creates database (Temporal's persistence) and
// visibilityDatabase when missing and brings their schemas to the latest
// version in schemaDir (TemporalSchemaDir), as an operator would:
//
//	temporal-sql-tool --plugin postgres12 --ep HOST -p PORT -u USER --db DB create-database
//	temporal-sql-tool ... --db DB setup-schema -v 0.0
//	temporal-sql-tool ... --db DB update-schema -d SCHEMA/temporal/versioned   (visibility/versioned)
//
// Every step is idempotent: on current databases it changes nothing.
func SetupTemporalSchema(ctx context.Context, sqlTool string, pg PGConn, schemaDir string, out io.Writer, database, visibilityDatabase string) error {
	if out == nil {
		out = io.Discard
	}
	for _, db := range []struct{ name, dir string }{
		{database, filepath.Join(schemaDir, "temporal", "versioned")},
		{visibilityDatabase, filepath.Join(schemaDir, "visibility", "versioned")},
	} {
		for _, step := range [][]string{
			{"create-database"},
			{"setup-schema", "-v", "0.0"},
			{"update-schema", "-d", db.dir},
		} {
			args := append([]string{"--plugin", "postgres12", "--ep", pg.Host, "-p", strconv.Itoa(pg.Port),
				"-u", pg.User, "--db", db.name}, step...)
			cmd := exec.CommandContext(ctx, sqlTool, args...)
			// The password goes through the environment, not argv.
			cmd.Env = append(os.Environ(), "SQL_PASSWORD="+pg.Password)
			var buf bytes.Buffer
			cmd.Stdout, cmd.Stderr = io.MultiWriter(&buf, out), io.MultiWriter(&buf, out)
			cmd.WaitDelay = 5 * time.Second
			if err := cmd.Run(); err != nil {
				return errors.New(withOutput(fmt.Sprintf("temporal-sql-tool %s: %v", strings.Join(args, " "), err),
					lastLines(buf.String(), 20)))
			}
		}
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// PGConn is where a PostgreSQL server is and who to connect as.
type PGConn struct {
	Host     string
	Port     int
	User     string
	Password string
}

// ParsePGConn reads host, port, user and password from a URL or key=value
// DSN (defaults: 127.0.0.1, 5432, $PGUSER or postgres, $PGPASSWORD).
func ParsePGConn(dsn string) (PGConn, error) {
	c := PGConn{Host: "127.0.0.1", Port: 5432, User: os.Getenv("PGUSER"), Password: os.Getenv("PGPASSWORD")}
	port := ""
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return c, fmt.Errorf("parse DSN: %w", err)
		}
		if h := u.Hostname(); h != "" {
			c.Host = h
		}
		port = u.Port()
		if u.User != nil {
			c.User = u.User.Username()
			if p, ok := u.User.Password(); ok {
				c.Password = p
			}
		}
		q := u.Query()
		for k, dst := range map[string]*string{"host": &c.Host, "port": &port, "user": &c.User, "password": &c.Password} {
			if v := q.Get(k); v != "" {
				*dst = v
			}
		}
	} else {
		pairs, err := parseKV(dsn)
		if err != nil {
			return c, err
		}
		for _, p := range pairs {
			switch p.key {
			case "host":
				c.Host = p.val
			case "port":
				port = p.val
			case "user":
				c.User = p.val
			case "password":
				c.Password = p.val
			}
		}
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil {
			return c, fmt.Errorf("DSN port %q: %w", port, err)
		}
		c.Port = n
	}
	if strings.HasPrefix(c.Host, "/") {
		return c, fmt.Errorf("DSN host %s is a Unix socket: Temporal's SQL plugin needs TCP", c.Host)
	}
	if c.User == "" {
		c.User = "postgres"
	}
	return c, nil
}

// probeSQLTemporal succeeds once the frontend answers, namespace exists
// (registering it when missing), the Sb* search attributes are registered
// and visibility answers a query on one of them.
func probeSQLTemporal(ctx context.Context, addr, namespace string, retention time.Duration) error {
	c, err := dialTemporal(ctx, addr, namespace)
	if err != nil {
		return err
	}
	defer c.Close()
	ws := c.WorkflowService()
	if _, err := ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace}); err != nil {
		var nf *serviceerror.NamespaceNotFound
		if !errors.As(err, &nf) {
			return fmt.Errorf("describe namespace %q: %w", namespace, err)
		}
		_, err := ws.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace:                        namespace,
			Description:                      "Switchboard",
			WorkflowExecutionRetentionPeriod: durationpb.New(retention),
		})
		var exists *serviceerror.NamespaceAlreadyExists
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("register namespace %q: %w", namespace, err)
		}
		return fmt.Errorf("namespace %q registered, not described yet", namespace)
	}
	if err := EnsureSearchAttributes(ctx, c, namespace); err != nil {
		return err
	}
	// Goes through the frontend's namespace cache and the SQL visibility
	// store: a workflow started now is found by its Sb* attributes.
	if _, err := ws.CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Namespace: namespace, Query: "SbAccount = 'devenv-probe'"}); err != nil {
		return fmt.Errorf("visibility query: %w", err)
	}
	return nil
}

// freePortBelow returns a port in [20000, max) free on 127.0.0.1 a moment
// ago and not in taken.
func freePortBelow(max int, taken []int) (int, error) {
	for range 200 {
		p := 20000 + mrand.IntN(max-20000)
		if containsInt(taken, p) {
			continue
		}
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p))); err == nil {
			l.Close()
			return p, nil
		}
	}
	return 0, fmt.Errorf("no free port in [20000, %d) on 127.0.0.1", max)
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
