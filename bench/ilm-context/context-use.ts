/**
 * Does an ILM read the words around a blank? Two measurements, for choosing how to pretrain the base model.
 *
 * 1. `probe MODEL_DIR`: one word blanked in each of the first N test texts of notebook 03's data (the harness's
 *    masks, seed 42), scored by the SAME model twice: as an ILM (the whole text, the blank, the separator, the
 *    word) and as a left-to-right model (the text before the word). A model that uses the context on both
 *    sides gives the ILM reading the lower perplexity; one that answers from the blank type alone gives
 *    about the unigram perplexity of words. Also the most probable fills of a few blanks that the context
 *    decides, and the minimal pairs of data/minimal-pairs ranked by the model itself.
 * 2. `copy [--init DIR] [--steps N]`: a synthetic task that only the context can solve. Each document is
 *    pairs of identical words ("river river stone stone ..."), one word is blanked, and the answer is its
 *    pair partner: the word before the blank or the one after it. A left-to-right model learns the pairs
 *    (context loss falls to about half of ln 20, the first word of each pair being unpredictable); the ILM's
 *    answer perplexity falls from 20 (the vocabulary of the task) towards 1 only once it reads the blank's
 *    neighbours. Prints both, per evaluation, so learning curves of presets and starts can be compared.
 *
 *   node --import tsx bench/ilm-context/context-use.ts probe data/models/base [--texts 40] [--data DIR --split test]
 *   (the default data, notebook 03's splits, is prepared first when missing)
 *   node --import tsx bench/ilm-context/context-use.ts copy [--init data/models/base] [--steps 800] [--model tiny] [--batch 32] [--lr 1e-3]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/runtime/backend';
import { loadModel } from '../../src/model/checkpoint';
import { readSplitTexts, runHarness, parseModelSpec, summaryTable } from '../../src/infill/harness';
import { topFills } from '../../src/infill/rank';
import { buildExamples } from '../../src/ilm/examples';
import { trainExperiment } from '../../src/train/experiment';
import { Rng } from '../../src/runtime/rng';
import { readMinimalPairs, scoreMinimalPairs } from '../../src/pretrain/minimal-pairs';
import { prepare } from '../../src/corpus/prepare';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};

/** Blanks whose fill the context decides (a verb after "he", a drink, an animal that barks). */
const PROBES = ['He [MASK] to school every day.', 'She drank a cup of [MASK] before breakfast.', 'The [MASK] barked at the postman all night.'];

async function probe(modelDir: string, texts: number, dataDir: string, split: string): Promise<void> {
  const model = loadModel(modelDir);
  const evalTexts = await readSplitTexts(dataDir, split, texts, 300);
  const report = await runHarness(
    [{ spec: parseModelSpec(`ilm:${modelDir}`), model }, { spec: parseModelSpec(`lm:${modelDir}`), model }],
    evalTexts, { nMasks: 1, samplesPerText: 1, seed: 42, maxNewTokens: 16 },
  );
  console.log(summaryTable(report).split('\n').filter((l, i) => i === 0 || / all /.test(l)).join('\n'));
  for (const text of PROBES) {
    const top = await topFills(model, text, 5);
    console.log(`${text}  top fills: ${top.fills.map((f) => `${JSON.stringify(f.fill)} ${f.probability.toPrecision(2)}`).join(', ')}`);
  }
  for (const scoring of ['blank', 'with-next-word'] as const) { // blank first: the scoring of the results recorded before the other existed
    const pairs = await scoreMinimalPairs(model, readMinimalPairs(), scoring);
    console.log(`minimal pairs (the model itself, ${scoring}): ${pairs.byCategory.map((c) => `${c.category} ${c.right}/${c.pairs}`).join(', ')}`);
  }
  model.dispose();
}

const WORDS = 'apple river stone cloud green music table window garden silver paper orange yellow planet coffee winter summer doctor teacher bottle'.split(' ');

/** Documents of 4-7 pairs of identical words, drawn with `seed`. */
function copyDocuments(n: number, seed: number): string {
  const rng = new Rng(seed);
  const docs: string[] = [];
  for (let d = 0; d < n; d++) {
    const words: string[] = [];
    const pairs = 4 + rng.int(4);
    for (let p = 0; p < pairs; p++) {
      const w = WORDS[rng.int(WORDS.length)];
      words.push(w, w);
    }
    docs.push(`${words.join(' ')}.`);
  }
  return docs.join('\n\n\n');
}

async function copyTask(init: string | undefined, steps: number, preset: string, batchSize: number, lr: number): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ilm-copy-'));
  try {
    const data = path.join(work, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'train.txt'), copyDocuments(20000, 1));
    fs.writeFileSync(path.join(data, 'valid.txt'), copyDocuments(300, 2));
    const examples = path.join(work, 'examples');
    await buildExamples('train', data, examples, { mask: 'word', examplesPerDoc: 2, seqLen: 48, seed: 0 });
    await buildExamples('valid', data, examples, { mask: 'word', examplesPerDoc: 1, seqLen: 48, seed: 0 });
    const run = await trainExperiment(path.join(work, 'run'), examples, {
      model: preset, init, seed: 0, trainTag: 'train', evalTag: 'valid', batchSize, accum: 1, lr, warmupSteps: 20,
      schedule: 'cosine', weightDecay: 0.01, clip: 1, seqLen: 48, maxSteps: steps, evalEverySteps: Math.max(1, Math.round(steps / 4)),
      evalMaxExamples: 128, minimalSupervision: false, contextSample: 0.25, restart: true, log: () => {},
    });
    const rows = fs.readFileSync(path.join(work, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>)
      .filter((r) => r.kind === 'eval');
    console.log(`copy task, ${preset} from ${init ?? 'random weights'}, ${run.step} steps of ${batchSize} x 48 at lr ${lr} in ${run.seconds.toFixed(0)} s`);
    console.log('step  context loss  answer ppl (ILM)');
    for (const r of rows) console.log(`${String(r.step).padStart(4)}  ${Number(r.context_loss).toFixed(3).padStart(12)}  ${Number(r.infill_text_ppl).toFixed(2).padStart(16)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await initBackend();
  const mode = process.argv[2];
  if (mode === 'probe' && process.argv[3]) {
    const notebookData = path.join('experiments', '03-training', 'data', 'all');
    const dataDir = arg('data', notebookData);
    // notebook 03's splits, written the same way (seed 0) when the notebook has not run on this machine
    if (dataDir === notebookData && !fs.existsSync(path.join(dataDir, 'test.txt'))) await prepare({ out: dataDir, seed: 0, showProgress: false });
    await probe(process.argv[3], Number(arg('texts', '40')), dataDir, arg('split', 'test'));
  }
  else if (mode === 'copy') await copyTask(process.argv.includes('--init') ? arg('init', '') : undefined, Number(arg('steps', '800')), arg('model', 'tiny'), Number(arg('batch', '32')), Number(arg('lr', '1e-3')));
  else {
    console.error('usage: context-use.ts probe MODEL_DIR [--texts 40] | copy [--init DIR] [--steps 800] [--model tiny] [--batch 32] [--lr 1e-3]');
    process.exit(2);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
