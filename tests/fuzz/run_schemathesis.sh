#!/usr/bin/env bash
# Fuzzes the whole HTTP API with schemathesis, driven by the server's own
# OpenAPI document (GET /api/v1/openapi.json), and fails when
#   - any response is a 5xx (not_a_server_error), or
#   - a response does not match the document: its status code, content type,
#     headers or body schema (the *_conformance checks),
# unless that exact failure is listed, with the server bug behind it, in
# tests/fuzz/schemathesis-baseline.json (see "Known failures" below).
#
#   tests/fuzz/run_schemathesis.sh                 # bounded: ~3 minutes
#   MODELREG_FUZZ_MAX_TIME=900 MODELREG_FUZZ_MAX_EXAMPLES=200 tests/fuzz/run_schemathesis.sh
#
# What it does:
#   1. installs schemathesis (pinned) into its own venv, $MODELREG_SCHEMATHESIS_VENV
#      (default target/schemathesis-venv), reused when the pinned version is there;
#   2. starts a fresh modelreg-server ($MODELREG_SERVER_BIN, default
#      target/debug/modelreg-server, built if missing) on a free loopback port
#      with a temporary data dir;
#   3. logs in as the built-in admin (blank password: loopback only) and makes
#      an API token for the run;
#   4. runs every phase (examples, coverage, fuzzing, stateful) against every
#      operation, bounded by --max-examples and --max-time, with the hooks in
#      schemathesis_hooks.py (they keep the fuzzer from locking itself out);
#   5. fails as well if the server log shows a panic or a 5xx.
#
# Nothing is excluded: the binary upload (PUT .../files/{path}) is fuzzed too,
# with generated application/octet-stream bodies.
#
# Known failures. `--baseline` accepts the failures recorded in
# tests/fuzz/schemathesis-baseline.json; each entry's "note" names the server
# bug. A new kind of failure fails the run. When the server is fixed, drop
# the entries that no longer reproduce:
#   MODELREG_FUZZ_BASELINE_ARGS=--baseline-prune tests/fuzz/run_schemathesis.sh
# and to accept new failures (after reporting them!):
#   MODELREG_FUZZ_BASELINE_ARGS=--baseline-update tests/fuzz/run_schemathesis.sh
#
# One worker: with several, Python 3.11's ast module (used by hypothesis to
# describe filters) can fail in threads with "AST constructor recursion depth
# mismatch", an error of the tool and not of the server.
#
# Reports (JUnit XML, JSON, and the console output) go to
# $MODELREG_FUZZ_REPORT_DIR (default target/schemathesis-report).
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

venv="${MODELREG_SCHEMATHESIS_VENV:-$repo_root/target/schemathesis-venv}"
server_bin="${MODELREG_SERVER_BIN:-$repo_root/target/debug/modelreg-server}"
report_dir="${MODELREG_FUZZ_REPORT_DIR:-$repo_root/target/schemathesis-report}"
max_examples="${MODELREG_FUZZ_MAX_EXAMPLES:-25}"
max_time="${MODELREG_FUZZ_MAX_TIME:-150}"
seed="${MODELREG_FUZZ_SEED:-20261127}"
baseline="$repo_root/tests/fuzz/schemathesis-baseline.json"
python_bin="${PYTHON:-python3}"

# ---------------------------------------------------------------- schemathesis
if ! { [ -x "$venv/bin/st" ] && [ "$("$venv/bin/st" --version 2>/dev/null)" = "st, version $SCHEMATHESIS_VERSION" ]; }; then
    echo "run_schemathesis: installing schemathesis==$SCHEMATHESIS_VERSION into $venv" >&2
    [ -x "$venv/bin/python" ] || "$python_bin" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# --------------------------------------------------------------------- server
if [ ! -x "$server_bin" ]; then
    cargo build -p modelreg-server
fi

work=$(mktemp -d /tmp/modelreg-fuzz.XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port=""
for attempt in 1 2 3; do
    port=$(free_port)
    NO_COLOR=1 MODELREG_LOG=info "$server_bin" --bind "127.0.0.1:$port" --data-dir "$work/data" \
        >>"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do
        if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
        if "$venv/bin/python" -c "import sys, urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" 2>/dev/null; then
            break 2
        fi
        sleep 0.1
    done
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
done
if [ -z "$server_pid" ]; then
    echo "run_schemathesis: modelreg-server did not start; its log:" >&2
    tail -n 30 "$work/server.log" >&2
    exit 1
fi
base="http://127.0.0.1:$port"
echo "== schemathesis $SCHEMATHESIS_VERSION against $base (max $max_examples examples per operation, ${max_time}s, seed $seed)"

# An API token of the built-in admin, and the ids the hooks protect.
read -r token token_id admin_id < <("$venv/bin/python" - "$base" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)
session = call("POST", "/api/v1/auth/login", {"username": "admin", "password": ""})
made = call("POST", "/api/v1/tokens", {"name": "schemathesis"}, session["token"])
print(made["token"], made["info"]["id"], session["user"]["id"])
PY
)
if [ -z "${admin_id:-}" ]; then
    echo "run_schemathesis: could not log in as admin and make an API token" >&2
    exit 1
fi

mkdir -p "$report_dir"
rm -f "$report_dir/report.json" "$report_dir/junit.xml" "$report_dir/console.txt"
baseline_args=()
if [ -f "$baseline" ] || [ -n "${MODELREG_FUZZ_BASELINE_ARGS:-}" ]; then
    baseline_args=(--baseline "$baseline")
    # shellcheck disable=SC2206  # a flag such as --baseline-prune or --baseline-update
    baseline_args+=(${MODELREG_FUZZ_BASELINE_ARGS:-})
fi

set +e
PYTHONPATH="$repo_root/tests/fuzz${PYTHONPATH:+:$PYTHONPATH}" \
SCHEMATHESIS_HOOKS=schemathesis_hooks \
MODELREG_FUZZ_PROTECT_USER_IDS="$admin_id" \
MODELREG_FUZZ_PROTECT_TOKEN_IDS="$token_id" \
NO_COLOR=1 \
"$venv/bin/st" run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-examples "$max_examples" \
    --max-time "$max_time" \
    --seed "$seed" \
    --request-timeout 30 \
    --workers 1 \
    --no-color \
    "${baseline_args[@]}" \
    --report junit,json \
    --report-junit-path "$report_dir/junit.xml" \
    --report-json-path "$report_dir/report.json" \
    2>&1 | tee "$report_dir/console.txt"
st_status=${PIPESTATUS[0]}
set -e

cp "$work/server.log" "$report_dir/server.log"
server_status=0
if grep -E "panicked at|modelreg::access: .* 5[0-9][0-9] [0-9.]+ms" "$work/server.log" >/dev/null; then
    echo "run_schemathesis: the server log shows a panic or a 5xx:" >&2
    grep -E "panicked at|modelreg::access: .* 5[0-9][0-9] [0-9.]+ms" "$work/server.log" | head -n 20 >&2
    server_status=1
fi
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run_schemathesis: the server died during the run; its log is in $report_dir/server.log" >&2
    server_status=1
fi
if [ "$st_status" -ne 0 ] || [ "$server_status" -ne 0 ]; then
    echo "run_schemathesis: FAILED (schemathesis exit $st_status); reports in $report_dir" >&2
    exit 1
fi
# A closing count, like other test runners print.
"$venv/bin/python" - "$report_dir/report.json" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))["test_cases"]
print(f"run_schemathesis: passed; reports in {sys.argv[1].rsplit('/', 1)[0]}")
print(f"schemathesis: {cases['generated'] - cases['with_failures']} passed, {cases['with_failures']} failed")
PY
