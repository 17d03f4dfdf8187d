#!/usr/bin/env bash
# Monitoring pipeline throughput: a release `canhgac serve --rules rules/sigma`
# on a fresh SQLite data dir, fed seeded Windows JSON events (detect's
# `gen-events` example, 1 % SigmaHQ regression samples) first over HTTP bulk
# (POST /api/v1/events, NDJSON, 429 + Retry-After honoured), then over syslog
# TCP (newline framing, JSON payloads). Prints events/s sustained for each path
# (from the first send until the sensor's evaluated-event counter reaches what
# was accepted) and whether any event was lost (accepted vs evaluated).
#
#   scripts/bench-monitoring.sh [EVENTS=200000] [SEED=7]
#
# Needs python3 (standard library only) for the load generator.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
SEED=${2:-7}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
PROFILE=${PROFILE:-release}   # PROFILE=debug: a quick check of the script itself
FLAG=$([ "$PROFILE" = release ] && echo --release || true)
# Two builds: naming an example limits a build to it, so the binary is asked for apart.
cargo build $FLAG -q -p canhgac --bin canhgac
cargo build $FLAG -q -p detect --example gen-events
BIN=$CARGO_TARGET_DIR/$PROFILE/canhgac
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

SAMPLES=crates/detect/tests/data/sigma-regression
"$CARGO_TARGET_DIR/$PROFILE/examples/gen-events" "$SEED" "$N" "$SAMPLES" > "$WORK/events.jsonl"

HTTP_PORT=$((20000 + RANDOM % 10000))
TCP_PORT=$((HTTP_PORT + 1))
ADMIN=$("$BIN" --data-dir "$WORK/data" token create --name bench --org SKHCN --role coordinator 2>/dev/null | awk 'NF {last=$NF} END {print last}')
[ -n "$ADMIN" ] || { echo "could not create the coordinator's token with $BIN" >&2; exit 1; }
"$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$HTTP_PORT" --rules rules/sigma \
    --syslog-tcp "127.0.0.1:$TCP_PORT" > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/api/v1/openapi.json" > /dev/null && break
    sleep 0.5
done

python3 - "$HTTP_PORT" "$TCP_PORT" "$ADMIN" "$WORK/events.jsonl" <<'PY'
import json, socket, sys, time, urllib.request, urllib.error
http_port, tcp_port, admin, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
base = f"http://127.0.0.1:{http_port}/api/v1"

def call(method, url, token, body=None, ctype="application/json"):
    req = urllib.request.Request(base + url, data=body, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, json.loads(r.read() or b"null"), r.headers
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), e.headers

def find_org(v):
    if isinstance(v, dict):
        if v.get("short_name") == "SKHCN" and "id" in v:
            return v["id"]
        v = list(v.values())
    if isinstance(v, list):
        for x in v:
            r = find_org(x)
            if r is not None:
                return r
    return None

s, orgs, _ = call("GET", "/orgs?q=SKHCN", admin)
org = find_org(orgs)
s, sensor, _ = call("POST", "/sensors", admin,
                    json.dumps({"org_id": org, "name": "bench", "source_addrs": ["127.0.0.1"]}).encode())
assert s == 201, (s, sensor)
sid, token = sensor["id"], sensor["secret"]
lines = open(path, "rb").read().splitlines()

def evaluated():
    return call("GET", f"/sensors/{sid}", admin)[1]["events"]

def settle(target, t0):
    last, still = -1, time.time()
    while True:
        n = evaluated()
        if n >= target:
            return n, time.time() - t0
        if n != last:
            last, still = n, time.time()
        elif time.time() - still > 30:
            return n, time.time() - t0
        time.sleep(0.2)

# HTTP bulk, 5000 lines a request.
t0 = time.time(); accepted = 0; refused = 0
for i in range(0, len(lines), 5000):
    body = b"\n".join(lines[i:i + 5000]) + b"\n"
    while True:
        s, r, h = call("POST", "/events", token, body, "application/x-ndjson")
        if s == 429:
            refused += 1
            time.sleep(float(h.get("Retry-After", "1")))
            continue
        assert s == 202, (s, r)
        accepted += r["accepted"]
        break
n, dt = settle(accepted, t0)
print(f"HTTP bulk: {len(lines)} sent, {accepted} accepted, {n} evaluated in {dt:.1f} s = "
      f"{n / dt:.0f} events/s sustained; 429 answers: {refused}; lost: {accepted - n}")

# Syslog TCP, newline framing, the same events as JSON payloads.
base_count = n
t0 = time.time()
with socket.create_connection(("127.0.0.1", tcp_port)) as c:
    for i in range(0, len(lines), 5000):
        c.sendall(b"\n".join(lines[i:i + 5000]) + b"\n")
n, dt = settle(base_count + len(lines), t0)
print(f"syslog TCP: {len(lines)} sent, {n - base_count} evaluated in {dt:.1f} s = "
      f"{(n - base_count) / dt:.0f} events/s sustained; lost: {len(lines) - (n - base_count)}")
s, alerts, _ = call("GET", "/alerts?limit=1000", admin)
print(f"alerts (first page): {len(alerts) if isinstance(alerts, list) else len(alerts.get('items', alerts))}")
PY
