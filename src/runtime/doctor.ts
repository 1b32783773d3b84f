/** What `cefrlab doctor` reports: the facts a user needs before trusting a run on this machine. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { initBackend, describeBackend, gpuVisible, BackendReport, BACKEND_PREFERENCE, BackendChoice } from './backend';
import { probeWebGpu, describeAdapter, WebGpuProbe } from './webgpu';
import { jupyterStatus, JupyterStatus, KERNEL_NAME } from './jupyter';
import { versions, Versions } from './versions';
import { dataDir, defaultCsv, jupyterDir } from './paths';
import { findChromium } from './chromium';
import { describeNativeKernels } from './kernels/index';

export interface DoctorReport {
  versions: Versions;
  machine: { cpus: number; memoryGiB: number };
  backend: BackendReport;
  backendLine: string;
  /** Every backend in the order of preference: taken, skipped (why) or not tried (a better one ran). */
  backends: { choice: BackendChoice; status: 'taken' | 'skipped' | 'not tried'; reason: string; needs: string; why: string }[];
  /** The WebGPU adapter (probed here when the backend choice did not try webgpu). */
  webgpu: WebGpuProbe;
  gpu: { visible: boolean; how: string; used: boolean };
  jupyter: JupyterStatus & { kernelSpecDir: string; kernelName: string };
  chromium: string | null;
  data: { dir: string; defaultCsv: string; defaultCsvExists: boolean; sets: string[] };
}

/** `env`: the environment the Vulkan loader reads (the command line passes its own). */
export async function doctor(env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const backend = await initBackend();
  const gpu = gpuVisible();
  const webgpu = backend.webgpu ?? (await probeWebGpu(env));
  const backends = BACKEND_PREFERENCE.map((p) => {
    const a = backend.attempts.find((x) => x.choice === p.choice);
    const status = a ? (a.ok ? 'taken' : 'skipped') : 'not tried';
    const reason = a ? a.reason : backend.forced ? `CEFRLAB_BACKEND=${backend.forced}: only that backend is tried` : `${backend.choice} comes first and runs`;
    return { choice: p.choice, status, reason, needs: p.needs, why: p.why } as const;
  });
  return {
    versions: versions(),
    machine: { cpus: os.cpus().length, memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10 },
    backend,
    backendLine: describeBackend(backend),
    backends,
    webgpu,
    gpu: { ...gpu, used: backend.choice === 'node-gpu' || (backend.choice === 'webgpu' && backend.webgpu?.adapter?.fallback === false) },
    jupyter: { ...jupyterStatus(), kernelSpecDir: jupyterDir, kernelName: KERNEL_NAME },
    chromium: findChromium(),
    data: {
      dir: dataDir,
      defaultCsv,
      defaultCsvExists: fs.existsSync(defaultCsv),
      sets: fs.existsSync(dataDir) ? fs.readdirSync(dataDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [],
    },
  };
}

export function formatDoctor(r: DoctorReport): string {
  const p = r.versions.packages;
  const row = (k: string, v: string) => `${k.padEnd(22)} ${v}`;
  return [
    row('node', `${r.versions.node} (${r.versions.platform}), ${r.machine.cpus} cpus, ${r.machine.memoryGiB} GiB`),
    row('cefrlab', r.versions.cefrlab),
    row('tfjs', `${r.backend.tfjsVersion}; wasm ${p['@tensorflow/tfjs-backend-wasm'] ?? 'missing'}`),
    row('packages', ['gpt-tokenizer', 'csv-parse', 'danfojs-node', 'plotly.js-dist', 'tslab'].map((n) => `${n} ${p[n] ?? 'missing'}`).join(', ')),
    row('backend', r.backendLine),
    ...r.backends.map((b, i) => row(i === 0 ? 'backends (best first)' : '', `${`${i + 1}. ${b.choice}`.padEnd(12)} ${b.status}: ${b.reason}`)),
    row('webgpu adapter', r.webgpu.adapter ? describeAdapter(r.webgpu.adapter) : `none: ${r.webgpu.reason}`),
    row('vulkan', `loader ${r.webgpu.loader ?? (process.platform === 'linux' ? 'not found' : 'n/a (not Linux)')}; drivers ${r.webgpu.drivers.join(', ') || 'none found'}`),
    row('native kernels', describeNativeKernels(r.backend.native)),
    row('gpu', `${r.gpu.visible ? 'visible' : 'not visible'} (${r.gpu.how}); ${r.gpu.used ? 'in use' : 'not in use'}`),
    row('jupyter', r.jupyter.found ? `${r.jupyter.detail} via ${r.jupyter.python}` : `${r.jupyter.detail} (apt-get install jupyter-nbconvert python3-nbconvert jupyter-client jupyter-notebook)`),
    row('kernel', `${r.jupyter.kernelName} ${r.jupyter.kernelFound ? 'found' : 'NOT found'} in ${r.jupyter.kernelSpecDir}`),
    row('chromium (PNG export)', r.chromium ?? 'not found (apt-get install chromium)'),
    row('embedded data', `${r.data.dir}: ${r.data.sets.join(', ')}`),
    row('default CSV', `${r.data.defaultCsv}${r.data.defaultCsvExists ? '' : ' (MISSING)'}`),
    '',
    'Why this order (CEFRLAB_BACKEND=<name> forces one):',
    ...r.backends.map((b) => `  ${b.choice.padEnd(9)} ${b.why}. Needs: ${b.needs}.`),
  ].join('\n');
}
