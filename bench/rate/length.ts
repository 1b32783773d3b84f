/**
 * bench/rate, the length baselines alone: the ordinal length model read at its most probable class (the form
 * before) and at its expected score rounded to the scale, least squares on the length rounded to the scale,
 * and Spearman's rho between characters and the label (5-fold out-of-fold predictions, 1000 bootstrap
 * resamples, seed 0, as bench/rate/baselines.ts). Also the rho of the length of ELLIPSE's `text_id_kaggle`
 * column, the figure once quoted for the essays by mistake.
 * Run: node --import tsx bench/rate/length.ts
 */
import { agreement } from '../../src/rate/agreement';
import { lengthScoreCorrelation, lengthStudy, loadCefrAsag, loadEllipse, qwkTable, studyPlan, withLengthRatings } from '../../src/notebooks/09-llm-rating';

const plan = studyPlan({});
console.log('| set | length form | reference | n | QWK | 90% CI | exact | adjacent |\n|---|---|---|---|---|---|---|---|');
const notes: string[] = [];
for (const set of [loadCefrAsag(), loadEllipse()]) {
  const t0 = Date.now();
  const l = lengthStudy(set, plan);
  const rows = withLengthRatings(set, l);
  const opts = { human: set.humans, seed: 0, resamples: plan.resamples };
  const table = qwkTable([
    { set: set.name, system: 'ordinal, most probable class', report: agreement(rows, { ...opts, machine: 'length_mode_rating' }) },
    { set: set.name, system: 'ordinal, expected score rounded', report: agreement(rows, { ...opts, machine: 'length_rating' }) },
    { set: set.name, system: 'least squares, rounded', report: agreement(rows, { ...opts, machine: 'length_regression_rating' }) },
  ]);
  for (const r of table) console.log(`| ${r.set} | ${r.system} | ${r.reference} | ${r.n} | ${r.qwk} | ${r.ci90} | ${r.exact} | ${r.adjacent} |`);
  const c = l.lengthCorrelation;
  notes.push(`${set.name}: Spearman rho(characters of ${set.textColumn}, ${set.label}) = ${c.rho.toFixed(3)} [${c.ci90[0].toFixed(3)}, ${c.ci90[1].toFixed(3)}] (n ${c.n}); ` +
    `cut points, expected score: ${l.lengthCuts.map((x) => `${x.from}->${x.to} at ${x.chars}`).join(', ')}; most probable class: ${l.lengthModeCuts.map((x) => `${x.from}->${x.to} at ${x.chars}`).join(', ')}; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (set.name === 'ELLIPSE') {
    const id = lengthScoreCorrelation({ ...set, textColumn: 'text_id_kaggle' }, { resamples: plan.resamples });
    notes.push(`ELLIPSE: Spearman rho(characters of text_id_kaggle, Overall) = ${id.rho.toFixed(4)} [${id.ci90[0].toFixed(3)}, ${id.ci90[1].toFixed(3)}]`);
  }
}
console.log('\n' + notes.join('\n'));
