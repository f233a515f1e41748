#!/usr/bin/env bash
# Start a local PostgreSQL for the store tests and print `export TEST_POSTGRES_URL=...`.
# Prints nothing (and the PostgreSQL tests skip) when no server can be started.
set -uo pipefail
[ -n "${TEST_POSTGRES_URL:-}" ] && { echo "export TEST_POSTGRES_URL='$TEST_POSTGRES_URL'"; exit 0; }
command -v pg_lsclusters >/dev/null || exit 0
[ "$(id -u)" = "0" ] || exit 0
cluster=$(pg_lsclusters --no-header 2>/dev/null | head -n1)
if [ -z "$cluster" ]; then
  ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n1)
  [ -n "$ver" ] || exit 0
  pg_createcluster "$ver" main >/dev/null 2>&1 || exit 0
  cluster=$(pg_lsclusters --no-header | head -n1)
fi
ver=$(echo "$cluster" | awk '{print $1}'); name=$(echo "$cluster" | awk '{print $2}'); port=$(echo "$cluster" | awk '{print $3}')
pg_ctlcluster "$ver" "$name" start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  su postgres -c "psql -p $port -tAc 'select 1'" >/dev/null 2>&1 && break
  sleep 0.5
done
su postgres -c "psql -p $port -tAc \"select 1 from pg_roles where rolname='evaluator'\"" 2>/dev/null | grep -q 1 \
  || su postgres -c "psql -p $port -c \"create role evaluator login password 'evaluator' createdb\"" >/dev/null 2>&1
su postgres -c "psql -p $port -tAc \"select 1 from pg_database where datname='evaluator_test'\"" 2>/dev/null | grep -q 1 \
  || su postgres -c "createdb -p $port -O evaluator evaluator_test" >/dev/null 2>&1
echo "export TEST_POSTGRES_URL='postgresql+psycopg://evaluator:evaluator@127.0.0.1:$port/evaluator_test'"
