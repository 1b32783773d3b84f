/**
 * bench/rate, step 3: the length and AWE baselines' QWK (5-fold out-of-fold predictions, 100 trees, 1000
 * bootstrap resamples, seed 0) and, for CEFR-ASAG, the examiners' human-human agreement: the numbers in
 * BENCHMARKS.md. Run: node --import tsx bench/rate/baselines.ts [asag] [ellipse]   (default: both)
 */
import { baselineStudy, loadCefrAsag, loadEllipse, qwkTable, studyPlan, type BaselineStudy } from '../../src/notebooks/09-llm-rating';

const which = process.argv.slice(2).length ? process.argv.slice(2) : ['asag', 'ellipse'];
const plan = studyPlan({});
const studies: BaselineStudy[] = [];
if (which.includes('asag')) studies.push(baselineStudy(loadCefrAsag(), plan));
if (which.includes('ellipse')) studies.push(baselineStudy(loadEllipse(), plan));
const rows = qwkTable(studies.flatMap((s) => [{ set: s.set.name, system: 'length', report: s.length }, { set: s.set.name, system: 'AWE', report: s.awe }]));
console.log('| set | system | reference | n | QWK | 90% CI | exact | adjacent |\n|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.set} | ${r.system} | ${r.reference} | ${r.n} | ${r.qwk} | ${r.ci90} | ${r.exact} | ${r.adjacent} |`);
for (const s of studies) {
  if (!s.humans) continue;
  console.log(`\n${s.set.name}\n| human pair | n | QWK | 90% CI |\n|---|---|---|---|`);
  for (const h of s.humans.humanHuman) console.log(`| ${h.a} ~ ${h.b} | ${h.n} | ${h.estimate.toFixed(3)} | [${h.ci90[0].toFixed(3)}, ${h.ci90[1].toFixed(3)}] |`);
  for (const [ref, q] of Object.entries(s.humans.qwk)) console.log(`| ${s.humans.machine} ~ ${ref === 'consensus' ? 'consensus(examiner2, examiner3)' : ref} | ${q.n} | ${q.estimate.toFixed(3)} | [${q.ci90[0].toFixed(3)}, ${q.ci90[1].toFixed(3)}] |`);
}
for (const s of studies) console.log(`time ${s.set.name}: ${s.seconds.toFixed(0)} s; length cut points: ${s.lengthCuts.map((c) => `${c.from}->${c.to} at ${c.chars}`).join(', ')}`);
