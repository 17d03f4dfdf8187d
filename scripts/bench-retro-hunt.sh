#!/usr/bin/env bash
# Retro-hunt over many kept events: fills an event store with EVENTS events
# over DAYS days directly through the eventstore crate (copies of 100 000
# seeded gen-events Windows events, each with its own address and time),
# then times a one-indicator retro-hunt for an address, a domain and a hash
# (each held by one planted event) and for a domain about 1 % of the events
# hold, as app::events runs it (candidates by term, each decoded and checked
# by detect's indicator scanner; the alerts' storing is not included). Prints
# the filling's CPU seconds and bytes per event too.
#
# Usage: scripts/bench-retro-hunt.sh [EVENTS=10000000] [DAYS=10] [DIR]
# With DIR (kept afterwards) an already filled store is only hunted again.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000000}"
DAYS="${2:-10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p detect --example gen-events
cargo build --release -q -p eventstore --example retro-hunt
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DIR="${3:-$WORK/kept}"
"$CARGO_TARGET_DIR/release/examples/gen-events" 7 100000 > "$WORK/templates.jsonl"
"$CARGO_TARGET_DIR/release/examples/retro-hunt" "$WORK/templates.jsonl" "$DIR" "$N" "$DAYS"
du -sh "$DIR"
