#!/usr/bin/env node
/**
 * Compiles every TypeScript file under src/ to JavaScript under dist/src/ (same layout), so that the `cefrlab`
 * command starts without compiling TypeScript at every start (bin/cefrlab.js). Transpilation only, with
 * esbuild (installed with tsx); type checking is `npm run typecheck`. Runs at install time (`npm install` /
 * `npm ci`, package.json's install script) and by hand: `node bin/build.js`. Every other file under src/ (the
 * web test's page, src/cat/static/) is copied beside the compiled code, since the code reads it from its own
 * directory. Writes dist/build.json, the
 * fingerprint of the sources it compiled; when the sources change later (a file added, edited or removed),
 * bin/cefrlab.js notices and runs src/ through tsx instead until the next build. The notebooks never use
 * dist/: tslab compiles ./src/*.ts itself.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { sourceFingerprint, ROOT, SRC, DIST, STAMP } = require('./sources');

function build() {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch (err) {
    process.stdout.write(`cefrlab: not compiled (esbuild not found: ${err.message.split('\n')[0]}); the command runs src/ through tsx.\n`);
    return 0;
  }
  const started = Date.now();
  const { files, assets, stamp } = sourceFingerprint();
  const tmp = `${DIST}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  for (const rel of files) {
    const src = path.join(SRC, rel);
    const out = path.join(tmp, 'src', rel.replace(/\.ts$/, '.js'));
    const { code } = esbuild.transformSync(fs.readFileSync(src, 'utf8'), {
      loader: 'ts', format: 'cjs', target: 'node20', supported: { 'dynamic-import': false }, sourcefile: path.relative(ROOT, src), tsconfigRaw: { compilerOptions: { esModuleInterop: true } },
    });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, code);
  }
  for (const rel of assets) {
    const out = path.join(tmp, 'src', rel);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.copyFileSync(path.join(SRC, rel), out);
  }
  fs.writeFileSync(path.join(tmp, path.basename(STAMP)), JSON.stringify({ stamp, files: files.length, assets: assets.length, built: new Date().toISOString() }) + '\n');
  // Swap in the new tree whole, so a concurrent start never sees half of it.
  const old = `${DIST}.old-${process.pid}`;
  if (fs.existsSync(DIST)) fs.renameSync(DIST, old);
  fs.renameSync(tmp, DIST);
  fs.rmSync(old, { recursive: true, force: true });
  process.stdout.write(`cefrlab: compiled ${files.length} source files and copied ${assets.length} assets to dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = build();
  } catch (err) {
    // Never fail an install over this: without dist/ the command runs src/ through tsx (slower start only).
    process.stdout.write(`cefrlab: not compiled (${String(err && err.message ? err.message : err).split('\n')[0]}); the command runs src/ through tsx.\n`);
    process.exitCode = process.env.npm_lifecycle_event === 'install' ? 0 : 1;
  }
}
module.exports = { build };
