#!/usr/bin/env bash
# Benchmark: GPT-2 124M trained by `cefrlab train` (--model gpt2, from-scratch schedule) on an ILM example store, on the wasm backend (OpenBLAS kernels) and on the
# plain-JavaScript cpu backend. Reports peak resident memory (GNU time) and tokens/s (metrics.jsonl, B x T
# per step over the step's wall time), and the micro-batch that `auto` chose.
#
#   nice bash bench/train-speed/gpt2-defaults.sh EXAMPLES_DIR [WASM_STEPS=2] [CPU_STEPS=1]
#
# Both backends run the defaults: `--batch-size auto` and --accum 3 (24 examples of 256 tokens per step; on wasm
# auto starts at the micro-batch its estimate fits, 1 for GPT-2, and keeps the AdamW moments and the gradient
# sums in JavaScript memory, outside the 4 GiB heap). The evaluation set is capped at 16 examples so the final
# evaluation does not dominate.
set -euo pipefail
cd "$(dirname "$0")/../.."
EXAMPLES=${1:?usage: gpt2-defaults.sh EXAMPLES_DIR [WASM_STEPS] [CPU_STEPS]}
WASM_STEPS=${2:-2}
CPU_STEPS=${3:-1}
WORK=$(mktemp -d /tmp/gpt2-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

run() {
  local backend=$1 steps=$2
  shift 2
  local exp="$WORK/$backend"
  CEFRLAB_BACKEND=$backend /usr/bin/time -v node bin/cefrlab.js train "$exp" "$EXAMPLES" --model gpt2 --max-steps "$steps" \
    --eval-max-examples 16 "$@" > "$WORK/$backend.log" 2> "$WORK/$backend.time" || { tail -n 20 "$WORK/$backend.log" "$WORK/$backend.time" >&2; exit 1; }
  local rss
  rss=$(awk '/Maximum resident set size/ { printf "%.2f", $NF / 1048576 }' "$WORK/$backend.time")
  node -e '
    const fs = require("fs");
    const [exp, backend, rss] = process.argv.slice(1);
    const rows = fs.readFileSync(exp + "/metrics.jsonl", "utf8").trim().split("\n").map(JSON.parse).filter((r) => r.kind === "train");
    const m = JSON.parse(fs.readFileSync(exp + "/manifest.json", "utf8"));
    const tps = rows.map((r) => r.tokens_per_sec);
    console.log(JSON.stringify({ backend, steps: rows.length, batch: m.schedule.batchSize, seqLen: m.options.seqLen,
      tokensPerSecond: tps.map((x) => +x.toFixed(1)), secondsPerStep: rows.map((r) => +(m.schedule.batchSize.microBatch * m.schedule.batchSize.accum * m.options.seqLen / r.tokens_per_sec).toFixed(1)),
      peakRssGiB: +rss, finalLoss: rows[rows.length - 1].loss }));
  ' "$exp" "$backend" "$rss"
}

run wasm "$WASM_STEPS"
run cpu "$CPU_STEPS"
