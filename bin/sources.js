'use strict';
/** The fingerprint of src/ that bin/build.js records and bin/cefrlab.js compares: every .ts file, its size and mtime. */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, 'build.json');

function walk(dir, rel, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(path.join(dir, e.name), r, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(r);
  }
  return out;
}

/** Sorted relative paths of the sources and a string that changes when any of them is added, removed or edited. */
function sourceFingerprint() {
  const files = walk(SRC, '', []).sort();
  let h = 0;
  const mix = (s) => {
    for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  };
  for (const f of files) {
    const st = fs.statSync(path.join(SRC, f));
    mix(`${f}:${st.size}:${st.mtimeMs};`);
  }
  return { files, stamp: `${files.length}:${(h >>> 0).toString(16)}` };
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
