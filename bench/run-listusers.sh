#!/usr/bin/env bash
# ListUsers at scale on SQLite and PostgreSQL.
#
# For each backend: seed USERS users straight into the store (server stopped),
# record data size and query plans, start `cognate serve` pinned to SERVER_CPU,
# run the ListUsers scenarios pinned to CLIENT_CPU, record the server's peak RSS.
# Results: a JSON-lines file and its Markdown rendering under bench/results/.
#
# Knobs (environment): USERS (100000), POOL_ID, REQUESTS (5000 per scenario),
# DURATION (10 s per scenario), CONCURRENCIES ("1 8"), BACKENDS ("sqlite postgres"),
# PG_URL (postgres://postgres@127.0.0.1:5432/test), FILTER (the `custom` scenario),
# SQLITE_OPTIMIZE (1: also run the SQLite scenarios after PRAGMA optimize),
# SERVER_CPU (0), CLIENT_CPU (1), COGNATE_BIN (default: the main workspace's
# release build, built here), SNAPSHOT=<git rev> to build server and bench from
# that commit instead of the work tree, KEEP_WORK=1 to keep the temporary directory,
# AUTH_SCENARIOS (e.g. "password,refresh,get-user,admin-get-user,sign-up"): after the ListUsers
# scenarios, also run bench/run-auth.sh against the seeded store (its own pool of 200 users
# beside the USERS seeded ones), results labelled <backend>-<USERS>.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
USERS="${USERS:-100000}"
POOL_ID="${POOL_ID:-us-east-1_BenchPool1}"
REQUESTS="${REQUESTS:-5000}"
DURATION="${DURATION:-10}"
CONCURRENCIES="${CONCURRENCIES:-1 8}"
BACKENDS="${BACKENDS:-sqlite postgres}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
FILTER="${FILTER:-email ^= \"user12\"}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
STAMP="$(date -u +%Y%m%d-%H%M%S)"
OUT_DIR="${OUT_DIR:-$BENCH_DIR/results}"
RESULTS="$OUT_DIR/listusers-$STAMP.jsonl"
PLANS="$OUT_DIR/listusers-$STAMP-plans.txt"
BENCH="$BENCH_DIR/target/release/cognate-bench"

mkdir -p "$OUT_DIR"
WORK="$(mktemp -d /tmp/cognate-bench.XXXXXX)"
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

# --- build -----------------------------------------------------------------
if [[ -n "${SNAPSHOT:-}" ]]; then
    # Build server and bench from `git archive $SNAPSHOT` (read-only for the repo),
    # immune to uncommitted edits in the work tree; shares bench/target.
    COMMIT="$(git -C "$ROOT" rev-parse --short "$SNAPSHOT")"
    # One fixed path, so cargo's fingerprints (which ignore where a workspace lives)
    # can not pass off a binary built from another commit: re-extract on change and
    # give every file a fresh mtime.
    SRC="$BENCH_DIR/target/snapshot"
    if [[ "$(cat "$SRC/.commit" 2>/dev/null)" != "$COMMIT" ]]; then
        rm -rf "$SRC" && mkdir -p "$SRC"
        git -C "$ROOT" archive "$SNAPSHOT" | tar -x -m -C "$SRC"
        echo "$COMMIT" >"$SRC/.commit"
    fi
    mkdir -p "$SRC/bench"
    cp -a "$BENCH_DIR/Cargo.toml" "$BENCH_DIR/Cargo.lock" "$BENCH_DIR/src" "$SRC/bench/"
    export CARGO_TARGET_DIR="$BENCH_DIR/target"
    log "building the server from $SNAPSHOT ($COMMIT) (release)"
    (cd "$SRC" && cargo build --release --bin cognate)
    COGNATE_BIN="${COGNATE_BIN:-$CARGO_TARGET_DIR/release/cognate}"
    log "building cognate-bench against $COMMIT (release)"
    (cd "$SRC/bench" && cargo build --release)
else
    COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)+worktree"
    if [[ -z "${COGNATE_BIN:-}" ]]; then
        log "building the server (release; waits if another build holds the lock)"
        (cd "$ROOT" && cargo build --release --bin cognate)
        COGNATE_BIN="$ROOT/target/release/cognate"
    fi
    log "building cognate-bench (release)"
    (cd "$BENCH_DIR" && cargo build --release)
fi

# Run from copies: another build in bench/target must not swap binaries mid-run.
mkdir -p "$WORK/bin"
cp "$COGNATE_BIN" "$WORK/bin/cognate"
cp "$BENCH_DIR/target/release/cognate-bench" "$WORK/bin/cognate-bench"
COGNATE_BIN="$WORK/bin/cognate"
BENCH="$WORK/bin/cognate-bench"

# --- helpers ---------------------------------------------------------------
# start_server <log prefix> <serve args...>: starts the server pinned to SERVER_CPU
# on a free loopback port and sets SERVER_PID and SERVER_URL.
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
    log "server $SERVER_PID on $SERVER_URL (cpu $SERVER_CPU)"
}

stop_server() {
    local backend="$1"
    local hwm rss
    hwm="$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")"
    rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")"
    printf '{"kind":"rss","backend":"%s","vmhwm_kb":%s,"vmrss_kb":%s}\n' "$backend" "$hwm" "$rss" >>"$RESULTS"
    log "server peak RSS ${hwm} kB, RSS ${rss} kB"
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

size_record() { # backend what bytes
    printf '{"kind":"size","backend":"%s","users":%s,"what":"%s","bytes":%s}\n' "$1" "$USERS" "$2" "$3" >>"$RESULTS"
}

run_scenarios() {
    local backend="$1"
    for c in $CONCURRENCIES; do
        log "$backend: ListUsers scenarios at concurrency $c (client on cpu $CLIENT_CPU)"
        taskset -c "$CLIENT_CPU" "$BENCH" list-users --url "$SERVER_URL" --pool-id "$POOL_ID" \
            --scenario all,custom --filter "$FILTER" --users "$USERS" \
            --requests "$REQUESTS" --duration "$DURATION" --concurrency "$c" \
            --backend "$backend" --json-out "$RESULTS"
    done
}

# The store's ListUsers queries (crates/cognate-store/src/sql.rs, list_users), first
# page, literal values. Keep in step with sql.rs when it changes.
#   list_sql exact  <column> <value>
#   list_sql prefix <column> <prefix> <end>   (end: the smallest string above the prefix)
COLS="pool_id, username_key, username, sub, status, enabled, alias_email, alias_phone, alias_preferred, doc, created_at, updated_at"
list_sql() {
    case "$1" in
        exact) echo "SELECT $COLS FROM users WHERE pool_id = '$POOL_ID' AND $2 = '$3' AND username_key > '' ORDER BY username_key LIMIT 61" ;;
        prefix) echo "SELECT $COLS FROM users WHERE pool_id = '$POOL_ID' AND $2 >= '$3' AND $2 < '$4' AND ($2, username_key) > ('', '') ORDER BY $2, username_key LIMIT 61" ;;
    esac
}
match_sql() { # same arguments: how many rows the filter matches
    case "$1" in
        exact) echo "SELECT count(*) FROM users WHERE pool_id = '$POOL_ID' AND $2 = '$3'" ;;
        prefix) echo "SELECT count(*) FROM users WHERE pool_id = '$POOL_ID' AND $2 >= '$3' AND $2 < '$4'" ;;
    esac
}
# The prefix query with the parameters sqlx binds.
prefix_sql_params() { # column
    echo "SELECT $COLS FROM users WHERE pool_id = \$1 AND $1 >= \$2 AND $1 < \$3 AND ($1, username_key) > (\$4, \$5) ORDER BY $1, username_key LIMIT \$6"
}
# Filters whose plans are recorded: label <TAB> list_sql arguments.
plan_cases() {
    cat <<'EOF'
email ^= "user12"	prefix email user12 user13
email ^= "user1234"	prefix email user1234 user1235
email ^= "nobody"	prefix email nobody nobodz
family_name ^= "Sm"	prefix family_name Sm Sn
email = "user4242@example42.com"	exact email user4242@example42.com
cognito:user_status = "UNCONFIRMED"	exact status UNCONFIRMED
EOF
}
sqlite_plans() { # db title
    local label args
    while IFS=$'\t' read -r label args; do
        # shellcheck disable=SC2086
        echo; echo "## SQLite$2: $label ($(sqlite3 "$1" "$(match_sql $args)") rows match)"
        # The server's own (bundled) SQLite, not the sqlite3 shell's: plans can differ.
        # shellcheck disable=SC2086
        "$BENCH" sqlite-query --db "$1" --explain --runs 5 "$(list_sql $args)"
    done < <(plan_cases)
}
pg_plans() { # url title explain-options
    local label args
    while IFS=$'\t' read -r label args; do
        echo; echo "## PostgreSQL$2: $label"
        # shellcheck disable=SC2086
        psql -X "$1" -c "EXPLAIN ($3) $(list_sql $args)"
    done < <(plan_cases)
}

{
    echo "# Query plans, $(date -u +%FT%TZ), $USERS users, commit $COMMIT"
} >"$PLANS"

# The sign-in, token and read scenarios against the seeded store (server stopped before).
auth_at_scale() { # backend data-dir database-url
    [[ -n "${AUTH_SCENARIOS:-}" ]] || return 0
    log "$1: auth scenarios ($AUTH_SCENARIOS) beside $USERS seeded users"
    SKIP_BUILD=1 COGNATE_BIN="$COGNATE_BIN" SCENARIOS="$AUTH_SCENARIOS" LABEL="$1-$USERS" USERS="${AUTH_USERS:-200}" \
        DATA_DIR="$2" DATABASE="$3" SERVER_CPU="$SERVER_CPU" CLIENT_CPU="$CLIENT_CPU" \
        OUT_DIR="$OUT_DIR" "$BENCH_DIR/run-auth.sh" >&2
}

# --- SQLite ----------------------------------------------------------------
run_sqlite() {
    local dir="$WORK/sqlite"
    log "sqlite: seeding $USERS users into $dir"
    taskset -c "$SERVER_CPU" "$BENCH" seed --users "$USERS" --pool-id "$POOL_ID" \
        --data-dir "$dir" --label sqlite --json-out "$RESULTS"
    local db="$dir/cognate.db"
    local file_bytes=$(( $(stat -c %s "$db") + $( [[ -f "$db-wal" ]] && stat -c %s "$db-wal" || echo 0) ))
    size_record sqlite "database file (cognate.db + wal)" "$file_bytes"
    local users_bytes
    users_bytes="$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'users')")"
    size_record sqlite "users table + its indexes (dbstat)" "$users_bytes"
    local heap_bytes
    heap_bytes="$(sqlite3 "$db" "SELECT sum(pgsize) FROM dbstat WHERE name = 'users'")"
    size_record sqlite "users table only (dbstat)" "$heap_bytes"
    {
        echo; echo "## SQLite: sizes by object (dbstat)"
        sqlite3 -header -column "$db" "SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'users') GROUP BY name ORDER BY bytes DESC"
        echo; echo "# SQLite: EXPLAIN QUERY PLAN of the ListUsers query, and its median time (5 runs)"
        "$BENCH" sqlite-query --db "$db" --version "SELECT 1"
        list_sql prefix '<column>' '<prefix>' '<end>'
        list_sql exact '<column>' '<value>'
        sqlite_plans "$db" ""
    } >>"$PLANS"

    start_server sqlite --data-dir "$dir"
    run_scenarios sqlite
    stop_server sqlite
    auth_at_scale sqlite "$dir" ""

    if [[ "${SQLITE_OPTIMIZE:-1}" == 1 ]]; then
        # Diagnostic: the same database once SQLite has statistics (sqlite_stat1).
        log "sqlite: PRAGMA optimize=0x10002 (gathers statistics), then the scenarios again"
        "$BENCH" sqlite-query --db "$db" --runs 1 "PRAGMA optimize=0x10002"
        {
            echo; echo "# SQLite after PRAGMA optimize=0x10002 (statistics gathered)"
            sqlite_plans "$db" " (after PRAGMA optimize)"
        } >>"$PLANS"
        start_server sqlite-optimized --data-dir "$dir"
        run_scenarios "sqlite, after PRAGMA optimize"
        stop_server "sqlite, after PRAGMA optimize"
    fi
}

# --- PostgreSQL ------------------------------------------------------------
run_postgres() {
    PG_SCHEMA="cognate_bench_${STAMP//-/_}_$$"
    local url="$PG_URL?options=-c%20search_path%3D$PG_SCHEMA"
    local dir="$WORK/postgres"
    psql -q -v ON_ERROR_STOP=1 "$PG_URL" -c "CREATE SCHEMA $PG_SCHEMA"
    log "postgres: seeding $USERS users into schema $PG_SCHEMA"
    taskset -c "$SERVER_CPU" "$BENCH" seed --users "$USERS" --pool-id "$POOL_ID" \
        --data-dir "$dir" --database "$url" --label postgres --json-out "$RESULTS"
    {
        echo; echo "# PostgreSQL before ANALYZE (fresh bulk load, autovacuum may not have run yet)"
        pg_plans "$url" " (before ANALYZE)" "ANALYZE, COSTS OFF"
    } >>"$PLANS" 2>&1
    psql -q -X "$url" -c "ANALYZE users"
    size_record postgres "users table + indexes + TOAST (pg_total_relation_size)" \
        "$(psql -X -A -t "$url" -c "SELECT pg_total_relation_size('users')")"
    size_record postgres "users heap + TOAST only (pg_table_size)" \
        "$(psql -X -A -t "$url" -c "SELECT pg_table_size('users')")"
    size_record postgres "users indexes only (pg_indexes_size)" \
        "$(psql -X -A -t "$url" -c "SELECT pg_indexes_size('users')")"
    {
        echo; echo "## PostgreSQL: sizes by relation"
        psql -X "$url" -c "SELECT c.relname, pg_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '$PG_SCHEMA' AND (c.relname = 'users' OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'users'::regclass)) ORDER BY bytes DESC"
        echo; echo "# PostgreSQL after ANALYZE: custom plans (literal values)"
        pg_plans "$url" " (after ANALYZE)" "ANALYZE, BUFFERS"
        echo; echo "## PostgreSQL (after ANALYZE): generic plan of the prepared prefix statement (what a cached sqlx statement may switch to after 5 runs)"
        psql -X "$url" -c "SET plan_cache_mode = force_generic_plan" \
            -c "PREPARE q(text, text, text, text, text, bigint) AS $(prefix_sql_params email)" \
            -c "EXPLAIN (ANALYZE, BUFFERS) EXECUTE q('$POOL_ID', 'user12', 'user13', '', '', 61)" \
            -c "EXPLAIN (ANALYZE, BUFFERS) EXECUTE q('$POOL_ID', 'nobody', 'nobodz', '', '', 61)"
    } >>"$PLANS" 2>&1

    start_server postgres --data-dir "$dir" --database "$url"
    run_scenarios postgres
    stop_server postgres
    auth_at_scale postgres "$dir" "$url"
    psql -q "$PG_URL" -c "DROP SCHEMA $PG_SCHEMA CASCADE"
    PG_SCHEMA=""
}

log "results: $RESULTS (commit $COMMIT, server $COGNATE_BIN)"
printf '{"kind":"run","commit":"%s","users":%s,"started":"%s","loadavg":"%s"}\n' \
    "$COMMIT" "$USERS" "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS"
log "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for b in $BACKENDS; do
    case "$b" in
        sqlite) run_sqlite ;;
        postgres) run_postgres ;;
        *) log "unknown backend $b"; exit 2 ;;
    esac
done
"$BENCH" report "$RESULTS" >"${RESULTS%.jsonl}.md"
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "${RESULTS%.jsonl}.md"
log "plans: $PLANS"
