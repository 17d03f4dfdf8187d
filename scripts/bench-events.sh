#!/usr/bin/env bash
# Kept events: CPU time of keeping per event (the view built on the
# pipeline's workers; documents, indexing, compression and merges), events
# per CPU-second, bytes on disk per event (tantivy index and zstd document
# store together) and the time of a one-indicator retro-hunt over them.
# CPU figures are read from /proc, so a machine shared with other work
# changes the wall time printed, not them.
#
# Generates EVENTS seeded Windows events (detect's gen-events: Sysmon and
# Security activity, flat NXLog JSON), keeps them as the server does
# (eventstore::view::terms, one index per day over DAYS days) and hunts one
# address that one event holds.
#
# Usage: scripts/bench-events.sh [EVENTS=1000000] [DAYS=1] [SEED=7]
# Writing options to compare (defaults: eventstore::Options::default()):
#   KEEP_ZSTD=1 KEEP_BLOCK_KIB=256 KEEP_WRITER_MIB=128 KEEP_THREADS=1 KEEP_MERGE=8 KEEP_COMMIT=50000
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
DAYS="${2:-1}"
SEED="${3:-7}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p detect --example gen-events
cargo build --release -q -p eventstore --example bench-events
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$CARGO_TARGET_DIR/release/examples/gen-events" "$SEED" "$N" > "$WORK/events.jsonl"
echo "generated $N events: $(du -b "$WORK/events.jsonl" | cut -f1) bytes of JSON lines"
"$CARGO_TARGET_DIR/release/examples/bench-events" "$WORK/events.jsonl" "$WORK/kept" "$DAYS"
du -sh "$WORK/kept"
