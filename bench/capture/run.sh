#!/usr/bin/env bash
# Capture cost of Ferry's statement-level triggers against a row-level variant and no capture, on PostgreSQL 15:
#  1. the seed workload (f_user_login / f_user_logout on random users plus nextval of both sequences; pgbench,
#     8 clients) -- transactions per second kept, modes interleaved over several rounds;
#  2. one UPDATE of 1,000,000 rows -- time relative to no capture.
# Every consumer is stopped (no ticker, no reader): only capture is measured. Figures go to results-<date>.txt.
# Usage: bench/capture/run.sh [seconds per pgbench run] [rounds]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-20}
rounds=${2:-2}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
port=${PORT:-5479}
data=$(mktemp -d /tmp/ferry-bench-capture.XXXXXX)
chown postgres:postgres "$data"
out="$here/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
trap 'runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1; rm -rf "$data"' EXIT

runuser -u postgres -- "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -o \
  "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB -c max_wal_size=4GB" \
  start >/dev/null
conn="host=127.0.0.1 port=$port user=postgres dbname=bench"
# The seed functions use unqualified table names (their owner role normally has schema "$user").
export PGOPTIONS="-c search_path=digoal -c client_min_messages=warning"
psql "host=127.0.0.1 port=$port user=postgres" -qc "CREATE DATABASE bench"
q() { psql "$conn" -v ON_ERROR_STOP=1 -qAt "$@"; }

# Seed source (Engine/Demo/Sql), 200,000 users, in schema digoal; the ferry schema (Engine/Sql/Queue); a bulk table.
q -c "CREATE SCHEMA digoal"
{ echo "SET search_path = digoal;"; cat "$root/Engine/Demo/Sql/seed-tables.sql"; } | q
{ echo "SET search_path = digoal;"; sed 's/:users/200000/g' "$root/Engine/Demo/Sql/seed-source.sql"; } | q
cat "$root"/Engine/Sql/Queue/v1/*.sql "$root"/Engine/Sql/Queue/v2/*.sql | q >/dev/null
q -f "$here/row-capture.sql"
q -c "SELECT ferry.create_queue('bench')" >/dev/null
q -c "CREATE TABLE digoal.bulk (id int PRIMARY KEY, v int NOT NULL, note text NOT NULL, t timestamptz NOT NULL DEFAULT now())"
q -c "INSERT INTO digoal.bulk SELECT g, 0, 'row ' || g, now() FROM generate_series(1, 1000000) g"
q -c "VACUUM ANALYZE"

tables=(digoal.user_info digoal.user_session digoal.bulk)
mode() {
  for t in "${tables[@]}"; do
    q -c "SELECT ferry.disable_capture('bench', '$t'); SELECT ferry.bench_detach_row_capture('$t')" >/dev/null
    case $1 in
      statement) q -c "SELECT ferry.enable_capture('bench', '$t')" >/dev/null ;;
      row) q -c "SELECT ferry.bench_attach_row_capture('$t')" >/dev/null ;;
    esac
  done
  q -c "TRUNCATE ferry.event_1; CHECKPOINT" >/dev/null
}

echo "PostgreSQL: $(q -c 'SHOW server_version'); pgbench 8 clients, ${seconds}s x $rounds rounds; fsync/synchronous_commit off" | tee "$out"
declare -A tps
modes=(none statement row)
for round in $(seq 1 "$rounds"); do
  for m in "${modes[@]}"; do
    mode "$m"
    r=$(pgbench -n -h 127.0.0.1 -p "$port" -U postgres -c 8 -j 2 -T "$seconds" -f "$here/workload.pgbench" bench 2>"$data/pgbench.err" \
        | awk '/^tps/ {print $3; exit}')
    events=$(q -c "SELECT count(*) FROM ferry.event_1")
    echo "round $round $m: tps $r (events $events)" | tee -a "$out"
    tps[$m]="${tps[$m]:-} $r"
  done
done
avg() { echo "$@" | tr ' ' '\n' | awk 'NF {s += $1; n++} END {printf "%.1f", s / n}'; }
base=$(avg ${tps[none]})
for m in "${modes[@]}"; do
  a=$(avg ${tps[$m]})
  echo "workload $m: mean tps $a, share kept $(awk -v a="$a" -v b="$base" 'BEGIN {printf "%.3f", a / b}')" | tee -a "$out"
done

declare -A secs
for round in $(seq 1 "$rounds"); do
  for m in "${modes[@]}"; do
    mode "$m"
    q -c "VACUUM digoal.bulk" >/dev/null
    start=$(date +%s.%N)
    q -c "UPDATE digoal.bulk SET v = v + 1"
    end=$(date +%s.%N)
    s=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')
    echo "round $round bulk UPDATE 1,000,000 rows $m: ${s}s" | tee -a "$out"
    secs[$m]="${secs[$m]:-} $s"
  done
done
base=$(avg ${secs[none]})
for m in "${modes[@]}"; do
  a=$(avg ${secs[$m]})
  echo "bulk UPDATE $m: mean ${a}s, ratio to none $(awk -v a="$a" -v b="$base" 'BEGIN {printf "%.2f", a / b}')x" | tee -a "$out"
done
