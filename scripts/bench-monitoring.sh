#!/usr/bin/env bash
# Monitoring pipeline throughput, keeping and receipt-to-alert latency: a
# release `canhgac serve --rules rules/sigma` on a fresh SQLite data dir
# (events kept, the default `--keep-events-days 30`), fed seeded Windows JSON
# events (detect's `gen-events` example, 1 % SigmaHQ regression samples):
#
#  1. HTTP bulk (POST /api/v1/events, NDJSON, 5 000 lines a request, 429 +
#     Retry-After honoured), as fast as the server takes them;
#  2. syslog TCP (newline framing, JSON payloads), as fast as it reads;
#  3. HTTP bulk paced at RATE events/s for SECONDS seconds (the latency
#     figure: below capacity, so queues stay short).
#
# For each phase it prints events/s sustained (from the first send until the
# sensor's evaluated-event counter reaches what was accepted), events lost
# (accepted vs evaluated), when keeping caught up (the phase's last event
# found by GET /api/v1/events) and events dropped from keeping (the server's
# log), the server's CPU seconds and events per CPU-second, and the load
# average (the machine may be shared: wall-clock rates then say little, CPU
# time more). Latency: one marker event in each request (and every 5 000
# TCP lines) fires SigmaHQ's mimikatz rule on a host of its own and carries
# its send time; a poller reads GET /api/v1/alerts every 100 ms. It prints
# p50/p99/max of send → alert visible through the API (poller's clock, 100 ms
# resolution), and of the alert's stored times: first_seen (receipt) →
# updated_at (stored).
#
#   scripts/bench-monitoring.sh [EVENTS=200000] [SEED=7]
#   RATE=50000 PACED_SECS=20 (phase 3; PACED_SECS=0 skips it)
#   KEEP_DAYS=0: events not kept (compare the CPU per event with and without)
#   BIN=path/to/canhgac: that binary, not built (compare two builds)
#
# Per phase it also prints the server's CPU per event by thread (detection
# workers, the keeper, tantivy's indexer, the async runtime that receives,
# parses and stores alerts), read from /proc.
#
# Needs python3 (standard library only) for the load generator.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
SEED=${2:-7}
RATE=${RATE:-50000}
KEEP_DAYS=${KEEP_DAYS:-30}   # KEEP_DAYS=0: nothing kept (the pipeline's cost alone)
SECS=${PACED_SECS:-20}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
PROFILE=${PROFILE:-release}   # PROFILE=debug: a quick check of the script itself
FLAG=$([ "$PROFILE" = release ] && echo --release || true)
# Two builds: naming an example limits a build to it, so the binary is asked for apart.
# BIN=PATH runs that binary instead of building one (a copy kept to compare with).
[ -n "${BIN:-}" ] || cargo build $FLAG -q -p canhgac --bin canhgac
cargo build $FLAG -q -p detect --example gen-events
BIN=${BIN:-$CARGO_TARGET_DIR/$PROFILE/canhgac}
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
    --syslog-tcp "127.0.0.1:$TCP_PORT" --keep-events-days "$KEEP_DAYS" > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/api/v1/openapi.json" > /dev/null && break
    sleep 0.5
done
echo "machine: $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$HTTP_PORT" "$TCP_PORT" "$ADMIN" "$WORK/events.jsonl" "$SERVER" "$WORK/serve.log" "$RATE" "$SECS" "$KEEP_DAYS" <<'PY'
import json, os, re, socket, sys, threading, time, urllib.parse, urllib.request, urllib.error
from datetime import datetime
http_port, tcp_port, admin, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
server_pid, log_path, rate, secs = int(sys.argv[5]), sys.argv[6], int(sys.argv[7]), int(sys.argv[8])
keep_days = int(sys.argv[9])
base = f"http://127.0.0.1:{http_port}/api/v1"
TICK = os.sysconf("SC_CLK_TCK")

def call(method, url, token, body=None, ctype="application/json"):
    req = urllib.request.Request(base + url, data=body, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, json.loads(r.read() or b"null"), r.headers
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), e.headers

def server_cpu():
    f = open(f"/proc/{server_pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK

def threads_cpu():
    """CPU seconds of the server's threads, by name without its number
    (detect-0 and detect-1 are "detect"; tokio's workers, tantivy's indexers)."""
    out = {}
    for tid in os.listdir(f"/proc/{server_pid}/task"):
        try:
            name = open(f"/proc/{server_pid}/task/{tid}/comm").read().strip()
            f = open(f"/proc/{server_pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = re.sub(r"[-_ ]?\d+$", "", name) or "?"
        out[name] = out.get(name, 0.0) + (int(f[11]) + int(f[12])) / TICK
    return out

PHASES = {"detect": "detection workers (event read, kept view, Sigma and indicator scan)",
          "events-keeper": "keeper (tantivy documents)", "tokio-rt-worker": "async (HTTP and syslog receipt, parsing, storing alerts)",
          "thrd-tantivy-index": "tantivy indexing"}

def cpu_by_thread(before, events):
    after = threads_cpu()
    rows = sorted(((after[k] - before.get(k, 0.0), k) for k in after), reverse=True)
    parts = [f"{k} {1e6 * d / events:.1f}" for d, k in rows if d >= 0.05]
    rest = sum(d for d, _ in rows if d < 0.05)
    parts += [f"others {1e6 * rest / events:.1f}"] if rest > 0 else []
    print(f"  CPU per event by thread, µs: {', '.join(parts)}")
    for d, k in rows:
        if k in PHASES and d >= 0.05:
            print(f"    {k}: {PHASES[k]}")

def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])

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

# ------------------------------------------------------------ latency markers
sent = {}        # marker host -> send time (time.time())
visible = {}     # marker host -> first time the poller saw its alert
stored = {}      # marker host -> (first_seen, updated_at) of its alert
lock = threading.Lock()
stop = threading.Event()
counter = [0]

def marker(phase):
    """A process creation that fires SigmaHQ's mimikatz rule, on a host of its own."""
    counter[0] += 1
    host = f"LAT-{phase}-{counter[0]:06d}"
    now = time.time()
    with lock:
        sent[host] = now
    ev = {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
          "Provider_Name": "Microsoft-Windows-Sysmon", "Computer": host,
          "Image": "C:\\Users\\Public\\m.exe", "User": "SONHA\\bench",
          "CommandLine": "m.exe \"sekurlsa::logonpasswords\" exit", "BenchSentAt": now}
    return host, json.dumps(ev).encode()

def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()

def poll():
    """New alerts, newest first, by pages of 50 down to the newest already
    seen (the server's CPU figures include this polling: keep it light)."""
    newest = 0
    while not stop.is_set():
        time.sleep(0.1)
        before, top = None, None
        while True:
            q = "/alerts?limit=50" + (f"&before_id={before}" if before else "")
            s, page, _ = call("GET", q, admin)
            if s != 200:
                break
            items = page.get("items", [])
            now = time.time()
            done = False
            for a in items:
                if a["id"] <= newest:
                    done = True
                    break
                top = max(top or 0, a["id"])
                h = a.get("host") or ""
                if h.startswith("LAT-"):
                    with lock:
                        if h not in visible:
                            visible[h] = now
                            stored[h] = (ts(a["first_seen"]), ts(a["updated_at"]))
            if done or not page.get("next"):
                break
            before = page["next"]
        if top:
            newest = max(newest, top)

poller = threading.Thread(target=poll, daemon=True)
poller.start()

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")

def latency(phase):
    deadline = time.time() + 30
    while time.time() < deadline:
        with lock:
            hosts = [h for h in sent if h.startswith(f"LAT-{phase}-")]
            if all(h in visible for h in hosts):
                break
        time.sleep(0.2)
    with lock:
        hosts = [h for h in sent if h.startswith(f"LAT-{phase}-")]
        seen = [visible[h] - sent[h] for h in hosts if h in visible]
        proc = [stored[h][1] - stored[h][0] for h in hosts if h in stored]
        recv = [stored[h][0] - sent[h] for h in hosts if h in stored]
    if not seen:
        print(f"  latency: no marker alert seen ({len(hosts)} sent)")
        return
    print(f"  latency, send -> alert visible in the API: p50 {pct(seen, 50):.2f} s, p99 {pct(seen, 99):.2f} s, "
          f"max {max(seen):.2f} s ({len(seen)} of {len(hosts)} markers seen)")
    print(f"  stored times: send -> receipt (first_seen) p50 {pct(recv, 50):.2f} s, p99 {pct(recv, 99):.2f} s; "
          f"receipt -> stored (updated_at) p50 {pct(proc, 50):.2f} s, p99 {pct(proc, 99):.2f} s")

# ------------------------------------------------------------------ keeping
def dropped_from_keeping():
    n = 0
    for line in open(log_path, errors="replace"):
        if "keeping queue full" in line:
            m = re.search(r"events=(\d+)", line)
            n += int(m.group(1)) if m else 0
    return n

def kept_by(host, t0):
    """Seconds from t0 until the event on `host` is found among the kept events."""
    if keep_days == 0:
        return None
    deadline = time.time() + 300
    while time.time() < deadline:
        s, found, _ = call("GET", "/events?" + urllib.parse.urlencode({"host": host, "limit": 1}), admin)
        if s == 200 and found:
            return time.time() - t0
        time.sleep(0.2)
    return None

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

def report(name, events, n_eval, dt, cpu0, last_host, t0, lost, threads0):
    kept = kept_by(last_host, t0)
    cpu = server_cpu() - cpu0
    kept_text = (f"{events / kept:.0f} events/s kept (all searchable {kept:.1f} s after the first send)" if kept
                 else "nothing kept (KEEP_DAYS=0)" if keep_days == 0 else "last event not found among kept events")
    print(f"{name}: {events} events evaluated in {dt:.1f} s = {events / dt:.0f} events/s sustained; lost: {lost}")
    print(f"  keeping: {kept_text}; dropped from keeping so far: {dropped_from_keeping()}")
    print(f"  server CPU: {cpu:.1f} s = {events / cpu:.0f} events per CPU-second "
          f"(detection, alerts and keeping, until the last event is kept); load average now: {loadavg()}")
    cpu_by_thread(threads0, events)
    latency(name.split()[0])

# ------------------------------------------------- 1. HTTP bulk, flat out
base_count = 0
t0 = time.time(); cpu0 = server_cpu(); th0 = threads_cpu(); accepted = 0; refused = 0; last = None
for i in range(0, len(lines), 5000):
    chunk = lines[i:i + 5000]
    while True:
        last, m = marker("http")
        body = b"\n".join(chunk + [m]) + b"\n"
        s, r, h = call("POST", "/events", token, body, "application/x-ndjson")
        if s == 429:
            refused += 1
            with lock:
                sent.pop(last, None)
            time.sleep(float(h.get("Retry-After", "1")))
            continue
        assert s == 202, (s, r)
        accepted += r["accepted"]
        break
n, dt = settle(accepted, t0)
print(f"(HTTP: {len(lines)} lines sent with {counter[0]} markers; 429 answers: {refused})")
report("http bulk", n, n, dt, cpu0, last, t0, accepted - n, th0)

# ---------------------------------------------------- 2. syslog TCP, flat out
base_count = n
t0 = time.time(); cpu0 = server_cpu(); th0 = threads_cpu(); markers = 0
with socket.create_connection(("127.0.0.1", tcp_port)) as c:
    for i in range(0, len(lines), 5000):
        last, m = marker("tcp")
        markers += 1
        c.sendall(b"\n".join(lines[i:i + 5000] + [m]) + b"\n")
total = len(lines) + markers
n, dt = settle(base_count + total, t0)
report("tcp syslog", n - base_count, n - base_count, dt, cpu0, last, t0, total - (n - base_count), th0)

# ----------------------------------------------- 3. HTTP bulk, paced (latency)
if secs > 0:
    base_count = n
    per_req = 5000
    interval = per_req / rate
    # The bodies built beforehand (each request adds its marker): the
    # generator shares the machine with the server, so it does little per request.
    bodies = [b"\n".join(lines[i:i + per_req - 1]) + b"\n" for i in range(0, len(lines), per_req - 1)]
    t0 = time.time(); cpu0 = server_cpu(); th0 = threads_cpu(); accepted = 0; refused = 0; k = 0
    while time.time() - t0 < secs:
        due = t0 + k * interval
        if time.time() < due:
            time.sleep(due - time.time())
        last, m = marker("paced")
        s, r, h = call("POST", "/events", token, bodies[k % len(bodies)] + m + b"\n", "application/x-ndjson")
        if s == 429:
            refused += 1
            with lock:
                sent.pop(last, None)
        else:
            accepted += r["accepted"]
        k += 1
    offered = time.time() - t0
    n, dt = settle(base_count + accepted, t0)
    print(f"(paced at {rate} events/s for {offered:.0f} s: {accepted} accepted, 429 answers: {refused}; "
          f"{accepted / offered:.0f} events/s offered)")
    report("paced http", n - base_count, n - base_count, dt, cpu0, last, t0, accepted - (n - base_count), th0)
stop.set()
s, alerts, _ = call("GET", "/alerts?limit=500", admin)
print(f"alerts (first page): {len(alerts.get('items', []))}")
PY
