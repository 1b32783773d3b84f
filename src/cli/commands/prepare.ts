/** `cefrlab prepare`: learner CSV -> stratified train/valid/test split files (src/corpus/prepare.ts). */
import type { Command } from 'commander';
import { Option } from 'commander';
import { CEFR_LEVELS } from '../../corpus/cefr';
import { UserError } from '../../runtime/errors';

function wholeNumber(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new UserError(`${name} must be a whole number, got "${value}". Fix: e.g. ${name} ${name === '--seed' ? 0 : 100}`);
    return Number(value);
  };
}

export function registerPrepare(program: Command): void {
  program
    .command('prepare')
    .description(
      'Validate a learner CSV (writing_id,l1,cefr_level,text) and write stratified train/valid/test split files for ILM training: ' +
        'train.txt, valid.txt, test.txt (documents separated by three newlines), <split>.labels.tsv and manifest.json',
    )
    .option('--csv <path>', 'learner CSV with at least the columns writing_id,l1,cefr_level,text (default: the embedded data/cefr-asag/cefr_asag_4col.csv)')
    .requiredOption('--out <dir>', 'output directory; written under a temporary name and renamed when complete (an earlier prepare output there is replaced)')
    .option('--cefr-level <level>', `keep only this CEFR level: ${CEFR_LEVELS.join(', ')} (any case, e.g. b1); default: all levels`)
    .option('--sample-size <n>', 'draw n documents stratified by CEFR level x L1, keeping the input proportions (e.g. 100); default: all documents', wholeNumber('--sample-size'))
    .option('--balance', 'draw the same number of documents for every CEFR level (of --sample-size, or as many as the smallest level has)', false)
    .option('--seed <n>', 'random seed: sampling, split and document order; same input, options and seed give identical files', wholeNumber('--seed'), 0)
    .option('--split <train,valid,test>', 'split proportions, stratified by CEFR level x L1', '80,10,10')
    .addOption(new Option('--on-bad-row <mode>', 'fail: stop at the first bad row; skip: leave bad rows out, count them in the manifest and list them in rejected.csv').choices(['fail', 'skip']).default('fail'))
    .action(async (o: { csv?: string; out: string; cefrLevel?: string; sampleSize?: number; balance: boolean; seed: number; split: string; onBadRow: 'fail' | 'skip' }) => {
      const { formatPrepareSummary, prepare } = await import('../../corpus/prepare');
      const result = await prepare({
        csv: o.csv,
        out: o.out,
        cefrLevel: o.cefrLevel ?? null,
        sampleSize: o.sampleSize ?? null,
        balance: o.balance,
        seed: o.seed,
        split: o.split,
        onBadRow: o.onBadRow,
      });
      process.stdout.write(formatPrepareSummary(result) + '\n');
    });
}
