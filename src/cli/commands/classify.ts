/**
 * `cefrlab classify train|eval|predict|cv|curve`: CEFR level classification from frozen encoders
 * (src/classify/classifier.ts). Library code is imported inside the actions, so `--help` stays fast.
 */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors';
import { finiteNumber, wholeNumber } from '../options';

interface TrainOpts {
  encoder: string;
  input: string;
  correctionColumn?: string;
  corrections?: string;
  head: string;
  seed: number;
  dev: number;
  epochs?: number;
  lr?: number;
  batchSize: number;
  patience?: number;
  maxTokens?: number;
  textColumn: string;
  levelColumn: string;
  idColumn: string;
  cache: boolean;
}

/** The options of a command that prints a metrics report: bootstrap resamples, JSON instead of the table, a copy in a file. */
function addReportOptions(cmd: Command): Command {
  return cmd
    .option('--resamples <n>', 'bootstrap resamples', wholeNumber('--resamples', 1), 1000)
    .option('--json', 'print the JSON report instead of the table', false)
    .option('-o, --output <file>', 'also write the JSON report to this file');
}

function addColumnOptions(cmd: Command): Command {
  return cmd
    .option('--text-column <name>', 'column holding the text', 'text')
    .option('--level-column <name>', 'column holding the CEFR level (A1..C2)', 'cefr_level')
    .option('--id-column <name>', 'column holding the row id (else line-N)', 'writing_id')
    .option('--no-cache', 'do not read or write the embedding cache (experiments/cache/embeddings, or $CEFRLAB_EMBED_CACHE)');
}

function addTrainOptions(cmd: Command): Command {
  return addColumnOptions(
    cmd
      .option('--encoder <spec>', 'features | bert:DIR | roberta:DIR (local Hugging Face BERT, RoBERTa) | ilm:EXP_DIR | perplexity:EXP_A,EXP_B,... , combined with + (e.g. features+perplexity:A,B)', 'features')
      .option('--input <mode>', 'text | concat (text and correction in one encoder pass) | two-stream (the two vectors averaged)', 'text')
      .option('--correction-column <name>', 'CSV column holding a corrected version of each text')
      .option('--corrections <kind>', 'automatic corrections: spelling (each misspelt word replaced by the spelling checker\'s suggestion)')
      .option('--head <kind>', 'mlp (the paper\'s: 768-128 ReLU, dropout 0.2) | logistic | ordinal (cumulative logits)', 'mlp')
      .option('--seed <n>', 'seed of the dev split, initialisation, batch order and dropout', wholeNumber('--seed'), 0)
      .option('--dev <share>', 'share of the training rows held out for early stopping', finiteNumber('--dev'), 0.2)
      .option('--epochs <n>', 'maximum epochs (mlp 200; logistic and ordinal 500 full-batch steps)', wholeNumber('--epochs', 1))
      .option('--lr <x>', 'Adam learning rate (mlp 1e-5, the paper\'s; logistic and ordinal 0.05)', finiteNumber('--lr'))
      .option('--batch-size <n>', 'mlp mini-batch size', wholeNumber('--batch-size', 1), 32)
      .option('--patience <n>', 'epochs without dev improvement before stopping (mlp 10, others 20)', wholeNumber('--patience', 1))
      .option('--max-tokens <n>', 'encoder tokens per text (bert, roberta: 450 by default, as the paper; ilm: the model\'s positions)', wholeNumber('--max-tokens', 1)),
  );
}

function classifierOptions(o: TrainOpts) {
  const heads = ['mlp', 'logistic', 'ordinal'];
  if (!heads.includes(o.head)) throw new UserError(`--head ${o.head} is not a head. Fix: use one of ${heads.join(', ')}`);
  if (o.corrections != null && o.corrections !== 'spelling') throw new UserError(`--corrections ${o.corrections}: the only automatic correction is "spelling". Fix: --corrections spelling, or --correction-column NAME`);
  return {
    encoder: o.encoder,
    input: o.input as 'text' | 'concat' | 'two-stream',
    correctionColumn: o.correctionColumn,
    corrections: o.corrections === 'spelling' ? ('spelling' as const) : null,
    head: o.head as 'mlp' | 'logistic' | 'ordinal',
    seed: o.seed,
    dev: o.dev,
    epochs: o.epochs,
    lr: o.lr,
    batchSize: o.batchSize,
    patience: o.patience,
    maxTokens: o.maxTokens,
    cacheDir: o.cache ? undefined : null,
  };
}

function readOpts(o: { textColumn: string; levelColumn: string; idColumn: string }, correctionColumn?: string, requireLevel = true) {
  return { textColumn: o.textColumn, levelColumn: o.levelColumn, idColumn: o.idColumn, correctionColumn, requireLevel };
}

/** TensorFlow.js is needed only by the model encoders. */
async function backendFor(spec: string): Promise<void> {
  if (/(^|\+)\s*(bert|roberta|ilm|perplexity):/.test(spec)) {
    const { initBackend } = (require('../../runtime/backend') as typeof import('../../runtime/backend'));
    await initBackend();
  }
}

/** Repeatable `--csv`: every occurrence is kept, in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Rows of one or several CSVs, each with its corpus (the corpus column's value, or the file name). */
function readCorpora(files: string[], o: { textColumn: string; levelColumn: string; idColumn: string }, column: string, correctionColumn?: string) {
  const { readLabelledCsv } = (require('../../classify/data') as typeof import('../../classify/data'));
  const { corpusOfRows } = (require('../../classify/multi-corpus') as typeof import('../../classify/multi-corpus'));
  const rows: import('../../classify/data').LabelledText[] = [];
  const corpus: string[] = [];
  let from = '';
  for (const f of files) {
    const r = readLabelledCsv(f, readOpts(o, correctionColumn));
    const c = corpusOfRows(f, r, column);
    rows.push(...r);
    corpus.push(...c.names);
    from = from && from !== c.column ? `${column} column or file name` : c.column;
  }
  return { rows, corpus, column: from, file: files.join(' + ') };
}

/** A saved model read with one training corpus's cut points, or with cut points calibrated on a labelled CSV. */
async function adjustCutPoints(model: import('../../classify/classifier').ClassifierModel, o: { corpus?: string; calibrateWith?: string; calibrateK?: number; calibrateSeed: number; textColumn: string; levelColumn: string; idColumn: string; cache: boolean }, evalRows: import('../../classify/data').LabelledText[], evalFile: string) {
  const mc = (require('../../classify/multi-corpus') as typeof import('../../classify/multi-corpus'));
  if (o.corpus && o.calibrateWith) throw new UserError('both --corpus and --calibrate-with were given. Fix: use --corpus NAME for a training corpus, --calibrate-with FILE for a new one');
  if (o.calibrateK != null && !o.calibrateWith) throw new UserError('--calibrate-k needs --calibrate-with FILE. Fix: add --calibrate-with FILE');
  if (o.corpus) return { model: mc.withCorpusCuts(model, o.corpus), note: `cut points of training corpus ${o.corpus}` };
  if (!o.calibrateWith) return { model, note: '' };
  const { readLabelledCsv } = (require('../../classify/data') as typeof import('../../classify/data'));
  mc.modelCuts(model);
  const cal = readLabelledCsv(o.calibrateWith, readOpts(o, model.manifest.options.correctionColumn ?? undefined));
  // the texts that calibrate the model must not be scored
  mc.refuseOverlap(cal, evalRows, o.calibrateWith, evalFile);
  const r = await mc.calibrateClassifier(model, cal, { k: o.calibrateK ?? null, seed: o.calibrateSeed, file: o.calibrateWith, cacheDir: o.cache ? undefined : null });
  const f = (v: number[]) => v.map((x) => x.toFixed(2)).join(' ');
  return { model: r.model, note: `cut points calibrated on ${r.texts} texts of ${o.calibrateWith} (${Object.entries(r.perLevel).map(([l, n]) => `${l} ${n}`).join(', ')}): ${f(r.before)} -> ${f(r.after)}` };
}

function addCutPointOptions(cmd: Command): Command {
  return cmd
    .option('--corpus <name>', 'read with the cut points of this training corpus (a model trained on several with --head ordinal)')
    .option('--calibrate-with <file>', 'labelled CSV of the new corpus: refit the ordinal model\'s cut points on its texts (direction kept); its texts must not be in --csv')
    .option('--calibrate-k <k>', 'use k texts per level of --calibrate-with (drawn with --calibrate-seed) instead of all', wholeNumber('--calibrate-k', 0))
    .option('--calibrate-seed <n>', 'seed of the --calibrate-k draw', wholeNumber('--calibrate-seed'), 0);
}

function printJsonOrTable(result: unknown, table: string, o: { json?: boolean; output?: string }): Promise<void> | void {
  const json = JSON.stringify(result, null, 2);
  const { writeJsonAtomic } = require('../../runtime/atomic') as typeof import('../../runtime/atomic');
  if (o.output) writeJsonAtomic(o.output, result);
  if (o.json) process.stdout.write(json + '\n');
  else process.stdout.write(table + '\n');
}

function unseenLine(u: { count: number; levels: Record<string, number>; predicted: Record<string, number> }): string {
  if (!u.count) return '';
  const fmt = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ');
  return `\n${u.count} row(s) at levels the model never saw in training (${fmt(u.levels)}) are left out of the metrics; the model predicted them as ${fmt(u.predicted)}.`;
}

export function registerClassify(program: Command): void {
  const classify = program
    .command('classify')
    .description('CEFR level classification from frozen encoders (Schmalz & Brutti 2021): train, eval, predict, cv, curve');

  addTrainOptions(
    classify
      .command('train')
      .description('Train a classifier on one or several labelled CSVs and save it (manifest.json, weights.bin) to --out')
      .requiredOption('--csv <file>', 'training CSV (EFCAMDAT schema: writing_id,l1,cefr_level,text); repeat for several corpora (with --head ordinal: one shared direction, cut points per corpus)', collect)
      .option('--corpus-column <name>', 'column naming each row\'s corpus (kept in the model); a CSV without it is one corpus named after the file', 'corpus')
      .requiredOption('--out <dir>', 'model directory to write'),
  ).action(async (o: TrainOpts & { csv: string[]; corpusColumn: string; out: string }) => {
    const { saveClassifier } = (require('../../classify/classifier') as typeof import('../../classify/classifier'));
    const { trainMultiCorpus } = (require('../../classify/multi-corpus') as typeof import('../../classify/multi-corpus'));
    const { sha256File } = (require('../../runtime/hash') as typeof import('../../runtime/hash'));
    const opts = classifierOptions(o);
    const data = readCorpora(o.csv, o, o.corpusColumn, o.correctionColumn);
    await backendFor(o.encoder);
    const inputs: Record<string, string> = {};
    for (const [i, f] of o.csv.entries()) inputs[o.csv.length === 1 ? 'csv' : `csv${i + 1}`] = await sha256File(f);
    const { model, encoder } = await trainMultiCorpus(data.rows, data.corpus, data.column, opts, { file: data.file, inputs });
    encoder.dispose?.();
    await saveClassifier(o.out, model);
    const t = model.manifest.training;
    const last = t.history[t.bestEpoch - 1];
    process.stdout.write(
      `trained ${model.manifest.options.head} on ${t.trainRows} rows (dev ${t.devRows}), levels ${model.manifest.labels.join(' ')}; ` +
        (model.manifest.corpora?.cuts ? `maximum likelihood, ${model.manifest.options.epochs} full-batch steps\n` : '') +
        (model.manifest.corpora?.cuts ? '' : `best epoch ${t.bestEpoch} of ${t.epochs}${last?.devAccuracy != null ? `, dev accuracy ${last.devAccuracy.toFixed(3)}` : ''}\n`) +
        (model.manifest.corpora ? `corpora (${model.manifest.corpora.column}): ${Object.entries(model.manifest.corpora.rows).map(([n, c]) => `${n} ${c}`).join(', ')}${model.manifest.corpora.cuts ? '; one shared direction, cut points per corpus' : '; pooled'}\n` : '') +
        `saved to ${o.out}\n`,
    );
  });

  addReportOptions(addCutPointOptions(addColumnOptions(
    classify
      .command('eval')
      .description('Evaluate a saved classifier on a labelled CSV: accuracy, weightedAccuracy, balancedAccuracy, macroF1, qwk, adjacentAccuracy with 90% bootstrap CIs, perLevel, confusion')
      .argument('<MODEL_DIR>', 'directory written by `classify train`')
      .requiredOption('--csv <file>', 'test CSV')
      .option('--correction-column <name>', 'correction column (when the model was trained with one; default: the training one)'),
  ))).action(async (dir: string, o: { csv: string; correctionColumn?: string; resamples: number; json: boolean; output?: string; textColumn: string; levelColumn: string; idColumn: string; cache: boolean; corpus?: string; calibrateWith?: string; calibrateK?: number; calibrateSeed: number }) => {
    const { readLabelledCsv } = (require('../../classify/data') as typeof import('../../classify/data'));
    const { loadClassifier, evaluateClassifier } = (require('../../classify/classifier') as typeof import('../../classify/classifier'));
    const { reportTable } = (require('../../metrics/report') as typeof import('../../metrics/report'));
    const saved = loadClassifier(dir);
    const rows = readLabelledCsv(o.csv, readOpts(o, o.correctionColumn ?? saved.manifest.options.correctionColumn ?? undefined));
    await backendFor(saved.manifest.encoder.spec);
    const { model, note } = await adjustCutPoints(saved, o, rows, o.csv);
    const r = await evaluateClassifier(model, rows, { file: o.csv, resamples: o.resamples, cacheDir: o.cache ? undefined : null });
    const { predictions, ...report } = r;
    void predictions;
    await printJsonOrTable({ model: dir, csv: o.csv, ...(note ? { cutPoints: note } : {}), ...report }, reportTable(r) + unseenLine(r.unseen) + (note ? `\n${note}` : ''), o);
  });

  addCutPointOptions(addColumnOptions(
    classify
      .command('predict')
      .description('Predict the level of each text: writes writing_id, level and one probability column per level')
      .argument('<MODEL_DIR>', 'directory written by `classify train`')
      .requiredOption('--csv <file>', 'input CSV (a level column is not needed)')
      .requiredOption('-o, --output <file>', 'output CSV')
      .option('--correction-column <name>', 'correction column (when the model was trained with one)'),
  )).action(async (dir: string, o: { csv: string; output: string; correctionColumn?: string; textColumn: string; levelColumn: string; idColumn: string; cache: boolean; corpus?: string; calibrateWith?: string; calibrateK?: number; calibrateSeed: number }) => {
    const { readLabelledCsv } = (require('../../classify/data') as typeof import('../../classify/data'));
    const { loadClassifier, predictRows } = (require('../../classify/classifier') as typeof import('../../classify/classifier'));
    const { writeFileAtomic } = (require('../../runtime/atomic') as typeof import('../../runtime/atomic'));
    const saved = loadClassifier(dir);
    const rows = readLabelledCsv(o.csv, readOpts(o, o.correctionColumn ?? saved.manifest.options.correctionColumn ?? undefined, false));
    await backendFor(saved.manifest.encoder.spec);
    const { model, note } = await adjustCutPoints(saved, o, rows, o.csv);
    if (note) process.stderr.write(`${note}\n`);
    const preds = await predictRows(model, rows, { file: o.csv, cacheDir: o.cache ? undefined : null });
    const labels = model.manifest.labels;
    const { csvLine } = (require('../../runtime/csv-table') as typeof import('../../runtime/csv-table'));
    const lines = [csvLine(['writing_id', 'level', ...labels.map((l) => `p_${l}`)])];
    for (const p of preds) lines.push(csvLine([p.id, p.level, ...p.probabilities.map((x) => x.toPrecision(6))]));
    writeFileAtomic(o.output, lines.join('\n') + '\n');
    process.stdout.write(`predicted ${preds.length} texts; wrote ${o.output}\n`);
  });

  addReportOptions(addTrainOptions(
    classify
      .command('cv')
      .description('Stratified k-fold cross-validation: metrics of the pooled out-of-fold predictions, with per-fold accuracies; with --group-column, leave one group (corpus) out')
      .requiredOption('--csv <file>', 'labelled CSV; repeat for several corpora (each file a corpus unless it has a corpus column)', collect)
      .option('--folds <n>', 'number of folds', wholeNumber('--folds', 2), 5)
      .option('--group-column <name>', 'leave-one-group-out instead of k folds: each value of this column (e.g. corpus; a CSV without the column is one group named after the file) is predicted by a model trained on the others')
      .option('--calibrate-k <k>', 'with --group-column and --head ordinal: fit each held-out group\'s cut points on k of its texts per level (left out of its metrics)', wholeNumber('--calibrate-k', 0)),
  )).action(async (o: TrainOpts & { csv: string[]; folds: number; groupColumn?: string; calibrateK?: number; resamples: number; json: boolean; output?: string }) => {
    const { crossValidate } = (require('../../classify/classifier') as typeof import('../../classify/classifier'));
    const { reportTable } = (require('../../metrics/report') as typeof import('../../metrics/report'));
    const opts = classifierOptions(o);
    if (o.calibrateK != null && !o.groupColumn) throw new UserError('--calibrate-k is for leave-one-group-out. Fix: add --group-column NAME (e.g. corpus)');
    if (o.groupColumn || o.csv.length > 1) {
      if (!o.groupColumn) throw new UserError(`${o.csv.length} CSVs were given to cv. Fix: add --group-column corpus to predict each corpus with a model trained on the others, or pass one CSV`);
      const { crossValidateByGroup } = (require('../../classify/grouped-cv') as typeof import('../../classify/grouped-cv'));
      const data = readCorpora(o.csv, o, o.groupColumn, o.correctionColumn);
      await backendFor(o.encoder);
      const g = await crossValidateByGroup(data.rows, data.corpus, data.column, opts, { file: data.file, resamples: o.resamples, calibrateK: o.calibrateK ?? null });
      const { predictions, ...report } = g;
      void predictions;
      const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
      const lines = [`\n\nleave one ${o.groupColumn} out${g.groupColumn !== o.groupColumn ? ' (a CSV without the column is one group, named after the file)' : ''}${g.calibrateK != null ? `, cut points calibrated on ${g.calibrateK} texts per level of the held-out group` : ' (zero-shot)'}:`, 'held out              train   test   accuracy [90% CI]        QWK [90% CI]'];
      for (const x of g.groups) lines.push(`${x.group.padEnd(20)} ${String(x.trainRows).padStart(6)} ${String(x.testRows).padStart(6)}   ${f(x.report.accuracy.value)} [${f(x.report.accuracy.ci90[0])}, ${f(x.report.accuracy.ci90[1])}]    ${f(x.report.qwk.value)} [${f(x.report.qwk.ci90[0])}, ${f(x.report.qwk.ci90[1])}]`);
      await printJsonOrTable({ csv: o.csv, ...report }, reportTable(g) + lines.join('\n'), o);
      return;
    }
    const { readLabelledCsv } = (require('../../classify/data') as typeof import('../../classify/data'));
    const rows = readLabelledCsv(o.csv[0], readOpts(o, o.correctionColumn));
    await backendFor(o.encoder);
    const r = await crossValidate(rows, o.folds, opts, { file: o.csv[0], resamples: o.resamples });
    const { predictions, ...report } = r;
    void predictions;
    const folds = `\n\n${o.folds}-fold accuracies: ${r.foldAccuracy.map((a) => a.toFixed(3)).join(' ')} (mean ${r.accuracyMean.toFixed(3)}, sd ${r.accuracySd.toFixed(3)})`;
    const { describeDuplicateGroups } = (require('../../corpus/duplicates') as typeof import('../../corpus/duplicates'));
    const dups = r.duplicates.length
      ? `\nduplicates: ${r.duplicates.length} groups of identical texts, each kept in one fold: ${describeDuplicateGroups(r.duplicates, (ids) => ids.join(' = ')).join('; ')}`
      : '';
    await printJsonOrTable({ csv: o.csv[0], ...report }, reportTable(r) + folds + dups, o);
  });

  addTrainOptions(
    classify
      .command('curve')
      .description('Learning curve: train on stratified samples of each size (class proportions kept), several seeds, test on --test; mean and sd per size')
      .requiredOption('--csv <file>', 'training CSV')
      .requiredOption('--test <file>', 'test CSV')
      .requiredOption('--sizes <list>', 'comma-separated training sizes, e.g. 10000,50000,100000')
      .option('--seeds <n>', 'samples (and seeds) per size', wholeNumber('--seeds', 1), 3)
      .option('--json', 'print the JSON instead of the table', false)
      .option('-o, --output <file>', 'also write the JSON to this file'),
  ).action(async (o: TrainOpts & { csv: string; test: string; sizes: string; seeds: number; json: boolean; output?: string }) => {
    const sizes = o.sizes.split(',').map((s) => s.trim());
    if (sizes.some((s) => !/^\d+$/.test(s))) throw new UserError(`--sizes ${o.sizes}: give comma-separated whole numbers. Fix: e.g. --sizes 100,300,500`);
    const { readLabelledCsv } = (require('../../classify/data') as typeof import('../../classify/data'));
    const { learningCurve } = (require('../../classify/classifier') as typeof import('../../classify/classifier'));
    const opts = classifierOptions(o);
    const train = readLabelledCsv(o.csv, readOpts(o, o.correctionColumn));
    const test = readLabelledCsv(o.test, readOpts(o, o.correctionColumn));
    await backendFor(o.encoder);
    const r = await learningCurve(train, test, sizes.map(Number), o.seeds, opts, { file: o.csv, testFile: o.test });
    const lines = ['size   accuracy (mean ± sd)   qwk (mean ± sd)   macroF1 (mean ± sd)'];
    for (const p of r.points) {
      const f = (m: { mean: number; sd: number }) => `${m.mean.toFixed(3)} ± ${m.sd.toFixed(3)}`;
      lines.push(`${String(p.size).padEnd(6)} ${f(p.metrics.accuracy).padEnd(22)} ${f(p.metrics.qwk).padEnd(17)} ${f(p.metrics.macroF1)}`);
    }
    if (r.points[0]?.unseenTestRows) lines.push(`${r.points[0].unseenTestRows} test row(s) at levels absent from the training CSV are left out of the metrics.`);
    await printJsonOrTable({ csv: o.csv, test: o.test, ...r }, lines.join('\n'), o);
  });
}
