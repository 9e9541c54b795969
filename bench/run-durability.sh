#!/usr/bin/env bash
# SignUp durability across a kill -9 of the server, on SQLite and PostgreSQL (issue 8:
# "every acknowledged sign-up surviving a kill -9 of the server").
#
# For each backend: starts `cognate serve` (open mode; SQLite in a temporary data dir, or
# PostgreSQL in a fresh schema of PG_URL, dropped afterwards) pinned to SERVER_CPU. Then,
# for each kill moment K in KILL_AFTER (one round each, same storage throughout):
#   1. runs `cognate-bench auth --scenario sign-up` pinned to CLIENT_CPU at CONCURRENCY
#      (a fresh pool per round) with --ack-log (every sign-up the server answered with
#      HTTP 200, written as it arrives) and --nack-log (every other outcome);
#   2. K seconds after the first acknowledgement, sends SIGKILL to the server; the generator
#      sees its in-flight requests fail, stops sending and exits;
#   3. restarts the server on the same storage (SQLite: the same data dir, whose WAL the
#      kill left behind; PostgreSQL: the same schema) and waits for it to answer;
#   4. checks, by a direct query of the users table (primary key pool_id, username_key;
#      the bench's usernames are lower-case, so username_key = username), that every
#      acknowledged username exists, and which of the in-flight ones (sent, connection
#      lost before the answer) exist; spot-checks the last SPOT acknowledged ones with
#      AdminGetUser through the API.
# The restarted server carries the next round's load. A last row checks every round's
# acknowledgements again after the last restart.
# Results: bench/results/durability-<stamp>.jsonl and .md.
#
# Knobs (environment): BACKENDS ("sqlite postgres"), PG_URL
# (postgres://postgres@127.0.0.1:5432/test), KILL_AFTER ("2 3.5 5", seconds), CONCURRENCY
# (16), SPOT (20), SERVER_CPU (0), CLIENT_CPU (1), COGNATE_BIN (default: the main
# workspace's release build, not rebuilt here), SKIP_BUILD=1 (do not build the bench),
# KEEP_WORK=1.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
BACKENDS="${BACKENDS:-sqlite postgres}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
KILL_AFTER="${KILL_AFTER:-2 3.5 5}"
CONCURRENCY="${CONCURRENCY:-16}"
SPOT="${SPOT:-20}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
STAMP="$(date -u +%Y%m%d-%H%M%S)"
OUT_DIR="${OUT_DIR:-$BENCH_DIR/results}"
RESULTS="$OUT_DIR/durability-$STAMP.jsonl"
MD="$OUT_DIR/durability-$STAMP.md"
mkdir -p "$OUT_DIR"
WORK="$(mktemp -d /tmp/cognate-durability.XXXXXX)"
SERVER_PID=""
GEN_PID=""
PG_SCHEMA=""
log() { printf '== %s\n' "$*" >&2; }
cleanup() {
    if [[ -n "$GEN_PID" ]] && kill -0 "$GEN_PID" 2>/dev/null; then
        kill -TERM "$GEN_PID" 2>/dev/null || true
        wait "$GEN_PID" 2>/dev/null || true
    fi
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -n "$PG_SCHEMA" ]]; then
        PGOPTIONS="-c client_min_messages=warning" psql -q "$PG_URL" \
            -c "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true
    fi
    if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building cognate-bench (release)"
    (cd "$BENCH_DIR" && cargo build --release)
fi
COGNATE_BIN="${COGNATE_BIN:-$ROOT/target/release/cognate}"
[[ -x "$COGNATE_BIN" ]] || { log "no server binary at $COGNATE_BIN (cargo build --release --bin cognate)"; exit 1; }
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"

# Run from copies: another build must not swap binaries mid-run.
mkdir -p "$WORK/bin"
cp "$COGNATE_BIN" "$WORK/bin/cognate"
cp "$BENCH_DIR/target/release/cognate-bench" "$WORK/bin/cognate-bench"
COGNATE_BIN="$WORK/bin/cognate"
BENCH="$WORK/bin/cognate-bench"

# start_server <name> <serve args...>: the server pinned to SERVER_CPU on a free loopback
# port; sets SERVER_PID and SERVER_URL and waits until it answers.
start_server() {
    local name="$1"; shift
    local out="$WORK/$name-server.out"
    taskset -c "$SERVER_CPU" "$COGNATE_BIN" serve --listen 127.0.0.1:0 "$@" \
        >"$out" 2>>"$WORK/$name-server.log" &
    SERVER_PID=$!
    SERVER_URL=""
    for _ in $(seq 1 300); do
        if grep -q 'listening on' "$out" 2>/dev/null; then
            SERVER_URL="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$out" | head -1)"
            break
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$SERVER_URL" ]]; then
        local rc="running"
        kill -0 "$SERVER_PID" 2>/dev/null || { wait "$SERVER_PID" 2>/dev/null; rc="exit status $?"; }
        log "server did not start ($rc); stdout:"; cat "$out" >&2
        log "last lines of its log:"; tail -n 20 "$WORK/$name-server.log" >&2
        exit 1
    fi
}

stop_server() {
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# count_sqlite <ack file> <nack file>: acked, found, in flight, in flight found, refused,
# refused found, other errors, users in the acknowledged pools (tab-separated).
check_sqlite() {
    local db="$1" ack="$2" nack="$3"
    cut -f1-3 "$nack" >"$WORK/nack3.tsv"
    rm -f "$WORK/check.db"
    sqlite3 "$WORK/check.db" <<EOF
CREATE TABLE acked(pool_id TEXT, username TEXT);
CREATE TABLE nacked(pool_id TEXT, username TEXT, kind TEXT);
.mode tabs
.import $ack acked
.import $WORK/nack3.tsv nacked
ATTACH '$db' AS c;
.mode list
.separator "\t"
SELECT (SELECT count(*) FROM acked),
       (SELECT count(*) FROM acked a WHERE EXISTS (SELECT 1 FROM c.users u WHERE u.pool_id = a.pool_id AND u.username_key = a.username)),
       (SELECT count(*) FROM nacked WHERE kind = 'transport'),
       (SELECT count(*) FROM nacked n WHERE kind = 'transport' AND EXISTS (SELECT 1 FROM c.users u WHERE u.pool_id = n.pool_id AND u.username_key = n.username)),
       (SELECT count(*) FROM nacked WHERE kind = 'connect'),
       (SELECT count(*) FROM nacked n WHERE kind = 'connect' AND EXISTS (SELECT 1 FROM c.users u WHERE u.pool_id = n.pool_id AND u.username_key = n.username)),
       (SELECT count(*) FROM nacked WHERE kind NOT IN ('transport', 'connect')),
       (SELECT count(*) FROM c.users WHERE pool_id IN (SELECT DISTINCT pool_id FROM acked));
EOF
}

check_postgres() {
    local ack="$2" nack="$3"
    cut -f1-3 "$nack" >"$WORK/nack3.tsv"
    psql -q -X -A -t -F $'\t' -v ON_ERROR_STOP=1 "$PG_URL" <<EOF
CREATE TEMP TABLE acked(pool_id TEXT, username TEXT);
CREATE TEMP TABLE nacked(pool_id TEXT, username TEXT, kind TEXT);
\copy acked FROM '$ack'
\copy nacked FROM '$WORK/nack3.tsv'
SELECT (SELECT count(*) FROM acked),
       (SELECT count(*) FROM acked a WHERE EXISTS (SELECT 1 FROM $PG_SCHEMA.users u WHERE u.pool_id = a.pool_id AND u.username_key = a.username)),
       (SELECT count(*) FROM nacked WHERE kind = 'transport'),
       (SELECT count(*) FROM nacked n WHERE kind = 'transport' AND EXISTS (SELECT 1 FROM $PG_SCHEMA.users u WHERE u.pool_id = n.pool_id AND u.username_key = n.username)),
       (SELECT count(*) FROM nacked WHERE kind = 'connect'),
       (SELECT count(*) FROM nacked n WHERE kind = 'connect' AND EXISTS (SELECT 1 FROM $PG_SCHEMA.users u WHERE u.pool_id = n.pool_id AND u.username_key = n.username)),
       (SELECT count(*) FROM nacked WHERE kind NOT IN ('transport', 'connect')),
       (SELECT count(*) FROM $PG_SCHEMA.users WHERE pool_id IN (SELECT DISTINCT pool_id FROM acked));
EOF
}

# spot_check <ack file>: how many of the last SPOT acknowledged users AdminGetUser finds.
spot_check() {
    local found=0 pool user
    while IFS=$'\t' read -r pool user; do
        if curl -sf -o /dev/null -X POST "$SERVER_URL/" \
            -H 'content-type: application/x-amz-json-1.1' \
            -H 'x-amz-target: AWSCognitoIdentityProviderService.AdminGetUser' \
            -d "{\"UserPoolId\":\"$pool\",\"Username\":\"$user\"}"; then
            found=$((found + 1))
        fi
    done < <(tail -n "$SPOT" "$1")
    echo "$found"
}

failures=0
# record <backend> <round> <kill_after> <rate> <counts...> <spot found> <spot checked>
record() {
    local b="$1" r="$2" k="$3" rate="$4" counts="$5" spot="$6" spot_n="$7"
    local acked found inflight inflight_found refused refused_found other pool_users
    IFS=$'\t' read -r acked found inflight inflight_found refused refused_found other pool_users <<<"$counts"
    local missing=$((acked - found))
    ((missing == 0)) || failures=$((failures + 1))
    ((spot == spot_n)) || failures=$((failures + 1))
    printf '{"kind":"durability","backend":"%s","round":"%s","kill_after_s":%s,"signups_per_sec":%s,"acked":%s,"found":%s,"missing":%s,"in_flight":%s,"in_flight_found":%s,"refused":%s,"refused_found":%s,"other_errors":%s,"users_in_pools":%s,"api_spot_checked":%s,"api_spot_found":%s,"commit":"%s"}\n' \
        "$b" "$r" "${k:-null}" "${rate:-null}" "$acked" "$found" "$missing" "$inflight" "$inflight_found" \
        "$refused" "$refused_found" "$other" "$pool_users" "$spot_n" "$spot" "$COMMIT" >>"$RESULTS"
    printf '| %s | %s | %s | %s | %s | %s | **%s** | %s | %s | %s | %s/%s |\n' \
        "$b" "$r" "${k:--}" "${rate:--}" "$acked" "$found" "$missing" "$inflight" "$inflight_found" \
        "$pool_users" "$spot" "$spot_n" | tee -a "$MD"
}

run_backend() { # backend
    local b="$1" data="$WORK/$1" db_args=()
    if [[ "$b" == postgres ]]; then
        PG_SCHEMA="cognate_durability_${STAMP//-/_}_$$"
        psql -q -v ON_ERROR_STOP=1 "$PG_URL" -c "CREATE SCHEMA $PG_SCHEMA"
        db_args=(--database "$PG_URL?options=-c%20search_path%3D$PG_SCHEMA")
    fi
    start_server "$b" --data-dir "$data" "${db_args[@]}"
    log "$b: server $SERVER_PID on $SERVER_URL (cpu $SERVER_CPU)"
    local round=0 all_ack="$WORK/$b-all.ack" all_nack="$WORK/$b-all.nack"
    : >"$all_ack"; : >"$all_nack"
    for k in $KILL_AFTER; do
        round=$((round + 1))
        local ack="$WORK/$b-r$round.ack" nack="$WORK/$b-r$round.nack"
        : >"$ack"; : >"$nack"
        local budget
        budget="$(awk -v k="$k" 'BEGIN { print k + 6 }')"
        taskset -c "$CLIENT_CPU" "$BENCH" auth --url "$SERVER_URL" --scenario sign-up --users 0 \
            --concurrency "$CONCURRENCY" --duration "$budget" --requests 100000000 \
            --ack-log "$ack" --nack-log "$nack" --backend "$b" \
            >"$WORK/$b-r$round.gen.md" 2>"$WORK/$b-r$round.gen.log" &
        GEN_PID=$!
        for _ in $(seq 1 300); do
            [[ -s "$ack" ]] && break
            kill -0 "$GEN_PID" 2>/dev/null || { log "generator exited:"; cat "$WORK/$b-r$round.gen.log" >&2; exit 1; }
            sleep 0.05
        done
        local n0 n1
        n0="$(wc -l <"$ack")"
        sleep "$k"
        n1="$(wc -l <"$ack")"
        kill -KILL "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
        log "$b round $round: SIGKILL $SERVER_PID $k s after the first acknowledgement ($n1 acknowledged)"
        SERVER_PID=""
        wait "$GEN_PID" || { log "generator failed:"; cat "$WORK/$b-r$round.gen.log" >&2; exit 1; }
        GEN_PID=""
        start_server "$b" --data-dir "$data" "${db_args[@]}"
        log "$b round $round: restarted: server $SERVER_PID on $SERVER_URL"
        local counts spot spot_n rate
        counts="$(check_"$b" "$data/cognate.db" "$ack" "$nack")"
        spot="$(spot_check "$ack")"
        spot_n="$(tail -n "$SPOT" "$ack" | wc -l)"
        rate="$(awk -v a="$n0" -v b="$n1" -v k="$k" 'BEGIN { printf "%.0f", (b - a) / k }')"
        record "$b" "$round" "$k" "$rate" "$counts" "$spot" "$spot_n"
        cat "$ack" >>"$all_ack"; cat "$nack" >>"$all_nack"
    done
    counts="$(check_"$b" "$data/cognate.db" "$all_ack" "$all_nack")"
    record "$b" "all" "" "" "$counts" "$(spot_check "$all_ack")" "$(tail -n "$SPOT" "$all_ack" | wc -l)"
    stop_server
    if [[ "$b" == postgres ]]; then
        PGOPTIONS="-c client_min_messages=warning" psql -q "$PG_URL" -c "DROP SCHEMA $PG_SCHEMA CASCADE"
        PG_SCHEMA=""
    fi
}

log "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '{"kind":"run","commit":"%s","started":"%s","loadavg":"%s","cores":%s,"concurrency":%s,"kill_after":"%s"}\n' \
    "$COMMIT" "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" "$CONCURRENCY" "$KILL_AFTER" >>"$RESULTS"
{
    echo "Commit $COMMIT, $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); server on cpu $SERVER_CPU, generator (sign-up, concurrency $CONCURRENCY) on cpu $CLIENT_CPU; SIGKILL K s after the first acknowledged sign-up, restart on the same storage, direct query of the users table; the last $SPOT acknowledged also through AdminGetUser."
    echo
    echo "| backend | round | kill after s | sign-ups/s before the kill | acknowledged | found | missing | in flight | in flight found | users in the pools | AdminGetUser spot check |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
} | tee "$MD"
for b in $BACKENDS; do
    case "$b" in
        sqlite | postgres) run_backend "$b" ;;
        *) log "unknown backend $b"; exit 2 ;;
    esac
done
echo | tee -a "$MD"
if ((failures == 0)); then
    echo "Every acknowledged sign-up was found after every kill -9." | tee -a "$MD"
else
    echo "FAILED: $failures row(s) with missing acknowledged sign-ups or failed spot checks." | tee -a "$MD"
fi
log "results: $RESULTS, $MD; load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
((failures == 0))
