/** `cefrlab compare`: every model on every level's test set, and the specialisation gains (src/evaluate/run.ts). */
import type { Command } from 'commander';
import * as path from 'node:path';
import { UserError } from '../../runtime/errors';
import { writeJsonAtomic } from '../../runtime/atomic';
import { wholeNumber } from '../options';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'The cross-model matrix: every model on every test set, scored by infill-text-only perplexity, and the specialisation ' +
        'gain per level (general / specialised - 1; positive when the level\'s own model is better). A model\'s level comes from ' +
        'its training manifest (the general model was trained on all levels), a test set\'s from its prepare manifest; ' +
        'write LABEL=PATH to name one yourself. The general model is the one trained on all levels, or the one given with --general; ' +
        'a model whose level cannot be told is an error. Prints the table (JSON with --json); --out writes the JSON and an HTML heatmap beside it.',
    )
    .requiredOption('--models <EXP_DIR...>', 'experiment directories (or LABEL=EXP_DIR), e.g. experiments/general experiments/b1')
    .option('--general <EXP_DIR>', 'the general model the specialisation gains are measured against (default: the model of --models trained on all levels)')
    .requiredOption('--tests <EXAMPLES_DIR...>', 'examples directories whose test set to use (or LABEL=EXAMPLES_DIR)')
    .option('--tag <name>', 'example set inside each EXAMPLES_DIR', 'test')
    .option('--max-examples <n>', 'at most n examples per test set, a fixed seeded sample (0: all)', wholeNumber('--max-examples'), 1000)
    .option('--seed <n>', 'seed of the example sample', wholeNumber('--seed'), 0)
    .option('--batch-size <n>', 'examples per forward pass', wholeNumber('--batch-size'), 8)
    .option('--out <file>', 'write the comparison as JSON to FILE and the heatmap to FILE with .html')
    .option('--json', 'print the comparison as JSON instead of the table', false)
    .action(async (o: { general?: string; models: string[]; tests: string[]; tag: string; maxExamples: number; seed: number; batchSize: number; out?: string; json: boolean }) => {
      if (o.batchSize < 1) throw new UserError('--batch-size must be at least 1. Fix: e.g. --batch-size 8');
      const { compareExperiments } = await import('../../evaluate/run');
      await (await import('../../runtime/backend')).initBackend();
      const { comparisonTable } = await import('../../evaluate/compare');
      const c = await compareExperiments(o.models, o.tests, {
        general: o.general, tag: o.tag, maxExamples: o.maxExamples, seed: o.seed, batchSize: o.batchSize,
        onCell: o.json ? undefined : (m, t, r) => process.stderr.write(`  ${m} on ${t}: infill-text-only perplexity ${r.infillTextOnly.perplexity?.toFixed(2) ?? '-'}\n`),
      });
      const { cells, ...summary } = c;
      const json = { ...summary, cells: cells.map((row) => row.map((m) => ({ examples: m.examples, context: m.context, infill: m.infill, infillTextOnly: m.infillTextOnly }))) };
      if (o.out) {
        writeJsonAtomic(o.out, json);
        const { comparisonHeatmap } = await import('../../evaluate/figures');
        const { writeFigureHtml } = await import('../../plot/html');
        const htmlFile = o.out.replace(/\.json$/i, '') + '.html';
        writeFigureHtml(comparisonHeatmap(c), htmlFile);
        process.stderr.write(`Wrote ${o.out} and ${path.basename(htmlFile)}\n`);
      }
      if (o.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
      else {
        process.stdout.write(comparisonTable(c) + '\n');
        if (c.gains.length === 0) process.stdout.write('(no specialisation gains: they need a general model and a level model with its own test set)\n');
      }
    });
}
