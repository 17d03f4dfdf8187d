#!/usr/bin/env bash
# Vulnerability matching at scale (issue: bulk matching). Prints figures;
# asserts nothing.
#  1. Builds vulnmatch's examples in release and, unless DIR already holds
#     one, generates a seeded dataset with gen-feed: RECORDS CVE records
#     (NVD 2.0 pages, CVE JSON 5 for half of them) and an inventory of
#     ITEMS installed products over about ASSETS assets.
#  2. Runs the scale example under /usr/bin/time -v: reading and merging
#     every feed file and building the VulnIndex (goal: <= 30 s and a peak
#     resident size <= 2 GiB by then), then matching the whole inventory on
#     1 and THREADS threads (goal: <= 2 s on THREADS threads), and with the
#     "cannot be evaluated" list unless FULL=0.
# Usage: scripts/bench-vulns.sh [DIR]
# DIR (or the environment's DIR) keeps the dataset between runs; without
# one, it is generated in a temporary folder and removed afterwards.
# Environment: RECORDS (default 300000), ITEMS (1000000), ASSETS (100000),
# SEED (42), THREADS (scale --threads, default 2), FULL (default 1),
# REPEAT (scale --repeat: each matching timed this many times, default 3),
# PRODUCT (1: also import the feed and match with the canhgac binary),
# ENGINE (0: skip step 2, e.g. to time only the product with PRODUCT=1),
# PRODUCT_DIR (with PRODUCT=1: keeps the imported database, before any
# matching, between runs; when it holds one, the demo and both imports are
# skipped and each run matches a copy of it).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-300000}
ITEMS=${ITEMS:-1000000}
ASSETS=${ASSETS:-100000}
SEED=${SEED:-42}
THREADS=${THREADS:-2}
FULL=${FULL:-1}
REPEAT=${REPEAT:-3}
DIR=${1:-${DIR:-}}

if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "/usr/bin/time is missing; run as root or: apt-get install time" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

cargo build --release -q -p vulnmatch --examples
EX=${CARGO_TARGET_DIR:-target}/release/examples
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -z "$DIR" ]; then
  DIR=$WORK/data
fi
mkdir -p "$DIR"

PARAMS="records=$RECORDS items=$ITEMS assets=$ASSETS seed=$SEED"
if [ -f "$DIR/inventory.jsonl" ] && ls "$DIR"/nvd-*.json* >/dev/null 2>&1; then
  if [ -f "$DIR/bench-vulns.params" ]; then
    made=$(cat "$DIR/bench-vulns.params")
    if [ "$made" != "$PARAMS" ]; then
      echo "note: $DIR was generated with $made, not $PARAMS; it is used as it is" >&2
    fi
  else
    echo "note: using the dataset already in $DIR (how it was generated is not recorded)" >&2
  fi
else
  echo "== generating $PARAMS into $DIR"
  start=$(date +%s.%N)
  "$EX/gen-feed" --out "$DIR" --records "$RECORDS" --items "$ITEMS" \
    --assets "$ASSETS" --seed "$SEED"
  end=$(date +%s.%N)
  echo "$PARAMS" >"$DIR/bench-vulns.params"
  awk -v a="$start" -v b="$end" 'BEGIN { printf "generated in %.1f s\n", b - a }'
fi

# key=value lines of scale, and the lines of time -v.
get() { awk -F= -v k="$1" '$1 == k { print $2; exit }' "$WORK/scale.out"; }
# A figure of /usr/bin/time -v's report (of the scale run unless a file is named).
timed() { awk -F': ' -v k="$1" 'index($0, k) { print $2; exit }' "${2:-$WORK/time.out}"; }

# "value unit (goal: op limit unit)", with whether the goal is met.
goal() {
  awk -v v="$1" -v lim="$2" -v unit="$3" 'BEGIN {
    if (v == "") { printf "(not reported; goal: <= %s %s)\n", lim, unit; exit }
    printf "%s %s (goal: <= %s %s: %s)\n", v, unit, lim, unit, (v + 0 <= lim + 0) ? "met" : "NOT met"
  }'
}

if [ "${ENGINE:-1}" != 0 ]; then
ARGS=("$DIR" --threads "$THREADS" --repeat "$REPEAT")
if [ "$FULL" = 0 ]; then
  ARGS+=(--no-full)
fi
echo "== $EX/scale ${ARGS[*]} ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/time -v "$EX/scale" "${ARGS[@]}" >"$WORK/scale.out" 2>"$WORK/time.out"

echo "dataset: $(get feed_files) feed files, $(get feed_bytes) bytes, $(get cves) CVEs" \
  "($(get feed_records) records, $(get feed_problems) unreadable), $(get nvd_criteria) NVD criteria," \
  "$(get cna_rules) vendor rules; $(get assets) assets with $(get inventory_items) installed products"
echo "read + merge:              $(get read_merge_s) s"
echo "index:                     $(get index_s) s"
echo "read + merge + index:      $(goal "$(get read_index_s)" 30 s)"
echo "peak RSS after index:      $(goal "$(get peak_rss_after_index_mib)" 2048 MiB)"
echo "inventory load:            $(get inventory_load_s) s"
echo "match, 1 thread:           best of $REPEAT $(get match_1t_s) s, median $(get match_1t_median_s) s"
if [ "$THREADS" != 1 ]; then
  echo "match, $THREADS threads:          best of $REPEAT $(goal "$(get "match_${THREADS}t_s")" 2 s)," \
    "median $(get "match_${THREADS}t_median_s") s"
fi
echo "match streamed (findings and 'cannot be evaluated' handed out per piece, counted), $THREADS threads:" \
  "best of $REPEAT $(get "match_each_${THREADS}t_s") s, median $(get "match_each_${THREADS}t_median_s") s," \
  "$(get match_each_findings) findings, $(get match_each_unevaluable) statements"
echo "findings:                  $(get findings) ($(get findings_affected) affected," \
  "$(get assets_with_findings) assets with findings)"
if [ "$FULL" != 0 ]; then
  echo "match with 'cannot be evaluated', $THREADS threads: $(get "match_full_${THREADS}t_s") s," \
    "$(get unevaluable) statements"
fi
echo "peak RSS (scale):          $(get peak_rss_mib) MiB"
echo "/usr/bin/time -v:          wall $(timed 'Elapsed (wall clock) time'), user $(timed 'User time') s," \
  "system $(timed 'System time') s, CPU $(timed 'Percent of CPU'), max RSS $(timed 'Maximum resident set size') KiB"
fi

# 3. With PRODUCT=1: the same feed through the product. A fresh embedded
#    database with the demo province and the generated inventory registered
#    as its assets (`canhgac import assets`, spread over the demo systems),
#    `canhgac vuln import` of every feed file, then `canhgac vuln match` of
#    the whole inventory against all the stored records (reading their
#    compact forms back from the database, indexing, matching, writing the
#    findings) twice: the first run writes every finding, the second
#    refreshes them (goal: each <= 3 s and <= 600 MiB).
if [ "${PRODUCT:-0}" = 1 ]; then
  cargo build --release -q -p canhgac
  BIN=${CARGO_TARGET_DIR:-target}/release/canhgac
  # CPU time (user + system) is the figure to compare on a shared machine.
  cpu() { awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.2f", t }' "$1"; }
  DATA=$WORK/product
  KEPT=${PRODUCT_DIR:-}
  if [ -n "$KEPT" ] && [ -f "$KEPT/canhgac.db" ]; then
    echo "note: matching a copy of the database imported in $KEPT" >&2
    cp -a "$KEPT" "$DATA"
  else
    "$BIN" --data-dir "$DATA" demo >/dev/null
    "$BIN" --data-dir "$DATA" export systems >"$WORK/systems.csv"
    awk -F, 'NR > 1 && $1 != "" { gsub(/"/, "", $1); print $1 }' "$WORK/systems.csv" >"$WORK/codes.txt"
    {
      echo "system_code,hostname,role,ips,domains,os_name,os_version,os_build,hardware,software,modules,hotfixes,kbs,notes"
      jq -r --rawfile codes "$WORK/codes.txt" '
        ($codes | split("\n") | map(select(length > 0))) as $c
        | [$c[.asset_id % ($c | length)], "bench-\(.asset_id)",
           (if (.modules | length) > 0 then "appliance" else "server" end), "", "",
           (.os.name // ""), (.os.version // ""), (.os.build // ""), "",
           ([.software[] | "\(.vendor)|\(.product)|\(.version)|\(.scheme)"] | join("; ")),
           (.modules | join(" ")), "", "", ""]
        | @csv' "$DIR/inventory.jsonl"
    } >"$WORK/assets.csv"
    /usr/bin/time -v "$BIN" --data-dir "$DATA" import assets "$WORK/assets.csv" \
      >"$WORK/assets.out" 2>"$WORK/assets.time"
    /usr/bin/time -v "$BIN" --data-dir "$DATA" vuln import "$DIR"/nvd-*.json* "$DIR"/cve5-*.json* \
      >"$WORK/import.out" 2>"$WORK/import.time"
    echo "canhgac import assets:     wall $(timed 'Elapsed (wall clock)' "$WORK/assets.time")," \
      "$(($(wc -l <"$WORK/assets.csv") - 1)) assets: $(tail -1 "$WORK/assets.out")"
    echo "canhgac vuln import:       wall $(timed 'Elapsed (wall clock)' "$WORK/import.time"), cpu $(cpu "$WORK/import.time") s," \
      "max RSS $(timed 'Maximum resident' "$WORK/import.time") KiB, $(wc -l <"$WORK/import.out") files," \
      "database $(du -sh "$DATA" | cut -f1)"
    if [ -n "$KEPT" ]; then
      rm -rf "$KEPT"
      cp -a "$DATA" "$KEPT"
    fi
  fi
  load1=$(cut -d' ' -f1-3 /proc/loadavg)
  /usr/bin/time -v "$BIN" --data-dir "$DATA" vuln match --timings >"$WORK/match.out" 2>"$WORK/match.time"
  load2=$(cut -d' ' -f1-3 /proc/loadavg)
  /usr/bin/time -v "$BIN" --data-dir "$DATA" vuln match --timings >"$WORK/match2.out" 2>"$WORK/match2.time"
  echo "load average before each match: $load1 / $load2"
  echo "canhgac vuln match:        wall $(timed 'Elapsed (wall clock)' "$WORK/match.time"), cpu $(cpu "$WORK/match.time") s," \
    "max RSS $(timed 'Maximum resident' "$WORK/match.time") KiB: $(tail -1 "$WORK/match.out")"
  echo "canhgac vuln match again:  wall $(timed 'Elapsed (wall clock)' "$WORK/match2.time"), cpu $(cpu "$WORK/match2.time") s," \
    "max RSS $(timed 'Maximum resident' "$WORK/match2.time") KiB: $(tail -1 "$WORK/match2.out")"
  echo "database after matching:   $(du -sh "$DATA" | cut -f1)"
  for run in match match2; do
    echo "phases of $run (--timings):"
    grep -E '^[a-z][a-z ]+ +(wall |[0-9])' "$WORK/$run.time" | sed 's/^/  /'
  done
fi
