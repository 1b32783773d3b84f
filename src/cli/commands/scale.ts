/** `cefrlab scale vocab|passage ...`: the vocabulary and passage difficulty scales (src/scale). */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors';
import { positive, wholeNumber } from '../options';

const out = (s: string): void => void process.stdout.write(s + "\n");
const f3 = (x: number | null | undefined) => (x == null || Number.isNaN(x) ? '  -  ' : x.toFixed(3));

/** The vocabulary scale from --model-dir, else the default directory, else trained now (said on stderr). */
/**
 * A saved scale from `dir` (default: its default directory), or, with no directory given and none saved, one
 * trained now with a note on how to save it. One helper for both scales: they differ only in names.
 */
async function savedOrTrained<S>(kind: 'vocab' | 'passage', dir: string | undefined, load: (d: string) => S | Promise<S>, trainNow: () => Promise<S>): Promise<S> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const store = await import('../../scale/store');
  const d = dir ?? (kind === 'vocab' ? store.DEFAULT_VOCAB_DIR : store.DEFAULT_PASSAGE_DIR);
  const file = `${kind}-scale.json`;
  const name = kind === 'vocab' ? 'vocabulary' : 'passage';
  if (fs.existsSync(path.join(d, file))) return load(d);
  if (dir) throw new UserError(`${dir}/${file} not found. Fix: npx cefrlab scale ${kind} train --out ${dir}`);
  process.stderr.write(`no saved ${name} scale in ${d}: training one now (save it with: npx cefrlab scale ${kind} train)\n`);
  return trainNow();
}

export async function vocabScaleFor(dir?: string) {
  const store = await import('../../scale/store');
  return savedOrTrained('vocab', dir, store.loadVocabScale, async () => (await import('../../scale/vocab')).trainVocabScale());
}

export async function passageScaleFor(dir?: string) {
  const store = await import('../../scale/store');
  return savedOrTrained('passage', dir, store.loadPassageScale, async () => (await import('../../scale/passage')).trainPassageScale());
}

export function registerScale(program: Command): void {
  const scale = program.command('scale').description('Item difficulty on the CEFR-aligned 100-point scale from text alone (Settles et al. 2020): vocabulary and passage scales');
  const vocab = scale.command('vocab').description('Vocabulary scale: character Kneser-Ney features of a word -> difficulty');
  vocab
    .command('train')
    .description('Train the character model (OpenSubtitles types) and the weighted-softmax vocabulary scale (CEFR-J + Octanove) and save them with a manifest')
    .option('--order <n>', 'character n-gram order', wholeNumber('--order', 1), 5)
    .option('--weighting <w>', 'how a type\'s corpus count weights it: type (1 each), log (1 + floor(log2(count/min))), token (the count)', 'log')
    .option('--model <m>', 'softmax (weighted softmax) or linear', 'softmax')
    .option('--out <dir>', 'output directory (default experiments/scale/vocab)')
    .action(async (o: { order: number; weighting: string; model: string; out?: string }) => {
      if (!['type', 'log', 'token'].includes(o.weighting)) throw new UserError(`--weighting must be type, log or token, got "${o.weighting}"`);
      if (!['softmax', 'linear'].includes(o.model)) throw new UserError(`--model must be softmax or linear, got "${o.model}"`);
      const { trainVocabScale } = await import('../../scale/vocab');
      const { saveVocabScale, DEFAULT_VOCAB_DIR } = await import('../../scale/store');
      const s = trainVocabScale({ order: o.order, weighting: o.weighting as 'log', model: o.model as 'softmax' });
      const dir = await saveVocabScale(s, o.out ?? DEFAULT_VOCAB_DIR);
      out(`vocabulary scale (${o.model}, order ${o.order}, ${s.lm.sizes().reduce((a, b) => a + b, 0)} n-grams, ${s.index.dim} features) saved to ${dir}`);
    });
  vocab
    .command('eval')
    .description('Pearson r of predicted difficulty with δ(CEFR level): on the training words (r_ALL) and k-fold cross-validated (r_XV), linear and weighted softmax, with the Table 3 ablations')
    .option('--folds <k>', 'cross-validation folds', wholeNumber('--folds', 2), 10)
    .option('--order <n>', 'character n-gram order', wholeNumber('--order', 1), 5)
    .option('--seed <n>', 'fold assignment seed', wholeNumber('--seed'), 0)
    .option('--no-ablations', 'only the full feature set')
    .option('--max-iter <n>', 'L-BFGS iterations per fit (the trained scale uses 25)', wholeNumber('--max-iter', 1), 25)
    .option('--json', 'print JSON: { n, folds, rAll, rXV, ablations }')
    .action(async (o: { folds: number; order: number; seed: number; ablations: boolean; maxIter: number; json?: boolean }) => {
      const { evaluateVocabScale } = await import('../../scale/vocab');
      const r = evaluateVocabScale({ folds: o.folds, order: o.order, seed: o.seed, ablations: o.ablations, maxIter: o.maxIter });
      if (o.json) return out(JSON.stringify({ n: r.n, folds: r.folds, rAll: r.rAll, rXV: r.rXV, ablations: r.ablations }, null, 2));
      out(`vocabulary scale, ${r.n} words, ${r.folds}-fold cross-validation (paper, Table 3: weighted softmax r_ALL .90, r_XV .56)`);
      out('model              features                 r_ALL  r_XV');
      for (const a of r.ablations) out(`${(a.model === 'softmax' ? 'weighted softmax' : 'linear').padEnd(19)}${a.features.padEnd(25)}${f3(a.rAll)}  ${f3(a.rXV)}`);
    });
  vocab
    .command('predict')
    .description('Difficulty of each word (real or not) on the 100-point scale, and the nearest CEFR level')
    .argument('<words...>', 'words or pseudowords: single words of the letters a-z (any case; no digits, hyphens, spaces or apostrophes)')
    .option('--model-dir <dir>', 'a saved vocabulary scale (default experiments/scale/vocab; trained now if absent)')
    .option('--json', 'print JSON: [{ word, difficulty, level, bin }]')
    .action(async (words: string[], o: { modelDir?: string; json?: boolean }) => {
      const { vocabWordProblem } = await import('../../scale/vocab');
      const bad = words.map((w) => [w, vocabWordProblem(w)] as const).filter(([, p]) => p != null);
      if (bad.length) {
        throw new UserError(`not a word the scale can rate: ${bad.map(([w, p]) => `${JSON.stringify(w)} (${p})`).join('; ')}. Fix: give single words of the letters a-z, e.g. npx cefrlab scale vocab predict ice cream`);
      }
      const s = await vocabScaleFor(o.modelDir);
      const { scaleToLevel, binOf } = await import('../../scale/cefr-scale');
      const rows = words.map((w) => {
        const d = s.predict(w);
        return { word: w, difficulty: Math.round(d * 100) / 100, level: scaleToLevel(d), bin: binOf(d) };
      });
      if (o.json) return out(JSON.stringify(rows, null, 2));
      for (const r of rows) out(`${r.word.padEnd(20)} ${r.difficulty.toFixed(1).padStart(6)}  ${r.level}  bin ${r.bin}`);
    });

  const passage = scale.command('passage').description('Passage scale: pairwise ranking + label propagation + weighted softmax');
  passage
    .command('train')
    .description('Train the ranking model (CEFR-SP train+dev pairs and OneStopEnglish parallel pairs) and the passage scale (label propagation, weighted softmax); report held-out CEFR-SP test and OneStopEnglish numbers; save with a manifest')
    .option('--out <dir>', 'output directory (default experiments/scale/passage)')
    .option('--seed <n>', 'pair sampling, article split and class balancing', wholeNumber('--seed'), 0)
    .option('--per-level <n>', 'at most this many passages per level for the scale', wholeNumber('--per-level', 1), 3000)
    .option('--no-propagate', 'train the scale on CEFR-SP alone (no label propagation)')
    .option('--json', 'print the held-out evaluation as JSON')
    .action(async (o: { out?: string; seed: number; perLevel: number; propagate: boolean; json?: boolean }) => {
      const { trainPassageScale, evaluateHeldOut } = await import('../../scale/passage');
      const { savePassageScale, DEFAULT_PASSAGE_DIR } = await import('../../scale/store');
      const s = trainPassageScale({ seed: o.seed, perLevel: o.perLevel, propagate: o.propagate });
      const ev = evaluateHeldOut(s);
      const dir = await savePassageScale(s, o.out ?? DEFAULT_PASSAGE_DIR, { heldOut: ev });
      if (o.json) return out(JSON.stringify({ dir, counts: s.data.counts, ...ev }, null, 2));
      out(`passage scale saved to ${dir}: ${JSON.stringify(s.data.counts)}`);
      printPassageEval('CEFR-SP test', ev.cefrSpTest);
      out(`OneStopEnglish held-out articles: paragraph AUC ${Object.entries(ev.parallel.byPair).map(([k, v]) => `${k} ${f3(v)}`).join(', ')}; whole texts ordered right ${Object.entries(ev.parallel.articleAccuracy).map(([k, v]) => `${k} ${f3(v)}`).join(', ')}`);
    });
  passage
    .command('eval')
    .description('AUC of the ranking score at each ordinal CEFR breakpoint and their macro average, and Pearson r of the scale with δ(level), on a levelled CSV')
    .option('--csv <file>', 'CSV with a text and a CEFR level column (default data/cefr-asag/cefr_asag_4col.csv)')
    .option('--text-column <name>', 'column holding the text', 'text')
    .option('--level-column <name>', 'column holding the CEFR level (A1..C2)', 'cefr_level')
    .option('--model-dir <dir>', 'a saved passage scale (default experiments/scale/passage; trained now if absent)')
    .option('--json', 'print JSON: { n, macroAuc, aucByBreakpoint, pearson, pearsonRank }')
    .action(async (o: { csv?: string; textColumn: string; levelColumn: string; modelDir?: string; json?: boolean }) => {
      const { loadLevelledCsv } = await import('../../scale/passage-data');
      const { evaluateOnLevelled } = await import('../../scale/passage');
      const texts = loadLevelledCsv(o.csv, { textColumn: o.textColumn, levelColumn: o.levelColumn });
      const s = await passageScaleFor(o.modelDir);
      const r = evaluateOnLevelled(s, texts);
      if (o.json) return out(JSON.stringify(r, null, 2));
      printPassageEval(o.csv ?? 'data/cefr-asag/cefr_asag_4col.csv', r);
    });
  passage
    .command('predict')
    .description('Add difficulty (δ), level and rank_score columns to a CSV with a text column')
    .requiredOption('--csv <file>', 'input CSV with a text column')
    .requiredOption('-o, --out <file>', 'output CSV')
    .option('--text-column <name>', 'column holding the passage', 'text')
    .option('--model-dir <dir>', 'a saved passage scale (default experiments/scale/passage; trained now if absent)')
    .action(async (o: { csv: string; out: string; textColumn: string; modelDir?: string }) => {
      const { readTable, writeTable } = await import('../../runtime/csv-table');
      const { scaleToLevel } = await import('../../scale/cefr-scale');
      const t = readTable(o.csv, { missingFix: 'pass a CSV with a text column' });
      const rows = t.rows;
      const tc = o.textColumn;
      if (rows.length && !t.columns.includes(tc)) throw new UserError(`${o.csv}:1: no column "${tc}" (columns: ${t.columns.join(', ')}). Fix: name the passage column with --text-column`);
      const empty = rows.findIndex((r) => !(r[tc] ?? '').trim());
      if (empty >= 0) throw new UserError(`${o.csv}:${t.lines[empty]}: the ${tc} column is empty. Fix: fill in the passage or remove the row`);
      const s = await passageScaleFor(o.modelDir);
      const added = ['difficulty', 'level', 'rank_score'];
      const cols = rows.length ? [...t.columns.filter((c) => !added.includes(c)), ...added] : [tc, ...added];
      writeTable(o.out, cols, rows.map((r) => {
        const d = s.predict(r[tc]);
        return { ...r, difficulty: d.toFixed(2), level: scaleToLevel(d), rank_score: s.rank(r[tc]).toFixed(4) };
      }));
      out(`${rows.length} passages scored -> ${o.out}`);
    });
}

function printPassageEval(name: string, r: { n: number; macroAuc: number; aucByBreakpoint: Record<string, number | null>; pearson: number; pearsonRank: number }): void {
  out(`${name}: ${r.n} texts; macro AUC ${f3(r.macroAuc)} (paper .85); by breakpoint ${Object.entries(r.aucByBreakpoint).map(([k, v]) => `${k} ${f3(v)}`).join(', ')}; Pearson r scale ${f3(r.pearson)}, rank score ${f3(r.pearsonRank)}`);
}
void positive;
