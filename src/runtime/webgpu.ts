/**
 * WebGPU in Node through Dawn (npm `webgpu`): finding a Vulkan driver, the adapter, and installing
 * `navigator.gpu` so that `@tensorflow/tfjs-backend-webgpu` registers.
 *
 * Dawn reaches the GPU through Vulkan on Linux: it loads the Vulkan loader (`libvulkan.so.1`, Debian's
 * `libvulkan1`), which loads the drivers named by ICD manifests (`/usr/share/vulkan/icd.d/*.json`, or
 * `VK_ICD_FILENAMES`). Both are checked before Dawn is loaded, so that a machine without them gets a reason a
 * user can act on instead of Dawn's warnings. The webgpu backend module registers itself only if
 * `navigator.gpu` exists when it is imported (Node 20 has no `navigator`), so `installNavigatorGpu()` must run
 * first; nothing here runs unless the webgpu backend is tried.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** What `cefrlab doctor` and manifests show of the WebGPU adapter. */
export interface WebGpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software (fallback) adapter, such as SwiftShader or lavapipe. */
  fallback: boolean;
  /** Largest storage buffer one kernel can bind (bytes): caps the largest tensor, e.g. the logits. */
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  /** Shared memory of one workgroup (bytes): what the tiled matrix-product kernels use. */
  maxComputeWorkgroupStorageSize: number;
  features: string[];
}

export interface WebGpuProbe {
  /** The adapter Dawn offers, or null with `reason` saying why there is none. */
  adapter: WebGpuAdapterSummary | null;
  reason: string;
  /** The Vulkan loader found (Linux), or null. */
  loader: string | null;
  /** The Vulkan driver manifests found (Linux). */
  drivers: string[];
}

/** Chromium's SwiftShader, a software Vulkan driver that Dawn accepts (Debian 12's lavapipe it does not). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const LOADER = 'libvulkan.so.1';

/** Folders the dynamic linker searches for the Vulkan loader: LD_LIBRARY_PATH, ld.so.conf.d, the defaults. */
function librarySearchPath(env: NodeJS.ProcessEnv): string[] {
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  try {
    for (const f of fs.readdirSync('/etc/ld.so.conf.d')) {
      if (!f.endsWith('.conf')) continue;
      for (const line of fs.readFileSync(path.join('/etc/ld.so.conf.d', f), 'utf8').split('\n')) {
        const d = line.trim();
        if (d.startsWith('/')) dirs.push(d);
      }
    }
  } catch {
    // no ld.so.conf.d: the defaults below
  }
  const multiarch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  dirs.push(`/lib/${multiarch}`, `/usr/lib/${multiarch}`, '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib');
  return dirs;
}

/** The Vulkan loader the dynamic linker would find, or null. */
export function findVulkanLoader(env: NodeJS.ProcessEnv): string | null {
  for (const d of librarySearchPath(env)) {
    const p = path.join(d, LOADER);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** The Vulkan driver manifests the loader would read: VK_ICD_FILENAMES / VK_DRIVER_FILES, else the standard folders. */
export function findVulkanDrivers(env: NodeJS.ProcessEnv): string[] {
  const named = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES;
  if (named) return named.split(':').filter((f) => f && fs.existsSync(f));
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  const dirs = ['/etc/vulkan/icd.d', ...dataDirs.map((d) => path.join(d, 'vulkan', 'icd.d'))];
  const found: string[] = [];
  for (const d of dirs) {
    try {
      for (const f of fs.readdirSync(d)) if (f.endsWith('.json')) found.push(path.join(d, f));
    } catch {
      // folder absent
    }
  }
  return found;
}

/** The npm `webgpu` module's exports (typed loosely: its types are the browser's). */
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface AdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  limits: Record<string, number>;
  features: Iterable<string>;
}
interface GpuLike {
  requestAdapter(o?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

let dawn: Promise<DawnModule> | null = null;
let gpu: GpuLike | null = null;

async function loadDawn(): Promise<DawnModule> {
  // `webgpu` is an ES module: a dynamic import works from the CommonJS build too.
  if (!dawn) dawn = import('webgpu') as unknown as Promise<DawnModule>;
  return dawn;
}

function summarise(a: AdapterLike): WebGpuAdapterSummary {
  const info = a.info ?? {};
  const s = (k: string) => (typeof info[k] === 'string' ? (info[k] as string) : '');
  return {
    vendor: s('vendor'),
    architecture: s('architecture'),
    device: s('device'),
    description: s('description'),
    // Newer WebGPU puts isFallbackAdapter in the adapter's info; older Dawn builds on the adapter itself.
    fallback: info.isFallbackAdapter === true || a.isFallbackAdapter === true,
    maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
    maxBufferSize: a.limits.maxBufferSize,
    maxComputeWorkgroupStorageSize: a.limits.maxComputeWorkgroupStorageSize,
    features: [...a.features].sort(),
  };
}

/**
 * Look for a WebGPU adapter: the Vulkan loader and drivers first (Linux), then Dawn's own answer. Never throws;
 * `reason` says what is missing and how to get it. The Dawn instance is kept for `installNavigatorGpu()`.
 */
export async function probeWebGpu(env: NodeJS.ProcessEnv): Promise<WebGpuProbe> {
  let loader: string | null = null;
  let drivers: string[] = [];
  if (process.platform === 'linux') {
    loader = findVulkanLoader(env);
    if (!loader) {
      return { adapter: null, loader, drivers, reason: `no Vulkan loader (${LOADER} not found; Debian/Ubuntu: apt-get install libvulkan1)` };
    }
    drivers = findVulkanDrivers(env);
    if (drivers.length === 0) {
      return {
        adapter: null, loader, drivers,
        reason: `no Vulkan driver (no ICD manifest in /etc/vulkan/icd.d or /usr/share/vulkan/icd.d${env.VK_ICD_FILENAMES ? `; VK_ICD_FILENAMES=${env.VK_ICD_FILENAMES} names no existing file` : ''}): ` +
          `install the GPU's Vulkan driver (NVIDIA: the driver's Vulkan part, e.g. libnvidia-gl or nvidia-vulkan-icd), or for a software adapter set VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`,
      };
    }
  }
  let mod: DawnModule;
  try {
    mod = await loadDawn();
  } catch (err) {
    return { adapter: null, loader, drivers, reason: `the npm package webgpu (Dawn) does not load: ${(err as Error).message.split('\n')[0]}` };
  }
  try {
    gpu ??= mod.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      return {
        adapter: null, loader, drivers,
        reason: `Dawn found no WebGPU adapter on the Vulkan driver(s) ${drivers.map((d) => path.basename(d)).join(', ') || '(system)'}: ` +
          `a driver lacks a feature Dawn requires (Dawn's warnings on stderr name it; Debian 12's lavapipe lacks shaderSampledImageArrayDynamicIndexing) or did not start`,
      };
    }
    const summary = summarise(adapter);
    return { adapter: summary, loader, drivers, reason: `adapter ${describeAdapter(summary)}` };
  } catch (err) {
    return { adapter: null, loader, drivers, reason: `Dawn failed to look for an adapter: ${(err as Error).message.split('\n')[0]}` };
  }
}

/**
 * Make `navigator.gpu` (and the WebGPU constants such as GPUBufferUsage) global, from the instance
 * `probeWebGpu()` created. Call after a successful probe and before importing the webgpu backend module.
 */
export async function installNavigatorGpu(): Promise<void> {
  const mod = await loadDawn();
  gpu ??= mod.create([]);
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in g)) g[k] = v;
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (nav == null) {
    g.navigator = { gpu };
  } else if (nav.gpu == null) {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  }
}

/** "nvidia ampere (NVIDIA H100 …), max storage buffer 2 GiB, workgroup storage 48 KiB" and whether software. */
export function describeAdapter(a: WebGpuAdapterSummary): string {
  const size = (b: number) => (b >= 2 ** 30 ? `${+(b / 2 ** 30).toFixed(2)} GiB` : b >= 2 ** 20 ? `${+(b / 2 ** 20).toFixed(1)} MiB` : `${+(b / 1024).toFixed(1)} KiB`);
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unnamed';
  const driver = [a.device, a.description].filter(Boolean).join(', ');
  return `${name}${driver ? ` (${driver})` : ''}, ${a.fallback ? 'software (fallback) adapter' : 'hardware adapter'}, ` +
    `max storage buffer ${size(a.maxStorageBufferBindingSize)}, workgroup storage ${size(a.maxComputeWorkgroupStorageSize)}`;
}

interface GpuErrorLike {
  message: string;
  constructor: { name: string };
}
interface DeviceLike {
  pushErrorScope(filter: 'out-of-memory' | 'validation'): void;
  popErrorScope(): Promise<GpuErrorLike | null>;
}
interface WebGpuBackendLike {
  device?: DeviceLike;
  bufferManager?: { freeBuffers?: Map<string, Array<{ destroy(): void; size: number }>>; numFreeBuffers?: number; numBytesAllocated?: number };
}

/** The device of the active webgpu backend, or null on any other backend. */
function activeDevice(): { backend: WebGpuBackendLike; device: DeviceLike } | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  return backend.device ? { backend, device: backend.device } : null;
}

/** A size limit of the adapter exceeded: the tensor is too large for one buffer, which a smaller batch fixes. */
const SIZE_LIMIT = /max(StorageBuffer|Buffer|UniformBuffer)\w*Size|exceeds the max|larger than the max|too large/i;

/**
 * Run `fn` (one training micro-step, say) with the GPU's out-of-memory and validation errors captured in
 * WebGPU error scopes, so that they surface here instead of as later, unrelated failures (a failed allocation
 * leaves an invalid buffer that TensorFlow.js reads from). Out of GPU memory, or a tensor over the adapter's
 * largest buffer, becomes an Error whose message says "out of memory" (what `--batch-size auto` halves on);
 * other validation errors are raised as they are. On any other backend it only runs `fn`. `discard` frees
 * what `fn` returned when an error is raised after all.
 */
export async function withGpuErrors<T>(fn: () => Promise<T>, discard: (result: T) => void = () => {}): Promise<T> {
  const active = activeDevice();
  if (!active) return fn();
  const { device, backend } = active;
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let result: T | undefined;
  let thrown: unknown = null;
  let ok = false;
  try {
    result = await fn();
    ok = true;
  } catch (err) {
    thrown = err;
  }
  const oom = await device.popErrorScope();
  const invalid = await device.popErrorScope();
  const memory = oom ?? (invalid && SIZE_LIMIT.test(invalid.message) ? invalid : null);
  if (memory || invalid) {
    if (ok) discard(result as T);
    if (memory) {
      releaseFreeBuffers(backend);
      throw new Error(`out of memory on the GPU (WebGPU ${memory.constructor.name}: ${memory.message.split('\n')[0]})`);
    }
    throw new Error(`WebGPU validation error: ${invalid!.message.split('\n')[0]}`);
  }
  if (!ok) throw thrown;
  return result as T;
}

/**
 * Destroy the buffers TensorFlow.js keeps for reuse (its pool never shrinks), so that a retry with a smaller
 * batch has the memory they held. Only the free ones: buffers of live tensors stay.
 */
function releaseFreeBuffers(backend: WebGpuBackendLike): void {
  const pool = backend.bufferManager;
  if (!pool?.freeBuffers) return;
  for (const buffers of pool.freeBuffers.values()) {
    for (const b of buffers) {
      if (typeof pool.numBytesAllocated === 'number') pool.numBytesAllocated -= b.size;
      b.destroy();
    }
    buffers.length = 0;
  }
  pool.numFreeBuffers = 0;
}

/** Bytes of GPU memory TensorFlow.js's webgpu backend holds (live tensors and its pool), or null on other backends. */
export function gpuBytesAllocated(): number | null {
  if (tf.getBackend() !== 'webgpu') return null;
  // tfjs-backend-webgpu 4.x: the bytes of every buffer its pool has created and not destroyed (the pool keeps
  // freed buffers for reuse, so after a run this is its peak).
  const m = tf.memory() as { numBytesAllocatedInGPU?: number };
  return typeof m.numBytesAllocatedInGPU === 'number' ? m.numBytesAllocatedInGPU : null;
}
