#!/usr/bin/env bash
# Registry benchmarks (issue: foundation). Prints figures; asserts nothing.
#  1. Import 100 000 generated assets from CSV into the embedded SQLite database.
#  2. List systems and assets with filters over those 100 k assets: wrk, 50
#     concurrent connections, latency percentiles.
#  3. Console pages (server-rendered HTML) over the same data, signed in.
# Usage: scripts/bench-registry.sh [ROWS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-100000}
SECS=${2:-15}
PORT=${PORT:-18080}

if ! command -v wrk >/dev/null || ! command -v bc >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk bc
fi
cargo build --release -q --bin canhgac
cargo build --release -q -p demo --example gen-assets
BIN=target/release/canhgac
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
SERVER=

"$BIN" --data-dir "$WORK/db" demo > "$WORK/demo.txt"
target/release/examples/gen-assets "$ROWS" > "$WORK/assets.csv"
echo "== import $ROWS assets from CSV into SQLite ($(du -h "$WORK/assets.csv" | cut -f1))"
start=$(date +%s.%N)
"$BIN" --data-dir "$WORK/db" import assets "$WORK/assets.csv"
end=$(date +%s.%N)
echo "import took $(echo "$end - $start" | bc) s (goal: <= 10 s)"

COORD=$("$BIN" --data-dir "$WORK/db" token create --name bench --org SKHCN --role coordinator 2>/dev/null | grep '^cgt_')
OFFICER=$("$BIN" --data-dir "$WORK/db" token create --name bench --org STC --role officer 2>/dev/null | grep '^cgt_')
CANHGAC_LOG=warn "$BIN" --data-dir "$WORK/db" serve --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

run() {
  local name=$1 token=$2 path=$3
  echo "== $name: GET $path (50 connections, ${SECS}s)"
  wrk -t2 -c50 -d"${SECS}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT$path" \
    | grep -E 'Requests/sec|50%|90%|99%|Non-2xx|Socket errors'
}
run "systems, coordinator, filtered" "$COORD" "/api/v1/systems?min_level=2&internet_facing=true&limit=50"
run "systems, agency officer (scoped)" "$OFFICER" "/api/v1/systems?limit=50"
run "assets of one system, coordinator" "$COORD" "/api/v1/assets?system_id=3&limit=50"
run "assets by host name search, coordinator" "$COORD" "/api/v1/assets?q=web&limit=50"

# Console pages need a session: sign in as the demo coordinator.
PASS=$(awk '$1 == "skhcn.admin" {print $2}' "$WORK/demo.txt")
SESSION=$(curl -sf -H 'content-type: application/json' \
  -d "{\"username\":\"skhcn.admin\",\"password\":\"$PASS\"}" \
  "http://127.0.0.1:$PORT/api/v1/auth/login" | sed -E 's/.*"session_token":"([^"]+)".*/\1/')
page() {
  local path=$1
  echo "== page $path (50 connections, ${SECS}s)"
  wrk -t2 -c50 -d"${SECS}s" --latency -H "Cookie: canhgac_session=$SESSION" "http://127.0.0.1:$PORT$path" \
    | grep -E 'Requests/sec|50%|90%|99%|Non-2xx|Socket errors'
  echo "   one connection at a time (render time):"
  wrk -t1 -c1 -d5s --latency -H "Cookie: canhgac_session=$SESSION" "http://127.0.0.1:$PORT$path" | grep -E '50%|99%'

}
page "/dashboard"
page "/systems?level=3"
page "/assets?system_id=3"
page "/systems/3"
