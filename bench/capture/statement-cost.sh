#!/usr/bin/env bash
# CPU that capture adds to one single-row UPDATE statement (the seed workload's captured statement), measured in one
# backend: N updates of user_session rows in a DO loop, the backend's own CPU time (utime + stime from /proc) divided
# by N. Modes interleaved per round: no capture, queue schema v4's statement capture (v4-capture.sql), Ferry's capture.
# Steadier than run.sh on a shared machine: one process, no client, no other backend in the figure.
# Usage: bench/capture/statement-cost.sh [updates per round] [rounds]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
n=${1:-40000}
rounds=${2:-5}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
port=${PORT:-5480}
data=$(mktemp -d /tmp/ferry-bench-statement.XXXXXX)
chown postgres:postgres "$data"
trap 'runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1; rm -rf "$data"' EXIT
runuser -u postgres -- "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -o \
  "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c autovacuum=off" start >/dev/null
conn="host=127.0.0.1 port=$port user=postgres dbname=postgres"
q() { psql "$conn" -v ON_ERROR_STOP=1 -qAt "$@"; }
for v in $(ls -d "$root"/Engine/Sql/Queue/v* | sort -V); do cat "$v"/*.sql; done | q >/dev/null
q -f "$here/v4-capture.sql" >/dev/null
q -c "SELECT ferry.create_queue('bench')" >/dev/null
q -c "CREATE TABLE user_session (userid int PRIMARY KEY, logintime timestamptz, login_count bigint NOT NULL DEFAULT 0,
        logouttime timestamptz, online_interval interval NOT NULL DEFAULT '0')" >/dev/null
q -c "INSERT INTO user_session (userid) SELECT generate_series(1, 10000)" -c "VACUUM ANALYZE user_session" >/dev/null
echo "PostgreSQL $(q -c 'SHOW server_version'); $n single-row UPDATEs per round, $rounds rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A all
for round in $(seq 1 "$rounds"); do
  for mode in none v4 current; do
    q -c "SELECT ferry.disable_capture('bench', 'user_session'); SELECT ferry.bench_detach_v4_capture('user_session')" >/dev/null 2>&1
    case $mode in
      v4) q -c "SELECT ferry.bench_attach_v4_capture('user_session')" >/dev/null ;;
      current) q -c "SELECT ferry.enable_capture('bench', 'user_session')" >/dev/null ;;
    esac
    q -c "TRUNCATE ferry.event_1; CHECKPOINT" >/dev/null
    ticks=$(q <<SQL
SELECT pg_backend_pid() AS pid \gset
\setenv PID :pid
\! awk '{print \$14 + \$15}' /proc/\$PID/stat > $data/cpu0
DO \$\$ BEGIN FOR i IN 1..$n LOOP
  UPDATE user_session SET logintime = now(), login_count = login_count + 1 WHERE userid = 1 + (i % 10000);
END LOOP; END \$\$;
\! awk '{print \$14 + \$15}' /proc/\$PID/stat > $data/cpu1
SQL
)
    us=$(awk -v a="$(cat "$data/cpu0")" -v b="$(cat "$data/cpu1")" -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN {printf "%.1f", (b - a) / hz * 1e6 / n}')
    echo "round $round $mode: $us us CPU per statement"
    all[$mode]="${all[$mode]:-} $us"
  done
done
for mode in none v4 current; do
  echo "$mode: $(echo ${all[$mode]} | tr ' ' '\n' | awk '{s += $1; if (NR == 1 || $1 > m) m = $1} END {printf "mean %.1f us, worst round %.1f us", s / NR, m}')"
done
