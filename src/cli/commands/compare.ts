/** `cefrlab compare`: every model on every level's test set, and the specialisation gains (src/evaluate/run.ts). */
import type { Command } from 'commander';
import * as path from 'node:path';
import { UserError } from '../../runtime/errors';
import { writeJsonAtomic } from '../../runtime/atomic';
import { compareExperiments } from '../../evaluate/run';
import { comparisonTable } from '../../evaluate/compare';
import { comparisonHeatmap } from '../../plot/training-figures';
import { writeFigureHtml } from '../../plot/html';

function integer(name: string) {
  return (value: string): number => {
    if (!/^\s*\d+\s*$/.test(value)) throw new UserError(`${name} must be a whole number, got "${value}". Fix: e.g. ${name} 1000`);
    return Number(value);
  };
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'The cross-model matrix: every model on every test set, scored by infill-text-only perplexity, and the specialisation ' +
        'gain per level (general / specialised - 1; positive when the level\'s own model is better). A model\'s level comes from ' +
        'its training manifest (the general model was trained on all levels), a test set\'s from its prepare manifest; ' +
        'write LABEL=PATH to name one yourself. Prints a table and JSON; --out writes the JSON and an HTML heatmap beside it.',
    )
    .requiredOption('--models <EXP_DIR...>', 'experiment directories (or LABEL=EXP_DIR), e.g. experiments/general experiments/b1')
    .requiredOption('--tests <EXAMPLES_DIR...>', 'examples directories whose test set to use (or LABEL=EXAMPLES_DIR)')
    .option('--tag <name>', 'example set inside each EXAMPLES_DIR', 'test')
    .option('--max-examples <n>', 'at most n examples per test set, a fixed seeded sample (0: all)', integer('--max-examples'), 1000)
    .option('--seed <n>', 'seed of the example sample', integer('--seed'), 0)
    .option('--batch-size <n>', 'examples per forward pass', integer('--batch-size'), 8)
    .option('--out <file>', 'write the comparison as JSON to FILE and the heatmap to FILE with .html')
    .option('--json', 'print only the JSON', false)
    .action(async (o: { models: string[]; tests: string[]; tag: string; maxExamples: number; seed: number; batchSize: number; out?: string; json: boolean }) => {
      if (o.batchSize < 1) throw new UserError('--batch-size must be at least 1. Fix: e.g. --batch-size 8');
      const c = await compareExperiments(o.models, o.tests, {
        tag: o.tag, maxExamples: o.maxExamples, seed: o.seed, batchSize: o.batchSize,
        onCell: o.json ? undefined : (m, t, r) => process.stderr.write(`  ${m} on ${t}: infill-text-only perplexity ${r.infillTextOnly.perplexity?.toFixed(2) ?? '-'}\n`),
      });
      const { cells, ...summary } = c;
      const json = { ...summary, cells: cells.map((row) => row.map((m) => ({ examples: m.examples, context: m.context, infill: m.infill, infillTextOnly: m.infillTextOnly }))) };
      if (o.out) {
        writeJsonAtomic(o.out, json);
        const htmlFile = o.out.replace(/\.json$/i, '') + '.html';
        writeFigureHtml(comparisonHeatmap(c), htmlFile);
        process.stderr.write(`Wrote ${o.out} and ${path.basename(htmlFile)}\n`);
      }
      if (!o.json) process.stdout.write(comparisonTable(c) + '\n\n');
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    });
}
