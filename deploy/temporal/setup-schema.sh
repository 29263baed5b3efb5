#!/bin/sh
# Creates Temporal's two PostgreSQL databases when missing and brings their
# schemas to the server's version; every step is idempotent, so it runs
# before every server start (docs/production.md). The same steps as
# devenv.SetupTemporalSchema (internal/devenv/temporalsql.go):
#
#   temporal-sql-tool --plugin postgres12 ... --db DB create-database
#   temporal-sql-tool ... --db DB setup-schema -v 0.0
#   temporal-sql-tool ... --db DB update-schema -d SCHEMA_DIR/{temporal,visibility}/versioned
#
# Environment (the names of deploy/temporal/config/switchboard.yaml):
#   POSTGRES_SEEDS, DB_PORT (5432), POSTGRES_USER, POSTGRES_PWD,
#   DBNAME (temporal), VISIBILITY_DBNAME (temporal_visibility);
#   SQL_TOOL (temporal-sql-tool), SCHEMA_DIR (/etc/temporal/schema/postgresql/v12,
#   where temporalio/admin-tools has it; `make temporal-server` passes the
#   go.temporal.io/server module's schema/postgresql/v12).
set -eu
: "${POSTGRES_SEEDS:?set POSTGRES_SEEDS to the PostgreSQL host}"
: "${POSTGRES_USER:?set POSTGRES_USER}"
SQL_TOOL=${SQL_TOOL:-temporal-sql-tool}
SCHEMA_DIR=${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
# The tool reads the password from the environment, not from argv.
export SQL_PASSWORD="${POSTGRES_PWD:-}"

sqltool() {
	"$SQL_TOOL" --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" "$@"
}

setup() { # database, schema subdirectory
	echo "temporal schema: $1 ($2)"
	sqltool --db "$1" create-database
	sqltool --db "$1" setup-schema -v 0.0
	sqltool --db "$1" update-schema -d "$SCHEMA_DIR/$2/versioned"
}

setup "${DBNAME:-temporal}" temporal
setup "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
