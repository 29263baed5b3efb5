package devenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pgCluster is a private PostgreSQL cluster managed with initdb/pg_ctl.
type pgCluster struct {
	Dir     string // data directory
	SockDir string // unix_socket_directories
	BinDir  string
	Port    int
	cred    *syscall.Credential // run binaries as this user (nil = as ourselves)
	out     io.Writer
}

// DSN connects as superuser "postgres" over TCP (trust auth).
func (c *pgCluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.Port)
}

// findPGBin returns a directory holding initdb, pg_ctl and postgres: the
// highest /usr/lib/postgresql/<v>/bin, else the one pg_ctl on PATH lives in.
func findPGBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	ver := func(d string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
		return v
	}
	sort.Slice(dirs, func(i, j int) bool { return ver(dirs[i]) > ver(dirs[j]) })
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		ok := true
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if st, err := os.Stat(filepath.Join(d, b)); err != nil || st.Mode()&0o111 == 0 {
				ok = false
			}
		}
		if ok {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found")
}

// startCluster initialises dataDir if needed and starts (or reuses) a server
// on 127.0.0.1. When running as root the cluster belongs to the postgres user.
func startCluster(ctx context.Context, binDir, dataDir string, out io.Writer) (*pgCluster, error) {
	dataDir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	c := &pgCluster{Dir: dataDir, SockDir: filepath.Join(filepath.Dir(dataDir), "pgsocket"), BinDir: binDir, out: out}
	if c.cred, err = clusterCredential(); err != nil {
		return nil, err
	}
	if err := c.prepareDirs(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err != nil {
		start := time.Now()
		fmt.Fprintf(out, "initialising PostgreSQL cluster in %s...\n", dataDir)
		if _, err := c.run(ctx, "initdb", "-D", dataDir, "-U", "postgres", "--auth=trust",
			"-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "initialised PostgreSQL cluster in %s\n", time.Since(start).Round(time.Millisecond))
	}
	if port := c.runningPort(); port != 0 {
		c.Port = port
		if pingDSN(ctx, c.DSN(), 3*time.Second) == nil {
			fmt.Fprintf(out, "reusing running PostgreSQL cluster on 127.0.0.1:%d\n", port)
			return c, nil
		}
	}
	start := time.Now()
	// The preferred port can be taken between the check and the bind by
	// another cluster starting in parallel, so retry once on a random port.
	for attempt := 0; ; attempt++ {
		if attempt == 0 {
			c.Port, err = pickPort(54329)
		} else {
			c.Port, err = FreePort()
		}
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "starting PostgreSQL cluster on 127.0.0.1:%d...\n", c.Port)
		opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s", c.Port, shellQuote(c.SockDir))
		_, err = c.run(ctx, "pg_ctl", "-D", dataDir, "-l", c.logFile(), "-w", "-t", "60", "-o", opts, "start")
		if err == nil {
			break
		}
		if attempt == 1 || ctx.Err() != nil {
			return nil, errors.New(withOutput(err.Error(), tailFile(c.logFile(), 30)))
		}
	}
	for {
		err := pingDSN(ctx, c.DSN(), 3*time.Second)
		if err == nil {
			break
		}
		if time.Since(start) > 30*time.Second || ctx.Err() != nil {
			c.Stop()
			return nil, errors.New(withOutput(fmt.Sprintf("PostgreSQL cluster on port %d does not answer: %v", c.Port, err), tailFile(c.logFile(), 30)))
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Fprintf(out, "PostgreSQL ready in %s\n", time.Since(start).Round(time.Millisecond))
	return c, nil
}

// Stop shuts the cluster down (fast mode); a stopped cluster is not an error.
func (c *pgCluster) Stop() error {
	if _, err := os.Stat(filepath.Join(c.Dir, "postmaster.pid")); err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 70*time.Second)
	defer cancel()
	_, err := c.run(ctx, "pg_ctl", "-D", c.Dir, "-m", "fast", "-w", "-t", "60", "stop")
	return err
}

func (c *pgCluster) logFile() string { return filepath.Join(c.Dir, "server.log") }

// runningPort returns the port of a live postmaster for this data dir, or 0.
func (c *pgCluster) runningPort() int {
	b, err := os.ReadFile(filepath.Join(c.Dir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, _ := strconv.Atoi(strings.TrimSpace(lines[3]))
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return 0
	}
	return port
}

// run executes a PostgreSQL binary (as the cluster user when root).
func (c *pgCluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, name), args...)
	cmd.Dir = filepath.Dir(c.Dir)
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return buf.String(), errors.New(withOutput(fmt.Sprintf("%s %s: %v", name, strings.Join(args, " "), err), strings.TrimSpace(buf.String())))
	}
	return buf.String(), nil
}

// clusterCredential returns the postgres user's credential when running as
// root (initdb and postgres refuse to run as root), else nil.
func clusterCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and no 'postgres' OS user to own the PostgreSQL cluster: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("postgres user has non-numeric uid/gid %s/%s", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// prepareDirs creates the data and socket directories. As root it hands them
// to the postgres user and makes every ancestor traversable (o+x) for it.
func (c *pgCluster) prepareDirs() error {
	base := filepath.Dir(c.Dir)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return err
	}
	for _, d := range []string{c.Dir, c.SockDir} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if c.cred != nil {
			if err := os.Chown(d, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				return err
			}
		}
	}
	if c.cred == nil {
		return nil
	}
	for d := base; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o001 == 0 {
			fmt.Fprintf(c.out, "making %s traversable (o+x) for the postgres user\n", d)
			if err := os.Chmod(d, st.Mode().Perm()|0o001); err != nil {
				return err
			}
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// pickPort returns preferred if it is free on 127.0.0.1, else a free port.
func pickPort(preferred int) (int, error) {
	if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", preferred)); err == nil {
		l.Close()
		return preferred, nil
	}
	return FreePort()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// tailFile returns the last n lines of a file ("" if unreadable).
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
