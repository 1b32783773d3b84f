import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACKEND_PREFERENCE } from '../src/runtime/backend';
import { webgpuTestEnv } from './webgpu-env';

const root = path.resolve(__dirname, '..');
const gpuEnv = webgpuTestEnv();

function chooseIn(env: NodeJS.ProcessEnv): { status: number | null; out: string; err: string } {
  const script = `require('./src/runtime/backend').initBackend().then(r => { const tf = require('@tensorflow/tfjs'); console.log(JSON.stringify({ ...r, active: tf.getBackend() })); })`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

test('the README states the order of preference and its reasons exactly as doctor prints them', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Backends and GPUs'));
  for (const [i, p] of BACKEND_PREFERENCE.entries()) {
    assert.ok(section.includes(`| ${i + 1} | \`${p.choice}\` | ${p.why} | ${p.needs} |`), `README row for ${p.choice} differs from BACKEND_PREFERENCE`);
  }
});

test('CEFRLAB_BACKEND=webgpu without a Vulkan driver fails loudly, naming what is missing', () => {
  const r = chooseIn({ ...process.env, CEFRLAB_BACKEND: 'webgpu', VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '' });
  assert.notEqual(r.status, 0);
  assert.match(r.err, /CEFRLAB_BACKEND=webgpu was requested but it does not run \(webgpu: no Vulkan (loader \(libvulkan\.so\.1 not found; Debian\/Ubuntu: apt-get install libvulkan1\)|driver \(no ICD manifest.*VK_ICD_FILENAMES=\/nonexistent\/icd\.json names no existing file)/);
});

test('webgpu: forced, a software adapter is taken and reported; chosen automatically, it is skipped as slower than wasm', (t) => {
  if (!gpuEnv.env) return t.skip(gpuEnv.reason);
  const forced = chooseIn({ ...gpuEnv.env, CEFRLAB_BACKEND: 'webgpu' });
  assert.equal(forced.status, 0, forced.err);
  const f = JSON.parse(forced.out);
  assert.equal(f.choice, 'webgpu');
  assert.equal(f.active, 'webgpu');
  assert.equal(typeof f.webgpu.adapter.vendor, 'string');
  assert.ok(f.webgpu.adapter.maxStorageBufferBindingSize >= 128 * 2 ** 20);
  assert.ok(f.webgpu.adapter.maxComputeWorkgroupStorageSize >= 16384);
  assert.equal(f.native.active, false, 'the OpenBLAS kernels serve wasm and cpu only');
  const auto = JSON.parse(chooseIn({ ...gpuEnv.env, CEFRLAB_BACKEND: '' }).out);
  const webgpu = auto.attempts.find((a: { choice: string }) => a.choice === 'webgpu');
  if (f.webgpu.adapter.fallback) {
    assert.equal(webgpu.ok, false);
    assert.match(webgpu.reason, /only a software adapter: .*slower than wasm, so not taken unless CEFRLAB_BACKEND=webgpu/);
    assert.notEqual(auto.choice, 'webgpu');
  } else {
    assert.ok(auto.choice === 'webgpu' || auto.choice === 'node-gpu');
  }
});

test('cefrlab doctor names the adapter and says for each backend why it was or was not taken', (t) => {
  if (!gpuEnv.env) return t.skip(gpuEnv.reason);
  const run = spawnSync(process.execPath, ['bin/cefrlab.js', 'doctor'], { cwd: root, encoding: 'utf8', env: { ...gpuEnv.env, CEFRLAB_BACKEND: 'cpu' }, timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  // Forced to cpu, doctor still probes the adapter.
  assert.match(run.stdout, /webgpu adapter {9}\S+.*(software \(fallback\)|hardware) adapter, max storage buffer [\d.]+ [GMK]iB, workgroup storage [\d.]+ KiB/);
  assert.match(run.stdout, /1\. node-gpu +not tried: CEFRLAB_BACKEND=cpu: only that backend is tried/);
  assert.match(run.stdout, /5\. cpu +taken/);
  for (const p of BACKEND_PREFERENCE) assert.ok(run.stdout.includes(`${p.choice.padEnd(9)} ${p.why}. Needs: ${p.needs}.`), p.choice);
});
