#!/usr/bin/env bash
# Benchmark: `cefrlab prepare` (all levels) against the Python reference (pandas read_csv + scikit-learn
# stratified train_test_split 80/10/10 + writing the three files), on the same EFCAMDAT-scale workload, in
# one run. Measures wall time and peak resident memory with GNU time (/usr/bin/time -v) and prints the ratio.
#
#   nice bench/prepare-bench.sh [CSV=/tmp/efcamdat-scale.csv] [RUNS=1]
#
# The workload is generated if missing (bench/make-efcamdat-workload.ts, seed 0). Both tools read it once
# beforehand, so both start with the file in the page cache, and `sync` runs before each tool so neither
# pays for the other's unwritten pages. cefrlab fsyncs its outputs (atomic outputs); the reference does not. The reference runs with Debian's python3
# (/usr/bin/python3 with python3-pandas and python3-sklearn).
set -euo pipefail
cd "$(dirname "$0")/.."
CSV=${1:-/tmp/efcamdat-scale.csv}
RUNS=${2:-1}
[ -f "$CSV" ] || node --import tsx bench/make-efcamdat-workload.ts "$CSV"
WORK=$(mktemp -d /tmp/prepare-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cat "$CSV" > /dev/null

# measure LABEL CMD... -> prints "LABEL WALL_SECONDS PEAK_MB"
measure() {
  local label=$1
  shift
  sync # start each tool with no dirty pages left by the other (cefrlab fsyncs its outputs)
  /usr/bin/time -v "$@" > "$WORK/$label.out" 2> "$WORK/$label.time" || { cat "$WORK/$label.time" >&2; exit 1; }
  awk -v label="$label" '
    /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
    /Maximum resident set size/ { rss = $NF / 1024 }
    END { printf "%s %.2f %.0f\n", label, wall, rss }' "$WORK/$label.time"
}

echo "workload: $CSV ($(du -m "$CSV" | cut -f1) MB, $(($(wc -l < "$CSV"))) lines); $(nproc) cores; node $(node --version); $(date -u)"
for run in $(seq 1 "$RUNS"); do
  ref=$(measure reference /usr/bin/python3 bench/prepare_reference.py "$CSV" "$WORK/reference")
  ours=$(CEFRLAB_QUIET=1 measure cefrlab node bin/cefrlab.js prepare --csv "$CSV" --out "$WORK/cefrlab")
  rm -rf "$WORK/reference" "$WORK/cefrlab"
  printf '%s\n%s\n' "$ref" "$ours" | awk -v run="$run" '
    { label[NR] = $1; wall[NR] = $2; rss[NR] = $3 }
    END {
      printf "run %d\n  %-10s %9s %12s\n", run, "tool", "wall (s)", "peak RSS (MB)"
      for (i = 1; i <= 2; i++) printf "  %-10s %9.2f %12.0f\n", label[i], wall[i], rss[i]
      printf "  speed-up %.2fx (reference / cefrlab wall time), memory %.2fx less\n", wall[1] / wall[2], rss[1] / rss[2]
    }'
  sed 's/^/  reference says: /' "$WORK/reference.out"
  grep -E '^  (total|time)' "$WORK/cefrlab.out" | sed 's/^ */  cefrlab says: /'
done
