'use strict';
/**
 * The fingerprint of src/ that bin/build.js records and bin/cefrlab.js compares: every file under src/ (the .ts
 * files it compiles and the assets it copies, such as src/cat/static/), its size and mtime, so that a changed
 * asset makes dist/ stale like a changed source.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, 'build.json');

/** Whether a file under src/ is compiled (TypeScript) rather than copied as it is (an asset). */
function isSource(name) {
  return name.endsWith('.ts') && !name.endsWith('.d.ts');
}

/** Type declarations and editor/OS litter are neither compiled nor copied. */
function isAsset(name) {
  return !name.endsWith('.d.ts') && !name.endsWith('.ts') && !name.startsWith('.') && !name.endsWith('~');
}

function walk(dir, rel, files, assets) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(path.join(dir, e.name), r, files, assets);
    else if (isSource(e.name)) files.push(r);
    else if (isAsset(e.name)) assets.push(r);
  }
}

/**
 * Sorted relative paths of the sources (`files`, compiled) and of the assets (`assets`, copied), and a string
 * that changes when any of them is added, removed or edited.
 */
function sourceFingerprint() {
  const files = [];
  const assets = [];
  walk(SRC, '', files, assets);
  files.sort();
  assets.sort();
  let h = 0;
  const mix = (s) => {
    for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  };
  for (const f of [...files, ...assets]) {
    const st = fs.statSync(path.join(SRC, f));
    mix(`${f}:${st.size}:${st.mtimeMs};`);
  }
  return { files, assets, stamp: `${files.length}+${assets.length}:${(h >>> 0).toString(16)}` };
}

/** Whether dist/ holds a build of exactly the current sources. */
function distIsFresh() {
  try {
    const recorded = JSON.parse(fs.readFileSync(STAMP, 'utf8')).stamp;
    return recorded === sourceFingerprint().stamp;
  } catch {
    return false;
  }
}

module.exports = { ROOT, SRC, DIST, STAMP, sourceFingerprint, distIsFresh };
