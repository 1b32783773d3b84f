/** `cefrlab eval`: losses, token counts and perplexities of a trained model on an example set (src/evaluate/run.ts). */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors';
import { writeJsonAtomic } from '../../runtime/atomic';
import { wholeNumber } from '../options';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .argument('<EXP_DIR>', 'experiment directory (its checkpoints/best is used, else checkpoints/last) or a Hugging Face model directory')
    .argument('<EXAMPLES_DIR>', 'directory written by `cefrlab examples`')
    .description(
      'Evaluate a model: context loss, infill loss (answers + end-of-answer tokens) and infill-text-only loss (answers alone), ' +
        'token-weighted, with token counts and perplexities exp(loss). The headline number is the infill-text-only perplexity. ' +
        'Single-mask-type sets built from the same split in EXAMPLES_DIR (e.g. `examples test ... --mask word --name test-word`) ' +
        'are evaluated too, giving the numbers per mask type. Prints a table (JSON with --json).',
    )
    .option('--tag <name>', 'example set: EXAMPLES_DIR/<name>', 'test')
    .option('--max-examples <n>', 'at most n examples per set, a fixed seeded sample (0: all)', wholeNumber('--max-examples'), 1000)
    .option('--seed <n>', 'seed of the example sample', wholeNumber('--seed'), 0)
    .option('--batch-size <n>', 'examples per forward pass (affects speed and memory, not the numbers)', wholeNumber('--batch-size'), 8)
    .option('--out <file>', 'also write the JSON to this file')
    .option('--json', 'print the result as JSON instead of the table', false)
    .action(async (expDir: string, examplesDir: string, o: { tag: string; maxExamples: number; seed: number; batchSize: number; out?: string; json: boolean }) => {
      if (o.batchSize < 1) throw new UserError('--batch-size must be at least 1. Fix: e.g. --batch-size 8');
      const { evaluateExperiment, evalTable } = await import('../../evaluate/run');
      await (await import('../../runtime/backend')).initBackend();
      const r = await evaluateExperiment(expDir, examplesDir, { tag: o.tag, maxExamples: o.maxExamples, seed: o.seed, batchSize: o.batchSize, progress: true });
      if (o.out) writeJsonAtomic(o.out, r);
      process.stdout.write((o.json ? JSON.stringify(r, null, 2) : evalTable(r)) + '\n');
    });
}
