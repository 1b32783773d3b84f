/** `cefrlab agreement`: machine-human and human-human agreement, and fairness by group (src/rate/agreement.ts). */
import type { Command } from 'commander';
import { intOption } from './rate';
import { UserError } from '../../runtime/errors';

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
  allowMissing: boolean;
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
    .option('--allow-missing', 'compare on the rated items only when some machine ratings are empty (their count is reported); never when all are', false)
    .action(async (o: AgreementCliOptions) => {
      const { readTable, requireColumns } = await import('../../runtime/csv-table');
      const { agreement, agreementTable } = await import('../../rate/agreement');
      const { writeJsonAtomic } = await import('../../runtime/atomic');
      const { isMissing } = await import('../../rate/agreement');
      const t = readTable(o.csv);
      const human = list(o.human);
      const groups = list(o.groups);
      requireColumns(t, human, '--human');
      requireColumns(t, [o.machine], '--machine');
      requireColumns(t, groups, '--groups');
      // An empty machine rating is an essay the rater never rated: agreement on the rest would silently describe another sample.
      const missing = t.rows.filter((r) => isMissing(r[o.machine])).length;
      if (t.rows.length > 0 && missing === t.rows.length) {
        throw new UserError(`${o.csv}: all ${missing} ratings in column "${o.machine}" are empty: nothing was rated. Fix: rate the essays again (cefrlab rate shows why they failed), or name the rating column with --machine`);
      }
      if (missing > 0 && !o.allowMissing) {
        const rows = t.rows.map((r, i) => (isMissing(r[o.machine]) ? i + 1 : 0)).filter(Boolean);
        throw new UserError(`${o.csv}: ${missing} of ${t.rows.length} ratings in column "${o.machine}" are empty (data rows ${rows.slice(0, 8).join(', ')}${rows.length > 8 ? ', ...' : ''}). Fix: rerun cefrlab rate to fill them (cached essays are not sent again), or pass --allow-missing to compare on the ${t.rows.length - missing} rated items`);
      }
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
