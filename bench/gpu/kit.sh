#!/usr/bin/env bash
# Build the GPU kit: one folder (under 64 MiB) to carry to a GPU machine with no package registry, and a .tar.gz
# of it. Run from anywhere in the repository after `npm ci`:
#
#   bash bench/gpu/kit.sh [OUT_DIR]          # default experiments/gpu-kit (and experiments/gpu-kit.tar.gz)
#
# Holds: node (gzipped), bench.js (bench/gpu/bench.ts and the library, one esbuild bundle), npm webgpu's
# index.js and linux-x64 dawn.node (gzipped), a small ILM example store from the embedded corpus (256 tokens),
# the committed parity fixture, parity.json (the cpu backend's logits, computed here), the libvulkan1 Debian
# package, torch_ref.py and the model it imports, presets.json, and run.sh. On the GPU machine: ./run.sh --help
# is the header of run.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
OUT="$(mkdir -p "${1:-experiments/gpu-kit}" && cd "${1:-experiments/gpu-kit}" && pwd)"
rm -rf "${OUT:?}"/* "$OUT"/.unpacked
say() { printf 'kit: %s\n' "$*"; }

say "bundling bench/gpu/bench.ts"
# webgpu stays outside (an ES module beside its dawn.node); the other backends are never tried in the kit
# (CEFRLAB_BACKEND=webgpu), so their packages and binaries are left out.
node_modules/.bin/esbuild bench/gpu/bench.ts --bundle --platform=node --format=cjs --target=node20 --log-level=warning \
  --external:webgpu --external:@tensorflow/tfjs-backend-wasm --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --outfile="$OUT/bench.js"

say "node $(node --version) and dawn.node (gzipped)"
gzip -9 -c "$(command -v node)" > "$OUT/node.gz"
W="$OUT/node_modules/webgpu"
mkdir -p "$W/dist/linux-x64"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$W/"
gzip -9 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$W/dist/linux-x64/dawn.node.gz"

say "example store (embedded corpus, 256 tokens)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
node --import tsx -e "
const { prepare } = require('./src/corpus/prepare');
const { buildExamples } = require('./src/ilm/examples');
(async () => {
  await prepare({ out: '$TMP/data', sampleSize: 200, seed: 0, showProgress: false });
  await buildExamples('train', '$TMP/data', '$OUT/examples', { seed: 0, seqLen: 256, examplesPerDoc: 2, workers: 0, showProgress: false });
})().catch((e) => { console.error(e); process.exit(1); });"

cp -r test/fixtures/model/tiny "$OUT/fixture"
node --import tsx -e "process.stdout.write(JSON.stringify(require('./src/model/config').PRESETS))" > "$OUT/presets.json"
cp bench/gpu/torch_ref.py bench/train-speed/torch_train.py bench/gpu/run.sh "$OUT/"
chmod +x "$OUT/run.sh"

say "libvulkan1 Debian package"
(cd "$OUT" && apt-get download libvulkan1 >/dev/null 2>&1) || { echo "kit: apt-get download libvulkan1 failed (run apt-get update?)" >&2; exit 1; }

say "parity reference: the cpu backend's logits (the bundle itself computes them)"
CEFRLAB_BACKEND=cpu CEFRLAB_QUIET=1 node "$OUT/bench.js" --make-parity "$OUT/parity.json" --fixture "$OUT/fixture"

SIZE=$(du -sb "$OUT" | cut -f1)
say "$(du -sh "$OUT" | cut -f1) in $OUT"
[ "$SIZE" -lt $((64 * 1024 * 1024)) ] || { echo "kit: $SIZE bytes is over 64 MiB" >&2; exit 1; }
tar -C "$(dirname "$OUT")" -czf "$OUT.tar.gz" "$(basename "$OUT")"
say "$(du -sh "$OUT.tar.gz" | cut -f1) in $OUT.tar.gz; on the GPU machine: tar xzf $(basename "$OUT").tar.gz && cd $(basename "$OUT") && ./run.sh --peak-tflops 67"
