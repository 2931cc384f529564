#!/usr/bin/env bash
# Capture cost of Ferry's statement-level triggers against a row-level variant and no capture, on PostgreSQL 15:
#  1. the seed workload (f_user_login / f_user_logout on random users plus nextval of both sequences; pgbench,
#     8 clients) -- transactions per second kept, modes interleaved over several rounds;
#  2. one UPDATE of 1,000,000 rows -- time relative to no capture.
# Modes (MODES, default "none statement v4 row"): no capture, Ferry's capture (the newest queue schema), queue schema v4's
# statement capture (v4-capture.sql, for before/after figures), and a row-level trigger (row-capture.sql).
# Every consumer is stopped (no ticker, no reader): only capture is measured; autovacuum is off (its workers would count
# in the CPU of whichever round they run in; the bulk table is vacuumed before each UPDATE). Figures go to results-<date>.txt.
# Usage: bench/capture/run.sh [transactions per client per pgbench run] [rounds]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
per_client=${1:-3000}
rounds=${2:-2}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
port=${PORT:-5479}
data=$(mktemp -d /tmp/ferry-bench-capture.XXXXXX)
chown postgres:postgres "$data"
out="$here/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
trap 'runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1; rm -rf "$data"' EXIT

runuser -u postgres -- "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -o \
  "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB -c max_wal_size=4GB -c autovacuum=off" \
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
for v in $(ls -d "$root"/Engine/Sql/Queue/v* | sort -V); do cat "$v"/*.sql; done | q >/dev/null
q -f "$here/row-capture.sql"
q -f "$here/v4-capture.sql"
q -c "SELECT ferry.create_queue('bench')" >/dev/null
q -c "CREATE TABLE digoal.bulk (id int PRIMARY KEY, v int NOT NULL, note text NOT NULL, t timestamptz NOT NULL DEFAULT now())"
q -c "INSERT INTO digoal.bulk SELECT g, 0, 'row ' || g, now() FROM generate_series(1, 1000000) g"
q -c "VACUUM ANALYZE"

tables=(digoal.user_info digoal.user_session digoal.bulk)
mode() {
  for t in "${tables[@]}"; do
    q -c "SELECT ferry.disable_capture('bench', '$t'); SELECT ferry.bench_detach_row_capture('$t'); SELECT ferry.bench_detach_v4_capture('$t')" >/dev/null
    case $1 in
      statement) q -c "SELECT ferry.enable_capture('bench', '$t')" >/dev/null ;;
      v4) q -c "SELECT ferry.bench_attach_v4_capture('$t')" >/dev/null ;;
      row) q -c "SELECT ferry.bench_attach_row_capture('$t')" >/dev/null ;;
    esac
  done
  q -c "TRUNCATE ferry.event_1; CHECKPOINT" >/dev/null
}

# CPU time, not wall time, is the measure: this 2-core machine is shared, so throughput swings with other work, but
# the CPU a transaction costs does not. All server processes count (backends are reaped into the postmaster's
# children times; walwriter, checkpointer, ... are alive) plus pgbench itself; "share kept" is the ratio of CPU per
# transaction without capture to CPU per transaction with it, i.e. the TPS share on a saturated machine.
postmaster=$(head -1 "$data/postmaster.pid")
hz=$(getconf CLK_TCK)
server_cpu() {
  { awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat"
    for p in $(pgrep -P "$postmaster"); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true; done
  } | awk -v hz="$hz" '{s += $1} END {printf "%.3f", s / hz}'
}
secs_of() { echo "$1" | awk '{ split($0, t, /[ms]/); printf "%.3f", t[1] * 60 + t[2] }'; }

echo "PostgreSQL: $(q -c 'SHOW server_version'); pgbench 8 clients x $per_client transactions x $rounds rounds;" \
     "fsync/synchronous_commit off; load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out"
declare -A cpu wall
read -r -a modes <<< "${MODES:-none statement v4 row}"
for round in $(seq 1 "$rounds"); do
  for m in "${modes[@]}"; do
    mode "$m"
    before=$(server_cpu)
    start=$(date +%s.%N)
    client=$( { pgbench -n -h 127.0.0.1 -p "$port" -U postgres -c 8 -j 2 -t "$per_client" -f "$here/workload.pgbench" bench \
                >"$data/pgbench.out" 2>"$data/pgbench.err"; times; } | tail -1)
    end=$(date +%s.%N)
    sleep 1  # the postmaster reaps the exited backends (their CPU then counts in its children times)
    after=$(server_cpu)
    tx=$((8 * per_client))
    c=$(awk -v a="$before" -v b="$after" -v u="$(secs_of "${client% *}")" -v s="$(secs_of "${client#* }")" -v n="$tx" \
        'BEGIN {printf "%.1f", (b - a + u + s) * 1e6 / n}')
    w=$(awk -v a="$start" -v b="$end" -v n="$tx" 'BEGIN {printf "%.0f", n / (b - a)}')
    events=$(q -c "SELECT count(*) FROM ferry.event_1")
    echo "round $round $m: ${c} us CPU per transaction, wall tps $w (events $events)" | tee -a "$out"
    cpu[$m]="${cpu[$m]:-} $c"
    wall[$m]="${wall[$m]:-} $w"
  done
done
avg() { echo "$@" | tr ' ' '\n' | awk 'NF {s += $1; n++} END {printf "%.1f", s / n}'; }
worst() { echo "$@" | tr ' ' '\n' | awk 'NF && (n++ == 0 || $1 > m) {m = $1} END {printf "%.1f", m}'; }
base=$(avg ${cpu[none]})
wbase=$(avg ${wall[none]})
for m in "${modes[@]}"; do
  a=$(avg ${cpu[$m]})
  w=$(avg ${wall[$m]})
  echo "workload $m: ${a} us CPU per transaction (worst round $(worst ${cpu[$m]}) us), share kept $(awk -v a="$a" -v b="$base" 'BEGIN {printf "%.3f", b / a}')" \
       "(wall tps $w, share $(awk -v a="$w" -v b="$wbase" 'BEGIN {printf "%.3f", a / b}'))" | tee -a "$out"
done

declare -A bcpu bwall
for round in $(seq 1 "$rounds"); do
  for m in "${modes[@]}"; do
    mode "$m"
    q -c "VACUUM digoal.bulk" >/dev/null
    before=$(server_cpu)
    start=$(date +%s.%N)
    q -c "UPDATE digoal.bulk SET v = v + 1"
    end=$(date +%s.%N)
    sleep 1
    after=$(server_cpu)
    c=$(awk -v a="$before" -v b="$after" 'BEGIN {printf "%.3f", b - a}')
    w=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')
    echo "round $round bulk UPDATE 1,000,000 rows $m: ${c}s CPU, ${w}s wall" | tee -a "$out"
    bcpu[$m]="${bcpu[$m]:-} $c"
    bwall[$m]="${bwall[$m]:-} $w"
  done
done
base=$(avg ${bcpu[none]})
wbase=$(avg ${bwall[none]})
for m in "${modes[@]}"; do
  a=$(avg ${bcpu[$m]})
  w=$(avg ${bwall[$m]})
  echo "bulk UPDATE $m: ${a}s CPU (worst round $(worst ${bcpu[$m]})s), ratio $(awk -v a="$a" -v b="$base" 'BEGIN {printf "%.2f", a / b}')x" \
       "(wall ${w}s, ratio $(awk -v a="$w" -v b="$wbase" 'BEGIN {printf "%.2f", a / b}')x)" | tee -a "$out"
done
