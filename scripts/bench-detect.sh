#!/usr/bin/env bash
# Times canhgac's detect and rsigma (the benchmark peer, its own workspace in
# crates/detect/bench/rsigma-peer) on the same seeded Windows events and the
# same SigmaHQ rules (rules/sigma), in one run, and prints the ratio.
#
# End to end on both sides: read the JSON lines, parse, normalise, evaluate
# every rule (canhgac also writes each detection as a JSON line). Two
# corpora: EVENTS events, mostly ordinary activity matching no rule with 1 %
# of the regression samples' events mixed in; and the samples' events alone.
# Then canhgac on two threads: on JSON lines, on EVTX, its peak memory and
# its start-up. EVTX twice: EVTX_RECORDS records in full chunks built by the
# gen-evtx example from the samples (each chunk one sample's record and its
# copies, as Windows writes a log: about 50 records a chunk), which is what
# reading an exported log costs; and the samples' own .evtx files read
# EVTX_REPEAT times (one record a file: the evtx crate's per-file work).
#
# Usage: scripts/bench-detect.sh [EVENTS=200000] [SEED=7] [EVTX_REPEAT=100]
# Environment: EVTX_RECORDS (default 200000).
# (1000000 events is the issue's corpus size; rsigma needs minutes per
# 100 000 events on a busy machine, so the default is smaller.)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200000}"
SEED="${2:-7}"
EVTX_REPEAT="${3:-100}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p detect --example gen-events --example hunt-bench --example gen-evtx
PEER_TARGET="${PEER_TARGET_DIR:-$CARGO_TARGET_DIR/rsigma-peer}"
case "$PEER_TARGET" in /*) ;; *) PEER_TARGET="$PWD/$PEER_TARGET" ;; esac
(cd crates/detect/bench/rsigma-peer && CARGO_TARGET_DIR="$PEER_TARGET" cargo build --release -q)
GEN="$CARGO_TARGET_DIR/release/examples/gen-events"
OURS="$CARGO_TARGET_DIR/release/examples/hunt-bench"
PEER="$PEER_TARGET/release/rsigma-peer"
SAMPLES=crates/detect/tests/data/sigma-regression
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$GEN" "$SEED" "$N" "$SAMPLES" > "$WORK/mixed.jsonl"
SAMPLES_ONLY=1 "$GEN" "$SEED" $((N / 10)) "$SAMPLES" > "$WORK/samples.jsonl"

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
compare() { # name file
  local ours peer
  ours="$(/usr/bin/time -f 'peak_rss_kib=%M' -o "$WORK/time" "$OURS" "$2" rules/sigma)"
  ours="$ours $(cat "$WORK/time")"
  peer="$("$PEER" "$2" rules/sigma)"
  echo "$ours"
  echo "$peer"
  awk -v name="$1" -v n="$(field events "$ours")" \
    -v a="$(field e2e_s "$ours")" -v ac="$(field e2e_cpu_s "$ours")" \
    -v b="$(field parse_eval_s "$peer")" -v bc="$(field parse_eval_cpu_s "$peer")" 'BEGIN {
    printf "%s: canhgac %.0f events/s (%.0f per CPU second), rsigma %.0f events/s (%.0f per CPU second): canhgac is %.1fx faster (%.1fx per CPU second), end to end, one thread\n",
      name, n/a, (ac > 0 ? n/ac : 0), n/b, (bc > 0 ? n/bc : 0), b/a, (ac > 0 && bc > 0 ? bc/ac : 0) }'
}
compare "mixed ($N events)" "$WORK/mixed.jsonl"
compare "samples only ($((N / 10)) events)" "$WORK/samples.jsonl"

two="$(DETECT_THREADS=2 "$OURS" "$WORK/mixed.jsonl" rules/sigma)"
echo "$two"
awk -v n="$(field events "$two")" -v a="$(field e2e_s "$two")" 'BEGIN {
  printf "canhgac JSON lines, 2 worker threads: %.0f events/s end to end\n", n/a }'
"$CARGO_TARGET_DIR/release/examples/gen-evtx" "$SAMPLES" "${EVTX_RECORDS:-200000}" "$WORK/evtx" 2 >&2
packed="$(DETECT_THREADS=2 /usr/bin/time -f 'peak_rss_kib=%M' -o "$WORK/time" "$OURS" "$WORK/evtx" rules/sigma)"
packed="$packed $(cat "$WORK/time")"
echo "$packed"
awk -v n="$(field events "$packed")" -v a="$(field e2e_s "$packed")" -v c="$(field e2e_cpu_s "$packed")" 'BEGIN {
  printf "canhgac EVTX (full chunks), 2 threads: %.0f events/s end to end (%.0f per CPU second)\n", n/a, (c > 0 ? n/c : 0) }'
evtx="$(DETECT_THREADS=2 DETECT_EVTX_REPEAT="$EVTX_REPEAT" "$OURS" "$SAMPLES" rules/sigma)"
echo "$evtx"
awk -v n="$(field events "$evtx")" -v a="$(field e2e_s "$evtx")" -v r="$EVTX_REPEAT" 'BEGIN {
  printf "canhgac EVTX (the samples'"'"' .evtx files x %d), 2 threads: %.0f events/s end to end\n", r, n/a }'
echo "start-up with all rules compiled: $(field load_s "$two") s"
