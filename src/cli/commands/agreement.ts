/** `cefrlab agreement`: machine-human and human-human agreement, and fairness by group (src/rate/agreement.ts). */
import type { Command } from 'commander';
import { intOption } from './rate';

interface AgreementCliOptions {
  csv: string;
  human: string;
  machine: string;
  groups?: string;
  json: boolean;
  output?: string;
  seed: number;
  resamples: number;
  minGroupSize: number;
}

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

export function registerAgreement(program: Command): void {
  program
    .command('agreement')
    .description(
      'Agreement of a machine rating with human ratings: QWK against each rater and the consensus (median) with 90% bootstrap intervals, ' +
        'human-human QWK, exact and adjacent agreement, confusion matrices normalised by the human rating, and per group QWK and mean ' +
        'signed difference, also with importance weights that give every group the same distribution of human ratings (Yancey et al. 2023, 3.3).',
    )
    .requiredOption('--csv <file>', 'table with the rating columns (e.g. RATINGS.csv from `cefrlab rate`)')
    .requiredOption('--human <columns>', 'human rating column(s), comma-separated, e.g. examiner1,examiner2,examiner3')
    .option('--machine <column>', 'machine rating column', 'rating')
    .option('--groups <columns>', 'columns to break agreement down by, comma-separated, e.g. sex,l1')
    .option('--json', 'print the report as JSON', false)
    .option('-o, --output <file>', 'write the JSON report to this file')
    .option('--seed <n>', 'bootstrap seed', intOption('--seed'), 0)
    .option('--resamples <n>', 'bootstrap resamples', intOption('--resamples', 1), 1000)
    .option('--min-group-size <n>', 'leave out groups with fewer items', intOption('--min-group-size', 1), 10)
    .action(async (o: AgreementCliOptions) => {
      const { readTable, requireColumns } = await import('../../rate/table');
      const { agreement, agreementTable } = await import('../../rate/agreement');
      const { writeJsonAtomic } = await import('../../runtime/atomic');
      const { UserError } = await import('../../runtime/errors');
      const t = readTable(o.csv);
      const human = list(o.human);
      const groups = list(o.groups);
      requireColumns(t, human, '--human');
      requireColumns(t, [o.machine], '--machine');
      requireColumns(t, groups, '--groups');
      let report;
      try {
        report = agreement(t.rows, { human, machine: o.machine, groups, seed: o.seed, resamples: o.resamples, minGroupSize: o.minGroupSize });
      } catch (e) {
        if (e instanceof RangeError) throw new UserError(`${o.csv}: ${e.message}. Fix: the rating columns must hold CEFR levels (0 = unscorable) or numbers`);
        throw e;
      }
      if (o.output) writeJsonAtomic(o.output, report);
      process.stdout.write((o.json ? JSON.stringify(report, null, 2) : agreementTable(report)) + '\n');
    });
}
