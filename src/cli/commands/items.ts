/** `cefrlab items ...`: pseudowords, C-tests, grading and the item bank (src/items). */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors';
import { positive, wholeNumber } from '../options';
import { SYSTEM_WORD_LISTS } from '../../scale/data';

const out = (s: string): void => void process.stdout.write(s + "\n");
const DEFAULT_DICTS = SYSTEM_WORD_LISTS.map((l) => l.file).join(',');
/** --dict's comma-separated files, or undefined for the default lists. */
const dictList = (s: string | undefined): string[] | undefined => (s ? s.split(',').map((f) => f.trim()).filter(Boolean) : undefined);

export function registerItems(program: Command): void {
  const items = program.command('items').description('Test items without pilot data (Settles et al. 2020): pseudowords, yes/no and C-test items, grading, the item bank');
  items
    .command('pseudowords')
    .description('Sample English-like pseudowords from the character model, keeping those that are not real words, inflections, affixed words or word fragments (system word lists, frequency list, profiles); report how many were drawn per one kept')
    .option('--n <n>', 'pseudowords to keep', wholeNumber('--n', 1), 1000)
    .option('--seed <n>', 'random seed', wholeNumber('--seed'), 0)
    .option('--temperature <t>', 'sampling temperature (p^(1/t))', positive('--temperature'), 1)
    .option('--dict <files>', `word lists a pseudoword must not be in, comma-separated (default ${DEFAULT_DICTS}: the wamerican-insane and wamerican packages)`)
    .option('--model-dir <dir>', 'a saved vocabulary scale (its character model is used; default experiments/scale/vocab; trained now if absent)')
    .option('--no-difficulty', 'do not score the pseudowords with the vocabulary scale')
    .option('--json', 'print JSON: { pseudowords: string[], difficulties, drawn, kept, acceptanceRate, drawnPerKept, rejected }')
    .action(async (o: { n: number; seed: number; temperature: number; dict?: string; modelDir?: string; difficulty: boolean; json?: boolean }) => {
      const { vocabScaleFor } = await import('./scale');
      const { realWordSets } = await import('../../items/build');
      const { generatePseudowords } = await import('../../items/pseudowords');
      const s = await vocabScaleFor(o.modelDir);
      const sets = realWordSets({ dictFiles: dictList(o.dict) });
      const r = generatePseudowords(s.lm, { n: o.n, seed: o.seed, temperature: o.temperature, realWords: sets.exclude, commonWords: sets.common });
      const difficulties = o.difficulty ? r.pseudowords.map((w) => Math.round(s.predict(w) * 100) / 100) : undefined;
      if (o.json) return out(JSON.stringify({ ...r, difficulties }, null, 2));
      r.pseudowords.forEach((w, i) => out(difficulties ? `${w}\t${difficulties[i].toFixed(1)}` : w));
      process.stderr.write(`kept ${r.kept} of ${r.drawn} drawn (acceptance ${(100 * r.acceptanceRate).toFixed(1)} %, ${r.drawnPerKept.toFixed(2)} drawn per kept); rejected ${JSON.stringify(r.rejected)}\n`);
    });
  items
    .command('ctest')
    .description('Build a C-test from a passage: first and last sentence whole, every other word in between loses its second half')
    .requiredOption('--text <passage>', 'the passage (at least three sentences)')
    .option('--max-gaps <n>', 'at most this many gaps', wholeNumber('--max-gaps', 1))
    .option('--model-dir <dir>', 'a saved passage scale for the difficulty (default experiments/scale/passage; trained now if absent)')
    .option('--json', 'print the item as JSON (id, format, difficulty, bin, passage, segments, gaps)')
    .action(async (o: { text: string; maxGaps?: number; modelDir?: string; json?: boolean }) => {
      const { buildCTest, renderCTestText } = await import('../../items/ctest');
      const { passageScaleFor } = await import('./scale');
      // The passage is checked before the scale is loaded (or trained, which takes a while).
      try {
        buildCTest(o.text, { id: 'ctest', maxGaps: o.maxGaps, difficulty: () => 0 });
      } catch (e) {
        throw new UserError(`--text: ${(e as Error).message.replace(/^C-test \S+: /, '')}. Fix: pass a longer passage with --text`);
      }
      const s = await passageScaleFor(o.modelDir);
      const item = buildCTest(o.text, { id: 'ctest', maxGaps: o.maxGaps, difficulty: (p) => Math.round(s.predict(p) * 1000) / 1000 });
      if (o.json) return out(JSON.stringify(item, null, 2));
      out(renderCTestText(item));
      out(`\ndifficulty ${item.difficulty.toFixed(1)} (bin ${item.bin}); ${item.gaps.length} gaps; answers: ${item.gaps.map((g) => g.answer).join(' ')}`);
    });
  items
    .command('grade-ctest')
    .description('Grade answers to a C-test item: the length-weighted share of gaps filled exactly, and per-gap results')
    .requiredOption('--item <file>', 'the item as JSON (from items ctest --json, or one line of a bank)')
    .requiredOption('--answers <list>', 'the missing parts in gap order, separated by commas or white space (missing ones count as wrong)')
    .option('--json', 'print JSON: { score, gaps: boolean[] }')
    .action(async (o: { item: string; answers: string; json?: boolean }) => {
      const fs = await import('node:fs');
      const { gradeCTest } = await import('../../items/ctest');
      if (!fs.existsSync(o.item)) throw new UserError(`${o.item} not found. Fix: write one with: npx cefrlab items ctest --text "..." --json > ITEM.json`);
      let item;
      try {
        item = JSON.parse(fs.readFileSync(o.item, 'utf8'));
      } catch (e) {
        throw new UserError(`${o.item}: not JSON (${(e as Error).message}). Fix: pass the output of items ctest --json`);
      }
      if (item.format !== 'ctest' || !Array.isArray(item.gaps)) throw new UserError(`${o.item}: not a C-test item (format ${item.format}). Fix: pass the output of items ctest --json`);
      const answers = o.answers.split(o.answers.includes(',') ? ',' : /\s+/).map((a) => a.trim()).filter((a, i, arr) => a !== '' || i < arr.length - 1);
      if (answers.length > item.gaps.length) throw new UserError(`${answers.length} answers for ${item.gaps.length} gaps. Fix: one answer per gap, in order`);
      const r = gradeCTest(item, answers);
      if (o.json) return out(JSON.stringify(r, null, 2));
      item.gaps.forEach((g: { shown: string; answer: string }, i: number) => out(`${String(i + 1).padStart(2)} ${g.shown}[${answers[i] ?? ''}] ${r.gaps[i] ? 'right' : `wrong (${g.answer})`}`));
      out(`score ${r.score.toFixed(3)}`);
    });
  items
    .command('bank')
    .description('Write the item bank (yes/no and C-test items with stimuli, answers, difficulty and bin) as JSONL, one item a line; schema in src/items/bank.ts')
    .requiredOption('--out <file>', 'BANK.jsonl')
    .option('--seed <n>', 'random seed', wholeNumber('--seed'), 0)
    .option('--per-bin <n>', 'yes/no items per difficulty bin', wholeNumber('--per-bin', 1), 30)
    .option('--pseudowords <n>', 'pseudowords to generate', wholeNumber('--pseudowords', 1), 4000)
    .option('--temperature <t>', 'pseudoword sampling temperature', positive('--temperature'), 1)
    .option('--dict <files>', `word lists a pseudoword must not be in, comma-separated (default ${DEFAULT_DICTS})`)
    .option('--vocab-dir <dir>', 'saved vocabulary scale (default experiments/scale/vocab; trained now if absent)')
    .option('--passage-dir <dir>', 'saved passage scale (default experiments/scale/passage; trained now if absent)')
    .action(async (o: { out: string; seed: number; perBin: number; pseudowords: number; temperature: number; dict?: string; vocabDir?: string; passageDir?: string }) => {
      const { vocabScaleFor, passageScaleFor } = await import('./scale');
      const { buildBank } = await import('../../items/build');
      const { bankToJsonl, bankHoleLines } = await import('../../items/bank');
      const { PSEUDOWORD_DEFAULTS } = await import('../../items/pseudowords');
      const { writeFileAtomic, writeJsonAtomic } = await import('../../runtime/atomic');
      const { versions } = await import('../../runtime/versions');
      const vocab = await vocabScaleFor(o.vocabDir);
      const passage = await passageScaleFor(o.passageDir);
      const b = buildBank({ seed: o.seed, vocab, passage, yesNoPerBin: o.perBin, pseudowords: o.pseudowords, temperature: o.temperature, dictFiles: dictList(o.dict) });
      writeFileAtomic(o.out, bankToJsonl(b.items));
      writeJsonAtomic(o.out.replace(/\.jsonl$/, '') + '.manifest.json', {
        kind: 'item-bank',
        options: { seed: o.seed, perBin: o.perBin, pseudowords: o.pseudowords, temperature: o.temperature, dict: dictList(o.dict) ?? SYSTEM_WORD_LISTS.map((l) => l.file), pseudowordFilter: PSEUDOWORD_DEFAULTS },
        seed: o.seed,
        scales: { vocab: vocab.data.model, vocabOrder: vocab.lm.order, passage: passage.data.options },
        counts: b.counts,
        perBin: b.perBin,
        pseudowords: b.pseudowordStats,
        holes: b.holes,
        versions: versions(),
      });
      out(`${b.counts.yesno} yes/no + ${b.counts.ctest} C-test items -> ${o.out}; pseudowords kept ${b.pseudowordStats.kept} of ${b.pseudowordStats.drawn} drawn (${(100 * b.pseudowordStats.acceptanceRate).toFixed(1)} %)`);
      out(`yes/no items per bin: ${b.perBin.map((p) => `${p.bin}:${p.items}`).join(' ')}`);
      out(`C-tests per bin: ${b.holes.perBin.map((p) => `${p.bin}:${p.ctest}`).join(' ')}`);
      for (const line of bankHoleLines(b.holes)) out(line);
    });
}
