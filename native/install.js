#!/usr/bin/env node
/**
 * Builds the optional OpenBLAS addon (native/build/Release/cefrlab_blas.node) during `npm install`.
 *
 * The addon only makes training faster; everything works without it. So this script never fails the
 * install: when the build is not possible (no OpenBLAS headers, no compiler, no Node headers) it prints
 * one line saying why and how to get it, and exits 0. The full compiler log goes to native/build/build.log.
 *
 * Node headers: if the running Node ships its headers next to it (`<prefix>/include/node`, as distribution
 * packages and official tarballs do), they are used directly, so the build also works offline.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const log = path.join(here, 'build', 'build.log');
const note = (msg) => process.stdout.write(`cefrlab: ${msg}\n`);

if (process.env.CEFRLAB_NATIVE === '0') {
  note('CEFRLAB_NATIVE=0: skipping the OpenBLAS kernels (TensorFlow.js runs on its own kernels).');
  process.exit(0);
}

/** Where cblas.h may be: the usual include folders (Debian/Ubuntu put it under the multiarch folder). */
function findCblasHeader() {
  const dirs = ['/usr/include', '/usr/local/include', '/usr/include/openblas', '/opt/homebrew/opt/openblas/include', '/usr/local/opt/openblas/include'];
  for (const multi of ['x86_64-linux-gnu', 'aarch64-linux-gnu']) dirs.push(`/usr/include/${multi}`);
  return dirs.find((d) => fs.existsSync(path.join(d, 'cblas.h'))) ?? null;
}

/** The node-gyp that npm bundles (npm exports its path to scripts), else one on PATH. */
function nodeGypCommand() {
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && fs.existsSync(bundled)) return [process.execPath, bundled];
  const candidates = [path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
  for (const c of candidates) if (fs.existsSync(c)) return [process.execPath, c];
  return ['node-gyp'];
}

const header = findCblasHeader();
if (!header) {
  note('OpenBLAS kernels not built: cblas.h not found (install libopenblas-dev, then run `node native/install.js`); using TensorFlow.js kernels.');
  process.exit(0);
}

const args = ['rebuild'];
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))) args.push(`--nodedir=${prefix}`);
const [cmd, ...pre] = nodeGypCommand();
const result = spawnSync(cmd, [...pre, ...args], { cwd: here, encoding: 'utf8', env: process.env });
fs.mkdirSync(path.dirname(log), { recursive: true });
fs.writeFileSync(log, `${cmd} ${[...pre, ...args].join(' ')}\n${result.stdout ?? ''}\n${result.stderr ?? ''}\n${result.error ? String(result.error) : ''}\n`);
if (result.status === 0 && fs.existsSync(path.join(here, 'build', 'Release', 'cefrlab_blas.node'))) {
  note('OpenBLAS kernels built (native/build/Release/cefrlab_blas.node).');
} else {
  const why = result.error ? String(result.error.message) : `node-gyp exited with ${result.status}`;
  note(`OpenBLAS kernels not built (${why}; details in native/build/build.log); using TensorFlow.js kernels.`);
}
process.exit(0);
