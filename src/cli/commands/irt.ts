/** `cefrlab irt calibrate | score`: Rasch calibration and ability estimates (src/irt). */
import type { Command } from 'commander';
import { UserError, locate } from '../../runtime/errors';

export function registerIrt(program: Command): void {
  const irt = program.command('irt').description('Rasch measurement with soft responses: calibrate item difficulties from responses, score a person');

  irt
    .command('calibrate')
    .description(
      'Rasch item difficulties by marginal maximum likelihood (EM over a normal ability distribution), then person abilities ' +
        'by bounded MLE. Responses may be soft (0..1) and incomplete. Difficulties sum to zero (as in R\'s eRm); the file ' +
        'gives them in logits and on the 100-point scale (points = 50 + 10 × logit).',
    )
    .requiredOption('--responses <RESPONSES.csv>', 'CSV with columns person,item,response (response 0..1)')
    .requiredOption('-o, --out <ITEMS.json>', 'where to write the calibration')
    .option('--json', 'print the whole calibration as JSON', false)
    .action(async (o: { responses: string; out: string; json: boolean }) => {
      const { readResponsesCsv, itemsFile } = await import('../../irt/io');
      const { calibrateRasch, responseData } = await import('../../irt/calibrate');
      const { writeJsonAtomic } = await import('../../runtime/atomic');
      const rows = readResponsesCsv(o.responses);
      let cal;
      try {
        cal = calibrateRasch(responseData(rows));
      } catch (e) {
        if (e instanceof RangeError) throw new UserError(`${o.responses}: ${e.message}`);
        throw e;
      }
      const file = itemsFile(cal);
      writeJsonAtomic(o.out, file);
      if (o.json) {
        process.stdout.write(JSON.stringify(file, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        `${cal.items.length} items, ${cal.persons.length} persons, ${rows.length} responses; ${cal.converged ? 'converged' : 'NOT converged'} after ${cal.iterations} EM cycles\n` +
          `population: mean ${cal.population.mean.toFixed(3)}, SD ${cal.population.sd.toFixed(3)} logits\n` +
          (cal.excludedItems.length ? `left out: ${cal.excludedItems.map((e) => `${e.id} (${e.reason})`).join('; ')}\n` : '') +
          `wrote ${o.out}\n`,
      );
    });

  irt
    .command('score')
    .description('One person\'s ability from their responses: θ in logits and on the 100-point scale, its standard error and CEFR level')
    .requiredOption('--items <ITEMS.json>', 'difficulties: the output of `irt calibrate`, or a BANK.jsonl (100-point scale)')
    .requiredOption('--responses <ONE.csv>', 'CSV with columns item,response (a person column is allowed if it holds one person)')
    .option('--method <m>', 'mle (bounded) | map | eap (normal prior N(50, 20²) points) | wle (Warm 1989)', 'mle')
    .option('--json', 'print JSON', false)
    .action(async (o: { items: string; responses: string; method: string; json: boolean }) => {
      const { readResponsesCsv, readItemDifficulties } = await import('../../irt/io');
      const { estimateAbility, ABILITY_METHODS } = await import('../../irt/estimate');
      const { logitToScale, logitSeToScale } = await import('../../irt/scale');
      const { scaleToLevel } = await import('../../scale/cefr-scale');
      if (!ABILITY_METHODS.includes(o.method as never)) throw new UserError(`--method ${o.method} is unknown. Fix: use one of ${ABILITY_METHODS.join(', ')}`);
      const difficulties = readItemDifficulties(o.items);
      const rows = readResponsesCsv(o.responses, { requirePerson: false });
      const persons = new Set(rows.map((r) => r.person));
      if (persons.size > 1) throw new UserError(locate(o.responses, null, `responses of ${persons.size} persons`, 'score one person per file (or use `irt calibrate` for many)'));
      const seen = new Set<string>();
      const deltas: number[] = [];
      rows.forEach((r, n) => {
        const d = difficulties.get(r.item);
        if (d === undefined) throw new UserError(locate(o.responses, n + 2, `item "${r.item}" is not in ${o.items}`, 'score only items that were calibrated'));
        if (seen.has(r.item)) throw new UserError(locate(o.responses, n + 2, `item "${r.item}" appears twice`, 'one response per item'));
        seen.add(r.item);
        deltas.push(d);
      });
      const est = estimateAbility(deltas, rows.map((r) => r.response), { method: o.method as never });
      const points = logitToScale(est.theta);
      const score = Math.min(100, Math.max(0, points));
      const out = { method: est.method, items: est.items, theta: est.theta, se: est.se, thetaPoints: points, score, sePoints: logitSeToScale(est.se), level: scaleToLevel(score), boundary: est.boundary, note: est.note };
      if (o.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      else process.stdout.write(`θ = ${est.theta.toFixed(3)} logits (SE ${est.se.toFixed(3)}) = ${points.toFixed(1)} points (SE ${out.sePoints.toFixed(1)}), level ${out.level}, ${est.items} items, ${est.method}: ${est.note}\n`);
    });
}
