/** `cefrlab baseline length`: the length-only ordinal baseline (src/awe/length.ts). */
import type { Command } from 'commander';

interface LengthCli {
  csv: string;
  label: string;
  predict: string;
  output: string;
  textColumn: string;
}

export function registerBaseline(program: Command): void {
  const baseline = program.command('baseline').description('Simple baselines for essay rating');
  baseline
    .command('length')
    .description('Ordinal (cumulative-logit) model on the log character length alone: train on one CSV, rate another; writes the input columns plus `rating`')
    .requiredOption('--csv <file>', 'training essays')
    .requiredOption('--label <column>', 'label column (CEFR levels or numbers)')
    .requiredOption('--predict <file>', 'essays to rate')
    .requiredOption('-o, --output <file>', 'RATINGS.csv to write')
    .option('--text-column <name>', 'essay column (both files)', 'text')
    .action(async (o: LengthCli) => {
      const { lengthBaselineCsv } = await import('../awe-ops');
      const r = await lengthBaselineCsv(o.csv, o.predict, o.output, { label: o.label, textColumn: o.textColumn });
      process.stdout.write(`trained on ${r.trainedOn} essays (classes ${r.classes.join(' ')}); cut points (characters): ${r.cuts.map((c) => `${c.from}->${c.to} at ${c.chars}`).join(', ')}\nrated ${r.rated} essays: ${o.output}\n`);
    });
}
