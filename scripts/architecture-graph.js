#!/usr/bin/env node
/**
 * Draws the layers of src/ for docs/ARCHITECTURE.md: the tiers of .dependency-cruiser.cjs as stacked boxes, and
 * the folders' imports as found by dependency-cruiser, reduced to the edges that no longer path implies (the
 * transitive reduction, so the picture stays readable while every "may reach" relation is still drawn).
 *
 *   node scripts/architecture-graph.js          rewrite the diagram between the layers markers of the doc
 *   node scripts/architecture-graph.js --print  print the Mermaid text only
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DOC = path.join(ROOT, 'docs', 'ARCHITECTURE.md');
const BEGIN = '<!-- layers:begin (scripts/architecture-graph.js writes this block) -->';
const END = '<!-- layers:end -->';
const { TIERS } = require(path.join(ROOT, '.dependency-cruiser.cjs'));

function folderEdges() {
  const cli = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const r = spawnSync(process.execPath, [cli, '--output-type', 'json', 'src'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`dependency-cruiser failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  const folder = (p) => (/^src\/([^/]+)\//.exec(p) || [])[1];
  const edges = new Map();
  for (const m of JSON.parse(r.stdout).modules) {
    const a = folder(m.source);
    if (!a) continue;
    for (const d of m.dependencies) {
      const b = folder(d.resolved);
      if (!b || b === a) continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a).add(b);
    }
  }
  return edges;
}

/** Drop a -> b when b is reachable from a through another of a's targets (the graph has no cycles). */
function transitiveReduction(edges) {
  const reach = new Map();
  const reachable = (v) => {
    if (reach.has(v)) return reach.get(v);
    const out = new Set();
    for (const w of edges.get(v) || []) {
      out.add(w);
      for (const x of reachable(w)) out.add(x);
    }
    reach.set(v, out);
    return out;
  };
  const kept = [];
  for (const [a, targets] of edges) {
    for (const b of targets) {
      const implied = [...targets].some((c) => c !== b && reachable(c).has(b));
      if (!implied) kept.push([a, b]);
    }
  }
  return kept.sort((x, y) => (x[0] + x[1]).localeCompare(y[0] + y[1]));
}

function mermaid() {
  const lines = ['flowchart BT'];
  TIERS.forEach((tier, i) => {
    lines.push(`  subgraph t${i}["tier ${i}"]`, '    direction LR');
    for (const f of tier) lines.push(`    ${f}["${f}"]`);
    lines.push('  end');
  });
  for (let i = 1; i < TIERS.length; i++) lines.push(`  t${i} ~~~ t${i - 1}`);
  for (const [a, b] of transitiveReduction(folderEdges())) lines.push(`  ${a} --> ${b}`);
  return lines.join('\n');
}

const text = mermaid();
if (process.argv.includes('--print')) {
  process.stdout.write(`${text}\n`);
} else {
  const doc = fs.readFileSync(DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC}: the markers ${BEGIN} ... ${END} are missing. Fix: put them where the diagram goes`);
  const block = `${BEGIN}\n\`\`\`mermaid\n${text}\n\`\`\`\n`;
  fs.writeFileSync(DOC, doc.slice(0, start) + block + doc.slice(end));
  process.stdout.write(`${path.relative(ROOT, DOC)}: diagram written (${text.split('\n').length} lines)\n`);
}
