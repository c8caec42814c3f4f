#!/usr/bin/env bash
# Runs every test Kith has: checks (types, lint, format), unit tests, then end-to-end tests in
# real Chromium. Installs what a fresh Debian/Ubuntu machine lacks when run as root; otherwise says
# exactly what is missing. Ends with one plain line: "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${KITH_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $CHROMIUM ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "== installing Debian's chromium (missing at $CHROMIUM)"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  else
    echo "error: the end-to-end tests need Chromium at $CHROMIUM." >&2
    echo "  On Debian/Ubuntu run as root: apt-get update && apt-get install -y chromium" >&2
    echo "  Or point KITH_CHROMIUM at a Chromium/Chrome binary." >&2
    exit 1
  fi
fi
# The signaling tests run real redis-server processes (signaling across processes, issue 30).
REDIS_SERVER=/usr/bin/redis-server
if [[ ! -x $REDIS_SERVER ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "== installing Debian's redis-server (missing at $REDIS_SERVER)"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server
  else
    echo "error: the signaling tests need redis-server at $REDIS_SERVER." >&2
    echo "  On Debian/Ubuntu run as root: apt-get update && apt-get install -y redis-server" >&2
    exit 1
  fi
fi
for tool in unshare ip; do
  command -v "$tool" >/dev/null ||
    echo "note: '$tool' is missing (Debian: util-linux, iproute2); WebRTC e2e tests need a private network namespace." >&2
done

results=.tmp/results
rm -rf "$results"
mkdir -p "$results"

# Each phase says how long it took: the whole suite must stay well under 20 minutes (docs/testing.md).
phase_start=$SECONDS
took() { echo "== $1 took $((SECONDS - phase_start)) s"; phase_start=$SECONDS; }

# The checks run beside the unit tests: the unit run leaves about a third of the two cores idle
# (tests that wait on timers, sockets and child processes), which the checks fill (3.1 minutes
# for both instead of 4.1 one after the other, docs/testing.md). Their output follows the units'.
echo "== checks (types, lint, format) beside the unit tests"
check_status=0
npm run --silent check >"$results/checks.log" 2>&1 &
check_pid=$!
unit_status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/unit.json" || unit_status=$?
wait "$check_pid" || check_status=$?
echo "== checks: types, lint, format"
cat "$results/checks.log"
[[ $check_status == 0 ]] || echo "== the checks failed (status $check_status)"
took "checks and unit tests"

echo "== end-to-end tests (real Chromium)"
e2e_status=0
KITH_E2E_JSON="$results/e2e.json" npm run --silent test:e2e || e2e_status=$?
took "end-to-end tests (with the build)"

node scripts/summarize-results.mjs "$results/unit.json" "$results/e2e.net.json" "$results/e2e.side.json" "$results/e2e.alone.json"
[[ $check_status == 0 && $unit_status == 0 && $e2e_status == 0 ]]
