package config

// DefaultDBMaxConns is each process's PostgreSQL pool. PostgreSQL's own
// max_connections (100 by default) must hold every process's pool plus
// Temporal's when it shares the cluster (docs/production.md): a run of
// 100,000 conversations against Temporal on the same PostgreSQL exhausted
// it ("sorry, too many clients already") and every path stalled.
const DefaultDBMaxConns = 32

// dbPoolFromEnv reads SWITCHBOARD_DB_MAX_CONNS.
func (c *Config) dbPoolFromEnv() {
	c.intFromEnv("SWITCHBOARD_DB_MAX_CONNS", &c.DBMaxConns, 4, "a conversation's save, the relay and the health check run at once")
}
