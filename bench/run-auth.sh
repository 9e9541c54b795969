#!/usr/bin/env bash
# Sign-in, token and read throughput on SQLite, server on one core.
#
# Starts `cognate serve` (open mode, SQLite in a temporary data dir, a config mapping
# three trigger ARNs to the bench's echo handler) pinned to SERVER_CPU, runs the `auth`
# scenarios pinned to CLIENT_CPU, then `crypto-floor` on SERVER_CPU (server idle), then
# `password` without and with 3 HTTP triggers, and `custom-auth`; on SQLite also the cold
# start (exec to first answer) and idle memory.
# Results: bench/results/auth-<stamp>.jsonl and .md.
#
# Knobs (environment): SCENARIOS (password,srp,refresh,get-user,admin-get-user,sign-up,
# admin-create-user), TRIGGER_SCENARIOS (password,custom-auth; the pass with HTTP triggers),
# CONCURRENCY (16), DURATION (10), REQUESTS (20000), USERS (200), ITERATIONS (300),
# SERVER_CPU (0), CLIENT_CPU (1), COGNATE_BIN (default: main workspace's release build),
# SKIP_BUILD=1, DATA_DIR (an existing data dir, e.g. one seeded with a million users; kept),
# DATABASE (a postgres:// URL, e.g. with ?options=-c%20search_path%3Dschema; then the run is
# labelled postgres), LABEL (a word for the results file name).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
SCENARIOS="${SCENARIOS:-password,srp,refresh,get-user,admin-get-user,sign-up,admin-create-user}"
CONCURRENCY="${CONCURRENCY:-16}"
DURATION="${DURATION:-10}"
REQUESTS="${REQUESTS:-20000}"
USERS="${USERS:-200}"
ITERATIONS="${ITERATIONS:-300}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
STAMP="$(date -u +%Y%m%d-%H%M%S)"
OUT_DIR="${OUT_DIR:-$BENCH_DIR/results}"
LABEL="${LABEL:-}"
RESULTS="$OUT_DIR/auth-$STAMP${LABEL:+-$LABEL}.jsonl"
MD="$OUT_DIR/auth-$STAMP${LABEL:+-$LABEL}.md"
BACKEND=sqlite
[[ -n "${DATABASE:-}" ]] && BACKEND=postgres
BENCH="$BENCH_DIR/target/release/cognate-bench"
mkdir -p "$OUT_DIR"
WORK="$(mktemp -d /tmp/cognate-auth.XXXXXX)"
SERVER_PID=""
log() { printf '== %s\n' "$*" >&2; }
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; fi
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

# A free loopback port for the bench's trigger echo handler.
TRIGGER_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 10000)))"
TRIGGER_URL="http://127.0.0.1:$TRIGGER_PORT"
cat >"$WORK/cognate.toml" <<EOF
[triggers]
timeout_secs = 5

[[triggers.functions]]
arn = "arn:aws:lambda:us-east-1:000000000000:function:bench-pre-auth"
url = "$TRIGGER_URL/"

[[triggers.functions]]
arn = "arn:aws:lambda:us-east-1:000000000000:function:bench-post-auth"
url = "$TRIGGER_URL/"

[[triggers.functions]]
arn = "arn:aws:lambda:us-east-1:000000000000:function:bench-pre-token"
url = "$TRIGGER_URL/"

[[triggers.functions]]
arn = "arn:aws:lambda:us-east-1:000000000000:function:bench-define"
url = "$TRIGGER_URL/"

[[triggers.functions]]
arn = "arn:aws:lambda:us-east-1:000000000000:function:bench-create"
url = "$TRIGGER_URL/"

[[triggers.functions]]
arn = "arn:aws:lambda:us-east-1:000000000000:function:bench-verify"
url = "$TRIGGER_URL/"
EOF

log "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '{"kind":"run","commit":"%s","started":"%s","loadavg":"%s","cores":%s}\n' \
    "$COMMIT" "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" >>"$RESULTS"

out="$WORK/server.out"
DB_ARGS=()
[[ -n "${DATABASE:-}" ]] && DB_ARGS=(--database "$DATABASE")
taskset -c "$SERVER_CPU" "$COGNATE_BIN" --config "$WORK/cognate.toml" serve --listen 127.0.0.1:0 \
    --data-dir "${DATA_DIR:-$WORK/data}" "${DB_ARGS[@]}" >"$out" 2>"$WORK/server.log" &
SERVER_PID=$!
SERVER_URL=""
for _ in $(seq 1 300); do
    if grep -q 'listening on' "$out" "$WORK/server.log" 2>/dev/null; then
        SERVER_URL="$(sed -n 's/.*listening on \(http[^ "]*\).*/\1/p' "$out" "$WORK/server.log" | head -1)"
        break
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
done
[[ -n "$SERVER_URL" ]] || { log "server did not start:"; cat "$WORK/server.log" >&2; exit 1; }
log "server $SERVER_PID on $SERVER_URL (cpu $SERVER_CPU); trigger echo on $TRIGGER_URL"

{
    echo "Commit $COMMIT, $(date -u +%FT%TZ), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; server on cpu $SERVER_CPU ($BACKEND${DATA_DIR:+, data dir $DATA_DIR}), generator on cpu $CLIENT_CPU, concurrency $CONCURRENCY, ≤${DURATION} s or ≤$REQUESTS requests per scenario, $USERS users (created through the API for the run)."
    echo
    echo "### Scenarios"
    echo
    taskset -c "$CLIENT_CPU" "$BENCH" auth --url "$SERVER_URL" --scenario "$SCENARIOS" \
        --concurrency "$CONCURRENCY" --duration "$DURATION" --requests "$REQUESTS" --users "$USERS" \
        --server-pid "$SERVER_PID" --backend "$BACKEND" --json-out "$RESULTS"
    echo
    echo "### Crypto floor (one thread, cpu $SERVER_CPU, server idle)"
    echo
    taskset -c "$SERVER_CPU" "$BENCH" crypto-floor --iterations "$ITERATIONS" --json-out "$RESULTS"
    echo
    echo "### HTTP triggers: USER_PASSWORD_AUTH without / with 3 (PreAuthentication, PostAuthentication, PreTokenGeneration; echo handler in the generator), and a CUSTOM_AUTH round (Define, Create, Verify, Define)"
    echo
    taskset -c "$CLIENT_CPU" "$BENCH" auth --url "$SERVER_URL" --scenario "${TRIGGER_SCENARIOS:-password,custom-auth}" --trigger-url "$TRIGGER_URL" \
        --concurrency "$CONCURRENCY" --duration "$DURATION" --requests "$REQUESTS" --users "$USERS" \
        --server-pid "$SERVER_PID" --backend "$BACKEND" --json-out "$RESULTS"
    if [[ -z "${DATABASE:-}" ]]; then
        echo
        echo "### Cold start and idle memory (SQLite; cpu $SERVER_CPU)"
        echo
        taskset -c "$SERVER_CPU" "$BENCH" cold-start --bin "$COGNATE_BIN" --rounds 5 --json-out "$RESULTS"
    fi
} | tee "$MD"
log "results: $RESULTS, $MD; load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
