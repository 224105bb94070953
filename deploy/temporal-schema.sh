#!/bin/sh
# One-shot: Temporal's persistence and visibility schemas on PostgreSQL (idempotent: `create` fails
# harmlessly when the database exists, and update-schema applies only what is missing).
set -eu
sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -pw "$POSTGRES_PWD" -p "$DB_PORT" "$@"; }
for db in temporal temporal_visibility; do
  sql --db "$db" create || true
done
sql --db temporal setup-schema -v 0.0 || true
sql --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
sql --db temporal_visibility setup-schema -v 0.0 || true
sql --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
