#!/usr/bin/env bash
# The GPU kit's one script (built by bench/gpu/kit.sh; run it in the unpacked kit on the GPU machine).
# Checks the Vulkan loader and the NVIDIA Vulkan driver, prints the WebGPU adapter, repeats the logits parity
# check against the cpu backend's numbers carried in parity.json, trains GPT-2 from random weights on webgpu
# (tokens/s, step time, GPU memory, MFU against --peak-tflops), runs the same model and batch in PyTorch (FP32
# with TF32 off, and bf16 autocast) when torch and CUDA are there, and writes everything to one JSON file.
# Bounded to 10 minutes: the webgpu part gets 6, PyTorch 3.
#
#   ./run.sh [--steps 10] [--peak-tflops 67] [--out result.json] [--model gpt2] [--batch 8] [--seq-len 256]
#            [--warmup 2] [--time-limit 360] [--software] [--no-torch]
#   --software: use Chromium's SwiftShader (a CPU Vulkan driver) instead of the GPU, to try the kit anywhere
#   (give it a longer --time-limit, the seconds the webgpu part may take: SwiftShader is slow).
set -uo pipefail
KIT="$(cd "$(dirname "$0")" && pwd)"
STEPS=10 PEAK="" OUT="$PWD/result.json" MODEL=gpt2 BATCH=8 SEQ=256 WARMUP=2 SOFTWARE=0 TORCH=1 LIMIT=360
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) STEPS="$2"; shift 2 ;;
    --peak-tflops) PEAK="$2"; shift 2 ;;
    --out) OUT="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --seq-len) SEQ="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --time-limit) LIMIT="$2"; shift 2 ;;
    --software) SOFTWARE=1; shift ;;
    --no-torch) TORCH=0; shift ;;
    *) echo "run.sh: unknown option $1 (see the header of this file)" >&2; exit 2 ;;
  esac
done
WORK="$KIT/.unpacked"
mkdir -p "$WORK"
say() { printf '== %s\n' "$*"; }

# The two large binaries travel gzipped (the kit stays under 64 MiB).
[ -x "$WORK/node" ] || { gunzip -c "$KIT/node.gz" > "$WORK/node.tmp" && chmod +x "$WORK/node.tmp" && mv "$WORK/node.tmp" "$WORK/node"; }
DAWN="$KIT/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$DAWN" ] || gunzip -c "$DAWN.gz" > "$DAWN"
NODE="$WORK/node"
say "node $("$NODE" --version), glibc $(ldd --version 2>/dev/null | head -1 | awk '{print $NF}') (Dawn needs 2.34+)"

LDCONFIG="$(command -v ldconfig || echo /sbin/ldconfig)"
# Vulkan loader: the system's, else the carried libvulkan1 package unpacked here.
if "$LDCONFIG" -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  say "Vulkan loader: $("$LDCONFIG" -p | awk '/libvulkan.so.1 /{print $NF; exit}')"
else
  DEB="$(ls "$KIT"/libvulkan1_*.deb | head -1)"
  mkdir -p "$WORK/vulkan"
  if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$DEB" "$WORK/vulkan"; else (cd "$WORK/vulkan" && ar x "$DEB" && tar -xf data.tar.*); fi
  LIB="$(dirname "$(find "$WORK/vulkan" -name 'libvulkan.so.1' | head -1)")"
  export LD_LIBRARY_PATH="$LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "Vulkan loader: none on the system; using $(basename "$DEB") unpacked in $LIB"
fi

# Vulkan driver: NVIDIA's ICD manifest, else one written for the driver's libGLX_nvidia.so.0 (containers often
# carry the library without the manifest); --software: SwiftShader.
if [ "$SOFTWARE" = 1 ]; then
  export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
  say "Vulkan driver: SwiftShader (software, --software)"
else
  if command -v nvidia-smi >/dev/null; then say "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"; else say "GPU: nvidia-smi not found"; fi
  ICD="$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)"
  if [ -n "$ICD" ]; then
    say "Vulkan driver: $ICD"
  elif "$LDCONFIG" -p 2>/dev/null | grep -q 'libGLX_nvidia.so.0 '; then
    printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "libGLX_nvidia.so.0", "api_version": "1.3.0"}}\n' > "$WORK/nvidia_icd.json"
    export VK_ICD_FILENAMES="$WORK/nvidia_icd.json"
    say "Vulkan driver: no NVIDIA ICD manifest; wrote $WORK/nvidia_icd.json for libGLX_nvidia.so.0"
  else
    say "Vulkan driver: no NVIDIA Vulkan driver found (no nvidia_icd.json, no libGLX_nvidia.so.0; in a container set NVIDIA_DRIVER_CAPABILITIES=all)"
  fi
fi
export CEFRLAB_BACKEND=webgpu CEFRLAB_QUIET=1 XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

# GPU memory as the driver sees it, sampled while the webgpu run lasts.
MEMLOG="$WORK/memory.log"
: > "$MEMLOG"
SAMPLER=""
if [ "$SOFTWARE" = 0 ] && command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 > "$MEMLOG" 2>/dev/null &
  SAMPLER=$!
fi
say "webgpu: parity check, then $MODEL batch $BATCH x $SEQ for $STEPS steps"
WEBGPU_JSON="$WORK/webgpu.json"
rm -f "$WEBGPU_JSON"
timeout "$LIMIT" "$NODE" "$KIT/bench.js" --examples "$KIT/examples" --fixture "$KIT/fixture" --parity "$KIT/parity.json" \
  --model "$MODEL" --batch "$BATCH" --seq-len "$SEQ" --steps "$STEPS" --warmup "$WARMUP" ${PEAK:+--peak-tflops "$PEAK"} --out "$WEBGPU_JSON"
WEBGPU_RC=$?
[ "$WEBGPU_RC" = 124 ] && say "webgpu: stopped at the time limit of $LIMIT s (--time-limit)"
[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null

TORCH_JSON="$WORK/torch.json"
echo '{"skipped": "not run (--no-torch)"}' > "$TORCH_JSON"
if [ "$TORCH" = 1 ] && [ "$SOFTWARE" = 0 ]; then
  if command -v python3 >/dev/null; then
    say "PyTorch reference: FP32 (TF32 off) and bf16 autocast"
    CFG="$("$NODE" -e "const c=require('$KIT/presets.json')['$MODEL']; console.log([c.n_layer,c.n_embd,c.n_head,c.vocab_size].join(' '))")"
    read -r L C H V <<< "$CFG"
    (cd "$KIT" && timeout 180 python3 torch_ref.py --layers "$L" --embd "$C" --heads "$H" --vocab "$V" --seq "$SEQ" --batch "$BATCH" \
      --steps "$STEPS" --warmup "$WARMUP") > "$TORCH_JSON.tmp" 2> "$WORK/torch.err" && mv "$TORCH_JSON.tmp" "$TORCH_JSON" \
      || echo "{\"skipped\": \"torch_ref.py failed: $(tail -1 "$WORK/torch.err" | tr -d '"\\')\"}" > "$TORCH_JSON"
  else
    echo '{"skipped": "python3 not found"}' > "$TORCH_JSON"
  fi
elif [ "$SOFTWARE" = 1 ]; then
  echo '{"skipped": "--software: no GPU to compare on"}' > "$TORCH_JSON"
fi

# One JSON: the webgpu run, the driver's peak memory, PyTorch, and the ratios the benchmark targets.
"$NODE" -e '
const fs = require("fs");
const [webgpuFile, torchFile, memFile, out, rc] = process.argv.slice(1);
const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch (e) { return { error: `no result (${e.message})` }; } };
const webgpu = read(webgpuFile);
const torch = read(torchFile);
const mem = fs.readFileSync(memFile, "utf8").split("\n").map(Number).filter((x) => x > 0);
if (rc !== "0") webgpu.exitCode = Number(rc);
const w = webgpu.train && webgpu.train.medianStepSeconds;
const fp32 = torch.fp32 && torch.fp32.medianStepSeconds;
const bf16 = torch.bf16Autocast && torch.bf16Autocast.medianStepSeconds;
const result = {
  kit: "cefrlab GPU kit",
  webgpu,
  nvidiaSmiPeakMemoryMiB: mem.length ? Math.max(...mem) : null,
  pytorch: torch,
  webgpuStepOverPytorchFp32: w && fp32 ? +(w / fp32).toFixed(2) : null,
  webgpuStepOverPytorchBf16: w && bf16 ? +(w / bf16).toFixed(2) : null,
};
fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
console.log(`== wrote ${out}: webgpu ${w ? w + " s/step" : "no training result"}; PyTorch FP32 ${fp32 ? fp32 + " s/step" : torch.skipped || "n/a"}`);
' "$WEBGPU_JSON" "$TORCH_JSON" "$MEMLOG" "$OUT" "$WEBGPU_RC"
exit "$WEBGPU_RC"
