package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// DefaultDBMaxConns is each process's PostgreSQL pool. PostgreSQL's own
// max_connections (100 by default) must hold every process's pool plus
// Temporal's when it shares the cluster (docs/production.md): a run of
// 100,000 conversations against Temporal on the same PostgreSQL exhausted
// it ("sorry, too many clients already") and every path stalled.
const DefaultDBMaxConns = 32

// dbPoolFromEnv reads SWITCHBOARD_DB_MAX_CONNS.
func (c *Config) dbPoolFromEnv() {
	v := strings.TrimSpace(os.Getenv("SWITCHBOARD_DB_MAX_CONNS"))
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 4 {
		c.envProblems = append(c.envProblems, fmt.Errorf("SWITCHBOARD_DB_MAX_CONNS=%q must be a whole number, at least 4 (a conversation's save, the relay and the health check run at once)", v))
		return
	}
	c.DBMaxConns = n
}
