/**
 * TensorFlow.js backend choice. Tries, best first, the order of `BACKEND_PREFERENCE` (tfjs-node-gpu, webgpu,
 * tfjs-node, wasm, cpu). `CEFRLAB_BACKEND=<choice>` forces one. The report says which backend runs and why each
 * better one did not, so a user can see at a glance whether the GPU is in use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { enableNativeKernels, NativeKernelsStatus } from './kernels/index';
import { probeWebGpu, installNavigatorGpu, describeAdapter, WebGpuProbe } from './webgpu';

export type BackendChoice = 'node-gpu' | 'webgpu' | 'node' | 'wasm' | 'cpu';

/**
 * The order of preference, what each backend needs and why it sits where it does: the one statement of it,
 * printed by `cefrlab doctor` and repeated in the README's "Backends and GPUs" (a test checks they agree).
 */
export const BACKEND_PREFERENCE: readonly { choice: BackendChoice; needs: string; why: string }[] = [
  {
    choice: 'node-gpu',
    needs: '@tensorflow/tfjs-node-gpu: an NVIDIA GPU with CUDA 11.2, cuDNN 8.1 and libtensorflow 2.9 (downloaded at install)',
    why: "TensorFlow's own CUDA kernels, the fastest where that old CUDA stack exists; current GPU servers (CUDA 12/13) cannot load it",
  },
  {
    choice: 'webgpu',
    needs: "a Vulkan loader (libvulkan1) and the GPU's Vulkan driver (any current NVIDIA, AMD or Intel driver); Dawn comes with npm webgpu",
    why: "TensorFlow.js's WGSL kernels through Dawn and Vulkan: any current GPU, no CUDA version; taken automatically only on a hardware adapter (a software one is slower than wasm)",
  },
  {
    choice: 'node',
    needs: '@tensorflow/tfjs-node (optional; libtensorflow downloaded at install)',
    why: "TensorFlow's native CPU kernels",
  },
  {
    choice: 'wasm',
    needs: 'nothing beyond npm ci (libopenblas-dev for the native kernels)',
    why: "WebAssembly with the project's OpenBLAS kernels for matrix products, softmax and the loss; at most 4 GiB of memory",
  },
  {
    choice: 'cpu',
    needs: 'nothing',
    why: 'plain JavaScript (OpenBLAS kernels too when built): slowest, but no 4 GiB limit',
  },
];
export const BACKEND_ORDER: readonly BackendChoice[] = BACKEND_PREFERENCE.map((p) => p.choice);

export interface BackendAttempt {
  choice: BackendChoice;
  ok: boolean;
  /** Why it was used or skipped, in words a user can act on. */
  reason: string;
}

export interface BackendReport {
  /** The choice that runs. */
  choice: BackendChoice;
  /** TensorFlow.js's own name for it ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** Set when CEFRLAB_BACKEND forced the choice. */
  forced: BackendChoice | null;
  attempts: BackendAttempt[];
  tfjsVersion: string;
  /** The project's OpenBLAS kernels (matmul, softmax, cross-entropy) for the wasm and cpu backends. */
  native: NativeKernelsStatus;
  /** The WebGPU adapter and the Vulkan loader and drivers, when webgpu was tried (else undefined). */
  webgpu?: WebGpuProbe;
}

const PACKAGES: Record<'node-gpu' | 'node', string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

/**
 * Resolve a package only if it really is that package: an `overrides` alias (danfojs-node's tfjs-node is
 * replaced by plain tfjs) installs a folder of the same name that holds a different package.
 */
function genuinePackageDir(name: string): string | null {
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    return null;
  }
  try {
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    return pkg.name === name ? path.dirname(manifest) : null;
  } catch {
    return null;
  }
}

async function tryNative(choice: 'node-gpu' | 'node'): Promise<BackendAttempt> {
  const name = PACKAGES[choice];
  const dir = genuinePackageDir(name);
  if (!dir) {
    const hint = choice === 'node-gpu'
      ? 'not installed (it needs CUDA and a download of libtensorflow at install time; `npm install` installs it where that works)'
      : 'not installed (optional: `npm install @tensorflow/tfjs-node` where libtensorflow can be downloaded)';
    return { choice, ok: false, reason: `${name} ${hint}` };
  }
  try {
    require(dir);
  } catch (err) {
    return { choice, ok: false, reason: `${name} is installed but does not load: ${(err as Error).message.split('\n')[0]}` };
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return { choice, ok: false, reason: `${name} loaded but its backend did not initialise` };
  } catch (err) {
    return { choice, ok: false, reason: `${name} backend failed to initialise: ${(err as Error).message}` };
  }
  return { choice, ok: true, reason: `${name} loaded` };
}

async function tryWasm(): Promise<BackendAttempt> {
  try {
    require('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return { choice: 'wasm', ok: false, reason: `@tensorflow/tfjs-backend-wasm does not load: ${(err as Error).message}` };
  }
  try {
    if (await tf.setBackend('wasm')) return { choice: 'wasm', ok: true, reason: 'WebAssembly backend initialised' };
    return { choice: 'wasm', ok: false, reason: 'WebAssembly backend did not initialise' };
  } catch (err) {
    return { choice: 'wasm', ok: false, reason: `WebAssembly backend failed: ${(err as Error).message}` };
  }
}

async function tryCpu(): Promise<BackendAttempt> {
  const ok = await tf.setBackend('cpu');
  // The cpu backend prints a banner at its first tensor ("install our node backend"); the backend report
  // already says why the faster ones were skipped and how to get them, and the banner would land in every
  // notebook output. Its only switch is this instance flag (tfjs-backend-cpu 4.x, MathBackendCPU.firstUse).
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (ok && cpu && cpu.firstUse === true) cpu.firstUse = false;
  return { choice: 'cpu', ok, reason: ok ? 'plain JavaScript backend (slowest)' : 'cpu backend did not initialise' };
}

/**
 * WebGPU through Dawn: only when an adapter exists, and a software (fallback) one only when forced. The backend
 * module registers itself at import if `navigator.gpu` exists, so it is imported only here, after the probe.
 */
async function tryWebGpu(ctx: TryContext): Promise<BackendAttempt> {
  const probe = await probeWebGpu(ctx.env);
  ctx.webgpu = probe;
  if (!probe.adapter) return { choice: 'webgpu', ok: false, reason: probe.reason };
  if (probe.adapter.fallback && !ctx.forced) {
    return { choice: 'webgpu', ok: false, reason: `only a software adapter: ${describeAdapter(probe.adapter)}; slower than wasm, so not taken unless CEFRLAB_BACKEND=webgpu` };
  }
  try {
    await installNavigatorGpu();
    require('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    return { choice: 'webgpu', ok: false, reason: `@tensorflow/tfjs-backend-webgpu does not load: ${(err as Error).message.split('\n')[0]}` };
  }
  try {
    if (!(await tf.setBackend('webgpu'))) return { choice: 'webgpu', ok: false, reason: `the webgpu backend did not initialise on ${describeAdapter(probe.adapter)}` };
  } catch (err) {
    return { choice: 'webgpu', ok: false, reason: `the webgpu backend failed to initialise: ${(err as Error).message.split('\n')[0]}` };
  }
  return { choice: 'webgpu', ok: true, reason: describeAdapter(probe.adapter) };
}

interface TryContext {
  env: NodeJS.ProcessEnv;
  forced: boolean;
  webgpu?: WebGpuProbe;
}

const TRY: Record<BackendChoice, (ctx: TryContext) => Promise<BackendAttempt>> = {
  'node-gpu': () => tryNative('node-gpu'),
  webgpu: tryWebGpu,
  node: () => tryNative('node'),
  wasm: tryWasm,
  cpu: tryCpu,
};

/** Parse CEFRLAB_BACKEND; throws on an unknown value rather than silently ignoring it. */
export function parseBackendOverride(value: string | undefined): BackendChoice | null {
  if (value == null || value.trim() === '') return null;
  const v = value.trim().toLowerCase();
  if ((BACKEND_ORDER as readonly string[]).includes(v)) return v as BackendChoice;
  throw new Error(`CEFRLAB_BACKEND=${value} is not a backend. Use one of: ${BACKEND_ORDER.join(', ')}`);
}

let chosen: Promise<BackendReport> | null = null;
let chosenReport: BackendReport | null = null;

/**
 * Choose and activate a backend (once per process; later calls return the same report). This is the one
 * place that picks a backend and registers the native kernels: the entry points call it (the command line,
 * the notebooks' first cell, a library user's `init()`); library functions such as `train()` and
 * `evaluateSums()` use whatever backend is active and never switch it. A forced backend that does not load is
 * an error, not a silent fallback.
 */
export function initBackend(): Promise<BackendReport> {
  if (!chosen) {
    // The Vulkan variables (VK_ICD_FILENAMES, LD_LIBRARY_PATH) are the loader's; the webgpu probe reads them
    // from the same environment to say what it found.
    chosen = choose(parseBackendOverride(process.env.CEFRLAB_BACKEND), process.env).then((r) => (chosenReport = r));
  }
  return chosen;
}

/** The library's start-up call: the same as `initBackend()`. */
export const init = initBackend;

/** The report of `initBackend()` once it has finished, else null (nothing was chosen explicitly). */
export function chosenBackend(): BackendReport | null {
  return chosenReport;
}

async function choose(forced: BackendChoice | null, env: NodeJS.ProcessEnv): Promise<BackendReport> {
  const attempts: BackendAttempt[] = [];
  const order = forced ? [forced] : BACKEND_ORDER;
  const ctx: TryContext = { env, forced: forced !== null };
  for (const choice of order) {
    const attempt = await TRY[choice](ctx);
    attempts.push(attempt);
    if (attempt.ok) {
      await tf.ready();
      // On wasm and cpu, OpenBLAS does the matrix products when the addon was built (CEFRLAB_NATIVE=0: off);
      // on webgpu TensorFlow.js's own WGSL kernels run.
      const native = enableNativeKernels();
      return { choice, tfBackend: tf.getBackend(), forced, attempts, tfjsVersion: tf.version.tfjs, native, ...(ctx.webgpu ? { webgpu: ctx.webgpu } : {}) };
    }
  }
  const why = attempts.map((a) => `${a.choice}: ${a.reason}`).join('; ');
  throw new Error(forced ? `CEFRLAB_BACKEND=${forced} was requested but it does not run (${why}). Unset it to choose automatically.` : `no TensorFlow.js backend runs: ${why}`);
}

/** One line for logs and manifests, e.g. "wasm (node-gpu: not installed …; node: not installed …)". */
export function describeBackend(report: BackendReport): string {
  const skipped = report.attempts.filter((a) => !a.ok).map((a) => `${a.choice}: ${a.reason}`);
  const forced = report.forced ? ' [forced by CEFRLAB_BACKEND]' : '';
  const native = report.native.active ? ' + OpenBLAS kernels' : '';
  return `${report.choice}${native}${forced}${skipped.length ? ` (better ones skipped: ${skipped.join('; ')})` : ''}`;
}

/** Whether this machine shows an NVIDIA GPU to user space (device nodes or nvidia-smi). */
export function gpuVisible(): { visible: boolean; how: string } {
  if (fs.existsSync('/dev/nvidia0')) return { visible: true, how: '/dev/nvidia0 present' };
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  if (dirs.some((d) => d && fs.existsSync(path.join(d, 'nvidia-smi')))) return { visible: true, how: 'nvidia-smi on PATH (no /dev/nvidia0)' };
  return { visible: false, how: 'no /dev/nvidia* device and no nvidia-smi' };
}
