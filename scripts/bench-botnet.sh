#!/usr/bin/env bash
# Botnet-list speed (issue: botnet lists). Prints figures; asserts nothing.
#  1. On one generated list (seeded, 1 M lines by default) and the same
#     prefixes, in one run, best of $RUNS each:
#       - grepcidr (Debian package) filtering the list against the prefixes;
#       - netmatch's count-owners example parsing the list, naming every
#         address's owner and counting per owner (what canhgac does);
#     then the ratio count-owners / grepcidr (goal: <= 1).
#  2. If the canhgac binary has `botnet import`: importing the same list into
#     a fresh SQLite folder seeded with the demo province (goal: <= 5 s).
# Usage: scripts/bench-botnet.sh [LINES] [SEED]
# Environment: DATA (default ../shared/data, its prefixes/ holds the prefix
# lists), RUNS (default 5), THREADS (count-owners --threads, default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
SEED=${2:-2025}
DATA=${DATA:-../shared/data}
PREFIXES=$DATA/prefixes
RUNS=${RUNS:-5}
THREADS=${THREADS:-1}

if ! command -v grepcidr >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "grepcidr is missing; run as root or: apt-get install grepcidr" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq grepcidr >/dev/null
fi
if ! ls "$PREFIXES"/*.txt >/dev/null 2>&1; then
  echo "no prefix lists (*.txt) in $PREFIXES; set DATA" >&2
  exit 1
fi

cargo build --release -q -p netmatch --examples
BUILT=1
cargo build --release -q --bin canhgac || {
  BUILT=0
  echo "(canhgac did not build; its import is not measured)" >&2
}
EX=target/release/examples
BIN=target/release/canhgac
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The same prefixes for both: the prefix lists and the agency blocks (which
# lie inside them, so they change what grepcidr keeps not at all).
"$EX/gen-botnet-list" --print-blocks >"$WORK/agencies.csv"
"$EX/gen-botnet-list" --lines "$LINES" --seed "$SEED" --prefixes "$PREFIXES" \
  --blocks "$WORK/agencies.csv" --out "$WORK/list.txt"
cat "$PREFIXES"/*.txt >"$WORK/prefixes.txt"
tail -n +2 "$WORK/agencies.csv" | cut -d, -f1 >>"$WORK/prefixes.txt"

GREP=(grepcidr -f "$WORK/prefixes.txt" "$WORK/list.txt")
COUNT=("$EX/count-owners" --threads "$THREADS" --blocks "$WORK/agencies.csv" "$WORK/list.txt" "$PREFIXES")

echo "== list: $(wc -l <"$WORK/list.txt") lines, $(du -h "$WORK/list.txt" | cut -f1), seed $SEED;" \
  "prefixes: $(grep -cv '^#' "$WORK/prefixes.txt") lines from $PREFIXES and the agency blocks"
echo "grepcidr keeps $("${GREP[@]}" | wc -l) lines"
echo "count-owners says:"
"${COUNT[@]}" | tail -n 2 | sed 's/^/  /'

# Best (shortest) wall time of $RUNS runs of "$@", output discarded, in s.
best_of() {
  local best="" start end t
  "$@" >/dev/null # warm-up
  for _ in $(seq 1 "$RUNS"); do
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')
    if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
      best=$t
    fi
  done
  echo "$best"
}

if command -v hyperfine >/dev/null; then
  how="hyperfine, min of $RUNS runs"
  hyperfine -N --style none --warmup 1 --runs "$RUNS" --export-csv "$WORK/times.csv" \
    "${GREP[*]}" "${COUNT[*]}" >/dev/null
  # command,mean,stddev,median,user,system,min,max
  t_grep=$(awk -F, 'NR == 2 { printf "%.4f", $7 }' "$WORK/times.csv")
  t_count=$(awk -F, 'NR == 3 { printf "%.4f", $7 }' "$WORK/times.csv")
else
  how="date +%s.%N, best of $RUNS runs"
  t_grep=$(best_of "${GREP[@]}")
  t_count=$(best_of "${COUNT[@]}")
fi
echo "== parse + match + count, $LINES lines ($how)"
echo "grepcidr (filter only):          $t_grep s"
echo "netmatch count-owners (threads $THREADS): $t_count s"
awk -v c="$t_count" -v g="$t_grep" \
  'BEGIN { printf "ratio canhgac/grepcidr: %.2f (goal: <= 1)\n", c / g }'

if [ "$BUILT" = 1 ] && "$BIN" botnet import --help >/dev/null 2>&1; then
  echo "== canhgac botnet import, $LINES lines, fresh SQLite folder"
  "$BIN" --data-dir "$WORK/db" demo >/dev/null
  start=$(date +%s.%N)
  status=0
  "$BIN" --data-dir "$WORK/db" botnet import "$WORK/list.txt" \
    --source national --period 2025-01 --keep-valid >"$WORK/import.out" 2>"$WORK/import.err" ||
    status=$?
  end=$(date +%s.%N)
  head -n 1 "$WORK/import.out"
  if [ "$status" -ne 0 ]; then
    echo "import failed (exit $status):"
    tail -n 3 "$WORK/import.err"
  fi
  awk -v a="$start" -v b="$end" 'BEGIN { printf "import took %.2f s (goal: <= 5 s)\n", b - a }'
else
  echo "== canhgac botnet import: not in this build of $BIN; skipped"
fi
