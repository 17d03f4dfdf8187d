#!/usr/bin/env bash
# Times canhgac's detect and rsigma (the benchmark peer, its own workspace in
# crates/detect/bench/rsigma-peer) on the same seeded Windows events and the
# same SigmaHQ rules (rules/sigma), one thread each, and prints the ratio.
# Usage: scripts/bench-detect.sh [EVENTS=100000] [SEED=7]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
SEED="${2:-7}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p detect --example gen-events --example hunt-bench
PEER_TARGET="${PEER_TARGET_DIR:-target/rsigma-peer}"
(cd crates/detect/bench/rsigma-peer && CARGO_TARGET_DIR="../../../../$PEER_TARGET" cargo build --release -q)
EVENTS="$(mktemp --suffix=.jsonl)"
trap 'rm -f "$EVENTS"' EXIT
"$CARGO_TARGET_DIR/release/examples/gen-events" "$SEED" "$N" crates/detect/tests/data/sigma-regression > "$EVENTS"
ours="$("$CARGO_TARGET_DIR/release/examples/hunt-bench" "$EVENTS" rules/sigma)"
peer="$("$PEER_TARGET/release/rsigma-peer" "$EVENTS" rules/sigma)"
echo "$ours"
echo "$peer"
eval_of() { sed -n 's/.* eval_s=\([0-9.]*\).*/\1/p' <<<"$1"; }
events_of() { sed -n 's/.* events=\([0-9]*\).*/\1/p' <<<"$1"; }
awk -v a="$(eval_of "$ours")" -v b="$(eval_of "$peer")" -v n="$(events_of "$ours")" 'BEGIN {
  printf "canhgac %.0f events/s, rsigma %.0f events/s: canhgac is %.1fx faster (evaluation only, one thread)\n", n/a, n/b, b/a }'
