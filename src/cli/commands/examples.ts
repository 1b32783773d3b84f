/** `cefrlab examples`: a split file -> ILM example store with statistics (src/ilm/examples.ts). */
import type { Command } from 'commander';
import { Argument, Option } from 'commander';
import { UserError } from '../../runtime/errors';
import { EXAMPLE_DEFAULTS, SPLITS } from '../../ilm/examples-options';
import { MASK_KINDS, type MaskKind } from '../../ilm/masks';
import type { Task } from '../../ilm/store';
import { wholeNumber } from '../options';
import { checkOutputPath } from '../../runtime/output-path';

function probability(flag: string, example: string): (value: string) => number {
  return (value) => {
    const p = Number(value);
    if (!(p > 0 && p <= 1)) throw new UserError(`${flag} must be a probability in (0, 1], got "${value}". Fix: e.g. ${flag} ${example}`);
    return p;
  };
}

export function registerExamples(program: Command): void {
  program
    .command('examples')
    .description(
      'Build ILM training examples from DATA_DIR/<split>.txt (documents separated by three newlines): hierarchical (or single-type) ' +
        'masks, GPT-2 tokens plus the ILM tokens, written to OUT_DIR/<split>/examples.bin with manifest.json; prints statistics',
    )
    .addArgument(new Argument('<split>', 'which split file to read').choices([...SPLITS]))
    .argument('<data-dir>', 'folder written by `cefrlab prepare` (holds train.txt, valid.txt, test.txt)')
    .argument('<out-dir>', 'output folder; the store goes to OUT_DIR/<split>/ (or OUT_DIR/<name>/ with --name), replaced atomically')
    .addOption(new Option('--task <task>', 'ilm: infilling sequences (context, blanks, answers); lm: the document alone, every token context (left-to-right baseline)').choices(['ilm', 'lm']).default(EXAMPLE_DEFAULTS.task))
    .option('--seed <n>', 'random seed; the same input, options and seed give a byte-identical store whatever the number of workers', wholeNumber('--seed', 0), EXAMPLE_DEFAULTS.seed)
    .option('--examples-per-doc <n>', 'example slots per document (a slot whose attempts all fail stays empty)', wholeNumber('--examples-per-doc', 1), EXAMPLE_DEFAULTS.examplesPerDoc)
    .option('--max-retries <n>', 'attempts per slot at a mask that passes every check', wholeNumber('--max-retries', 1), EXAMPLE_DEFAULTS.maxRetries)
    .addOption(
      new Option('--mask <type>', 'hierarchical: the spec\'s mixture of document/paragraph/sentence/ngram/word masks; a single type blanks exactly one unit of that type per example (the per-type test sets); initial-word: the first word of one sentence; random-words: every word with probability --p, each its own blank')
        .choices([...MASK_KINDS])
        .default(EXAMPLE_DEFAULTS.mask),
    )
    .option('--p <prob>', 'masking probability at every level of the hierarchy', probability('--p', '0.03'), EXAMPLE_DEFAULTS.p)
    .option('--p-word <prob>', 'a different probability for the word walk inside sentences (word and n-gram blanks; default: --p)', probability('--p-word', '0.15'))
    .option('--p-function <prob>', 'random-words: a different probability for function words (articles, pronouns, prepositions, conjunctions, auxiliaries; src/ilm/function-words.ts; default: --p)', probability('--p-function', '0.25'))
    .option('--min-spans <n>', 'refuse masks with fewer spans (default: none, empty masks allowed)', wholeNumber('--min-spans', 0))
    .option('--max-spans <n>', 'keep a random subset of this many spans (still in text order) when a mask has more (default: no limit)', wholeNumber('--max-spans', 1))
    .option('--allow-duplicates', 'accept the same mask twice for one document', false)
    .option('--seq-len <n>', 'training sequence length in tokens (longer examples are cut at the end, shorter padded)', wholeNumber('--seq-len', 2), EXAMPLE_DEFAULTS.seqLen)
    .option('--skip-incomplete', 'drop (and retry) a mask whose full sequence is longer than --seq-len instead of cutting it', false)
    .option('--workers <n>', 'worker threads (default: one per core, or none for a split under 2 MB; 0 runs in the main thread); the output does not depend on it', wholeNumber('--workers', 0))
    .option('--name <name>', 'output folder name inside OUT_DIR (default: the split), e.g. test-sentence for a single-type test set')
    .action(
      async (
        split: string,
        dataDir: string,
        outDir: string,
        o: { task: Task; seed: number; examplesPerDoc: number; maxRetries: number; mask: MaskKind; p: number; pWord?: number; pFunction?: number; minSpans?: number; maxSpans?: number; allowDuplicates: boolean; seqLen: number; skipIncomplete: boolean; workers?: number; name?: string },
      ) => {
        checkOutputPath(outDir, 'OUT_DIR', 'dir');
        const { buildExamples, formatSummary } = await import('../../ilm/examples');
        const result = await buildExamples(split, dataDir, outDir, {
          task: o.task,
          seed: o.seed,
          examplesPerDoc: o.examplesPerDoc,
          maxRetries: o.maxRetries,
          mask: o.mask,
          p: o.p,
          pWord: o.pWord ?? null,
          pFunction: o.pFunction ?? null,
          minSpans: o.minSpans ?? null,
          maxSpans: o.maxSpans ?? null,
          allowDuplicates: o.allowDuplicates,
          seqLen: o.seqLen,
          skipIncomplete: o.skipIncomplete,
          workers: o.workers,
          name: o.name,
        });
        process.stdout.write(formatSummary(result.summary) + '\n');
        process.stdout.write(`wrote ${result.file}\n`);
      },
    );
}
