/**
 * The `perplexity` encoder of notebook 06 at the notebook's full settings, without leakage: trains notebook 03's
 * level models as `npm start` does (the full plan: 40 steps each from the base model, on the training split of
 * each level with enough answers), then, on the CEFR-ASAG answers none of them saw, cross-validates
 * `perplexity`, `features` and `features+perplexity` (5 folds, logistic head, seed 0, 1,000 bootstrap
 * resamples), compares them by paired bootstrap differences, and tests the least-surprise claim against the
 * majority baseline. For contrast it also reports the number the notebook used to print: the same encoder
 * cross-validated on 240 answers sampled from all 708, most of which the models trained on (the library
 * refuses that set, so the vectors are computed here and handed over, which the check does not see).
 * Run: node --import tsx bench/classify/perplexity-heldout.ts [WORK_DIR] [--reuse]   (default experiments/bench-perplexity;
 * --reuse keeps level models already trained there)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend, describeBackend } from '../../src/runtime/backend';
import { notebookPlan, levelsWithEnoughData } from '../../src/notebooks/03-training-plan';
import { prepare } from '../../src/corpus/prepare';
import { buildExamples } from '../../src/ilm/examples';
import { trainExperiment } from '../../src/train/experiment';
import { classifyNotebookPlan, resultRow, levelCounts } from '../../src/notebooks/06-cefr-classification';
import { loadCorpora, sampleRows } from '../../src/classify/corpora';
import { crossValidate, inputVectors, resolveOptions } from '../../src/classify/classifier';
import { createEncoder } from '../../src/classify/spec';
import { rowsHeldOutFrom, levelPerplexities, argminPerplexityTest, argminReading, pairedDifference, pairedReading } from '../../src/classify/perplexity-study';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const work = args.find((a) => !a.startsWith('--')) ?? path.join('experiments', 'bench-perplexity');
  const reuse = args.includes('--reuse');
  console.log(`backend: ${describeBackend(await initBackend())}`);
  const train = notebookPlan({});
  const plan = classifyNotebookPlan({});
  const t0 = Date.now();
  const all = await prepare({ out: path.join(work, 'data', 'all'), showProgress: false });
  const models: Array<{ level: string; dir: string }> = [];
  for (const { level } of levelsWithEnoughData(all.manifest, train.minLevelDocuments).filter((l) => l.train)) {
    const dataDir = path.join(work, 'data', level);
    const examplesDir = path.join(work, 'examples', level);
    if (reuse && fs.existsSync(path.join(work, level, 'checkpoints'))) {
      models.push({ level, dir: path.join(work, level) });
      continue;
    }
    await prepare({ out: dataDir, cefrLevel: level, showProgress: false });
    for (const split of ['train', 'valid', 'test']) await buildExamples(split, dataDir, examplesDir, { seed: 0, seqLen: train.seqLen });
    const dir = path.join(work, level);
    const r = await trainExperiment(dir, examplesDir, {
      model: train.model, seed: 0, trainTag: 'train', evalTag: 'valid', batchSize: train.batchSize, accum: train.accum, weightDecay: 0, clip: 1.0,
      seqLen: train.seqLen, minimalSupervision: false, restart: true, init: train.init, ...train.level, log: () => {},
    });
    console.log(`${level}: ${r.step} steps in ${r.seconds.toFixed(0)} s`);
    models.push({ level, dir });
  }
  const trainedSeconds = (Date.now() - t0) / 1000;
  const { asag } = loadCorpora(plan);
  const spec = `perplexity:${models.map((m) => m.dir).join(',')}`;
  const cv = (rows: typeof asag, encoder: string, vectors?: Float64Array[]) =>
    crossValidate(rows, plan.folds, { encoder, head: 'logistic', seed: 0, showProgress: false }, { resamples: plan.resamples, vectors });

  // before: 240 answers sampled from all 708, as the notebook did (vectors handed over, so not checked)
  const leakyRows = sampleRows(asag, plan.pplRows);
  const enc = await createEncoder(spec);
  const leakyX = await inputVectors(enc, leakyRows, resolveOptions({ encoder: spec }), { showProgress: false });
  enc.dispose?.();
  const leakySeen = rowsHeldOutFrom(leakyRows, models).seen;
  const leaky = await cv(leakyRows, spec, leakyX);
  const leakyFeatures = await cv(leakyRows, 'features');

  // after: only the answers none of the level models saw
  const t1 = Date.now();
  const held = rowsHeldOutFrom(asag, models);
  const rows = sampleRows(held.rows, plan.pplRows);
  const ppl = await cv(rows, spec);
  const feats = await cv(rows, 'features');
  const both = await cv(rows, `features+${spec}`);
  const lnPpl = await levelPerplexities(rows, models);
  const argmin = argminPerplexityTest(rows, lnPpl, models, { resamples: plan.resamples });

  console.log(`\nlevel models: ${models.map((m) => m.level).join(', ')} (trained in ${trainedSeconds.toFixed(0)} s); held out from all of them: ${held.rows.length} of ${asag.length} answers ${JSON.stringify(levelCounts(held.rows))}; used ${rows.length}`);
  console.log('\n| texts | encoder | n | accuracy [90% CI] | QWK [90% CI] | balanced acc. |\n|---|---|---|---|---|---|');
  const line = (texts: string, name: string, r: Awaited<ReturnType<typeof cv>>) => {
    const row = resultRow(name, r);
    console.log(`| ${texts} | ${name} | ${r.n} | ${row['accuracy [90% CI]']} | ${row['QWK [90% CI]']} | ${row['balanced acc.']} |`);
  };
  line(`before: ${leakyRows.length} sampled from all 708 (${leakySeen} seen by the models)`, 'perplexity', leaky);
  line('before: the same texts', 'features', leakyFeatures);
  line(`after: ${rows.length} held out from the models`, 'perplexity', ppl);
  line('after: the same texts', 'features', feats);
  line('after: the same texts', 'features + perplexity', both);
  console.log('\n' + pairedReading('perplexity', 'features', pairedDifference(rows, ppl.predictions, feats.predictions, { resamples: plan.resamples })));
  console.log(pairedReading('features + perplexity', 'features', pairedDifference(rows, both.predictions, feats.predictions, { resamples: plan.resamples })));
  console.log('\n| true level | answers | ' + argmin.modelLevels.map((l) => `ln ppl, ${l} model`).join(' | ') + ' |\n|---|---|' + argmin.modelLevels.map(() => '---|').join(''));
  for (const m of argmin.meanByLevel) console.log(`| ${m.level} | ${m.n} | ${m.mean.map((x) => x.toFixed(3)).join(' | ')} |`);
  console.log('\n' + argminReading(argmin));
  console.log(`\nevaluation: ${((Date.now() - t1) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
