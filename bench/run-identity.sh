#!/usr/bin/env bash
# Identity-pool throughput (GetId, GetCredentialsForIdentity) on SQLite and PostgreSQL,
# server on one core.
#
# For each backend: starts `cognate serve` (open mode; SQLite in a temporary data dir,
# or PostgreSQL in a fresh schema of PG_URL, dropped afterwards) pinned to SERVER_CPU,
# then runs the identity scenarios of `cognate-bench auth` pinned to CLIENT_CPU (each
# run sets up its own user pool, users, ID tokens, roles and identity pool through the
# API): identity-guest (GetId + GetCredentialsForIdentity, guest), identity-auth (the
# same with the user's ID token in Logins), identity-credentials
# (GetCredentialsForIdentity alone for an existing authenticated identity).
# Results: bench/results/identity-<stamp>.jsonl and .md.
#
# Knobs (environment): SCENARIOS (identity-guest,identity-auth,identity-credentials; any
# `auth` scenario may be added, e.g. get-user as a reference), BACKENDS ("sqlite postgres"),
# PG_URL (postgres://postgres@127.0.0.1:5432/test), CONCURRENCY (16), DURATION (10),
# REQUESTS (20000), USERS (200), SERVER_CPU (0), CLIENT_CPU (1), COGNATE_BIN (default:
# the main workspace's release build, built here), SKIP_BUILD=1, KEEP_WORK=1.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
SCENARIOS="${SCENARIOS:-identity-guest,identity-auth,identity-credentials}"
BACKENDS="${BACKENDS:-sqlite postgres}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
CONCURRENCY="${CONCURRENCY:-16}"
DURATION="${DURATION:-10}"
REQUESTS="${REQUESTS:-20000}"
USERS="${USERS:-200}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
STAMP="$(date -u +%Y%m%d-%H%M%S)"
OUT_DIR="${OUT_DIR:-$BENCH_DIR/results}"
RESULTS="$OUT_DIR/identity-$STAMP.jsonl"
MD="$OUT_DIR/identity-$STAMP.md"
mkdir -p "$OUT_DIR"
WORK="$(mktemp -d /tmp/cognate-identity.XXXXXX)"
SERVER_PID=""
PG_SCHEMA=""
log() { printf '== %s\n' "$*" >&2; }
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -n "$PG_SCHEMA" ]]; then
        psql -q "$PG_URL" -c "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1 || true
    fi
    if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    if [[ -z "${COGNATE_BIN:-}" ]]; then
        log "building the server (release; waits if another build holds the lock)"
        (cd "$ROOT" && cargo build --release --bin cognate)
    fi
    log "building cognate-bench (release)"
    (cd "$BENCH_DIR" && cargo build --release)
fi
COGNATE_BIN="${COGNATE_BIN:-$ROOT/target/release/cognate}"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"

# Run from copies: another build must not swap binaries mid-run.
mkdir -p "$WORK/bin"
cp "$COGNATE_BIN" "$WORK/bin/cognate"
cp "$BENCH_DIR/target/release/cognate-bench" "$WORK/bin/cognate-bench"
COGNATE_BIN="$WORK/bin/cognate"
BENCH="$WORK/bin/cognate-bench"

# start_server <name> <serve args...>: the server pinned to SERVER_CPU on a free
# loopback port; sets SERVER_PID and SERVER_URL.
start_server() {
    local name="$1"; shift
    local out="$WORK/$name-server.out"
    taskset -c "$SERVER_CPU" "$COGNATE_BIN" serve --listen 127.0.0.1:0 "$@" \
        >"$out" 2>"$WORK/$name-server.log" &
    SERVER_PID=$!
    SERVER_URL=""
    for _ in $(seq 1 300); do
        if grep -q 'listening on' "$out" 2>/dev/null; then
            SERVER_URL="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$out" | head -1)"
            break
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.2
    done
    if [[ -z "$SERVER_URL" ]]; then
        log "server did not start:"; cat "$WORK/$name-server.log" >&2; exit 1
    fi
    log "$name: server $SERVER_PID on $SERVER_URL (cpu $SERVER_CPU)"
}

stop_server() {
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# Runs in the main shell (only the output goes through a pipe), so that the EXIT trap
# sees SERVER_PID and PG_SCHEMA.
run_scenarios() { # backend label
    {
        echo
        echo "### $1"
        echo
        taskset -c "$CLIENT_CPU" "$BENCH" auth --url "$SERVER_URL" --scenario "$SCENARIOS" \
            --concurrency "$CONCURRENCY" --duration "$DURATION" --requests "$REQUESTS" --users "$USERS" \
            --server-pid "$SERVER_PID" --backend "$1" --json-out "$RESULTS"
    } | tee -a "$MD"
}

run_sqlite() {
    start_server sqlite --data-dir "$WORK/sqlite"
    run_scenarios sqlite
    stop_server
}

run_postgres() {
    PG_SCHEMA="cognate_identity_${STAMP//-/_}_$$"
    psql -q -v ON_ERROR_STOP=1 "$PG_URL" -c "CREATE SCHEMA $PG_SCHEMA"
    start_server postgres --data-dir "$WORK/postgres" \
        --database "$PG_URL?options=-c%20search_path%3D$PG_SCHEMA"
    run_scenarios postgres
    stop_server
    PGOPTIONS="-c client_min_messages=warning" psql -q "$PG_URL" -c "DROP SCHEMA $PG_SCHEMA CASCADE"
    PG_SCHEMA=""
}

log "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '{"kind":"run","commit":"%s","started":"%s","loadavg":"%s","cores":%s}\n' \
    "$COMMIT" "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" >>"$RESULTS"
echo "Commit $COMMIT, $(date -u +%FT%TZ), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg); server on cpu $SERVER_CPU, generator on cpu $CLIENT_CPU, concurrency $CONCURRENCY, ≤${DURATION} s or ≤$REQUESTS requests per scenario, $USERS users. ops/s: identity-guest and identity-auth send 2 requests per operation; latencies are per request." | tee "$MD"
for b in $BACKENDS; do
    case "$b" in
        sqlite) run_sqlite ;;
        postgres) run_postgres ;;
        *) log "unknown backend $b"; exit 2 ;;
    esac
done
log "results: $RESULTS, $MD; load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
