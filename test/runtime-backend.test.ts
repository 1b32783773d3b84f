import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseBackendOverride, BACKEND_ORDER } from '../src/runtime/backend';

const root = path.resolve(__dirname, '..');

/** Run the backend choice in a fresh process (the choice is made once per process). */
function chooseIn(env: Record<string, string>): { status: number | null; out: string; err: string } {
  const script = `require('./src/runtime/backend').initBackend().then(r => { const tf = require('@tensorflow/tfjs'); console.log(JSON.stringify({ ...r, active: tf.getBackend() })); })`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

test('override values parse, case-insensitively, and unknown values are rejected', () => {
  assert.equal(parseBackendOverride(undefined), null);
  assert.equal(parseBackendOverride(''), null);
  assert.equal(parseBackendOverride(' WASM '), 'wasm');
  assert.equal(parseBackendOverride('node-gpu'), 'node-gpu');
  assert.equal(parseBackendOverride('WebGPU'), 'webgpu');
  assert.throws(() => parseBackendOverride('cuda'), /CEFRLAB_BACKEND=cuda is not a backend.*node-gpu, webgpu, node, wasm, cpu/);
  assert.deepEqual([...BACKEND_ORDER], ['node-gpu', 'webgpu', 'node', 'wasm', 'cpu']);
});

test('automatic choice tries the order and explains every skipped backend', () => {
  const r = chooseIn({ CEFRLAB_BACKEND: '' });
  assert.equal(r.status, 0, r.err);
  const report = JSON.parse(r.out);
  const tried = report.attempts.map((a: { choice: string }) => a.choice);
  // The attempts are a prefix of the order that ends at the chosen backend.
  assert.deepEqual(tried, BACKEND_ORDER.slice(0, BACKEND_ORDER.indexOf(report.choice) + 1));
  for (const a of report.attempts.slice(0, -1)) {
    assert.equal(a.ok, false);
    assert.ok(a.reason.length > 10, `a skipped backend needs a reason: ${JSON.stringify(a)}`);
  }
  assert.equal(report.attempts.at(-1).ok, true);
  assert.equal(report.active, report.tfBackend);
});

test('danfojs-node\'s aliased tfjs-node is not mistaken for the native backend', () => {
  const r = chooseIn({ CEFRLAB_BACKEND: '' });
  const report = JSON.parse(r.out);
  const node = report.attempts.find((a: { choice: string }) => a.choice === 'node');
  let genuine = false;
  try {
    genuine = require(require.resolve('@tensorflow/tfjs-node/package.json', { paths: [root] })).name === '@tensorflow/tfjs-node';
  } catch {
    genuine = false;
  }
  if (!genuine) {
    // Here the folder @tensorflow/tfjs-node, if present, holds plain tfjs: the choice must skip it.
    assert.ok(node, 'node must have been tried');
    assert.equal(node.ok, false);
    assert.match(node.reason, /not installed/);
  } else {
    assert.ok(report.choice === 'node' || report.choice === 'node-gpu');
  }
});

test('a forced backend runs and is reported as forced', () => {
  for (const choice of ['cpu', 'wasm']) {
    const r = chooseIn({ CEFRLAB_BACKEND: choice });
    assert.equal(r.status, 0, r.err);
    const report = JSON.parse(r.out);
    assert.equal(report.choice, choice);
    assert.equal(report.forced, choice);
    assert.equal(report.active, choice);
  }
});

test('a forced backend that cannot load is an error naming it, not a silent fallback', () => {
  const r = chooseIn({ CEFRLAB_BACKEND: 'node-gpu' });
  if (r.status === 0) {
    assert.equal(JSON.parse(r.out).choice, 'node-gpu'); // a machine with the GPU build installed
  } else {
    assert.match(r.err, /CEFRLAB_BACKEND=node-gpu was requested but it does not run/);
  }
});

test('native kernels follow the backend and CEFRLAB_NATIVE=0 turns them off', () => {
  const on = JSON.parse(chooseIn({ CEFRLAB_BACKEND: 'wasm' }).out);
  const off = JSON.parse(chooseIn({ CEFRLAB_BACKEND: 'wasm', CEFRLAB_NATIVE: '0' }).out);
  assert.equal(off.native.active, false);
  if (on.native.loaded) {
    assert.equal(on.native.active, true);
    assert.equal(on.native.backend, 'wasm');
    assert.ok(on.native.kernels.includes('BatchMatMul'));
  } else {
    assert.match(on.native.reason, /\S/);
  }
});

test('cefrlab doctor reports the backend that runs and why', () => {
  const run = spawnSync(process.execPath, ['bin/cefrlab.js', 'doctor', '--json'], { cwd: root, encoding: 'utf8', env: { ...process.env, CEFRLAB_BACKEND: 'cpu' } });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.backend.choice, 'cpu');
  assert.match(report.backendLine, report.backend.native.active ? /^cpu \+ OpenBLAS kernels \[forced by CEFRLAB_BACKEND\]/ : /^cpu \[forced by CEFRLAB_BACKEND\]/);
  assert.equal(typeof report.backend.native.reason, 'string');
  assert.equal(report.data.defaultCsvExists, true);
  assert.equal(typeof report.gpu.visible, 'boolean');
});

test('the cpu backend computes without printing its "install our node backend" banner', () => {
  const script = `require('./src/runtime/backend').initBackend().then(() => { const tf = require('@tensorflow/tfjs'); console.log(tf.getBackend(), tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]); })`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: { ...process.env, CEFRLAB_BACKEND: 'cpu' }, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'cpu 5');
  assert.doesNotMatch(run.stdout + run.stderr, /looks like you are running TensorFlow\.js/);
});
