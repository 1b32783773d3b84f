/** `cefrlab cat simulate | serve`: the adaptive test (src/cat) in simulation and in the browser. */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors';

function num(name: string, { integer = false, min = -Infinity, max = Infinity, example = undefined as number | undefined } = {}) {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x) || (integer && !Number.isInteger(x)) || x < min || x > max) {
      const range = min > -Infinity && max < Infinity ? ` from ${min} to ${max}` : min > -Infinity ? ` of ${min} or more` : max < Infinity ? ` of ${max} or less` : '';
      throw new UserError(`${name} must be ${integer ? 'a whole number' : 'a number'}${range}, got "${value}". Fix: give ${name} ${integer ? 'a whole number' : 'a number'}${range}${example !== undefined ? `, e.g. ${name} ${example}` : ''}`);
    }
    return x;
  };
}

function parseNoise(value: string) {
  const m = value.match(/^(bernoulli|expected|beta(?::([0-9.]+))?)$/);
  if (!m) {
    throw new UserError(`--noise "${value}" is unknown. Fix: bernoulli, expected, or beta:K (K the concentration, e.g. beta:3)`);
  }
  if (m[1].startsWith('beta')) return { kind: 'beta' as const, concentration: m[2] ? Number(m[2]) : 3 };
  return { kind: m[1] as 'bernoulli' | 'expected' };
}

export function registerCat(program: Command): void {
  const cat = program.command('cat').description('The computer-adaptive test (Settles et al. 2020): simulate it, or serve it in the browser');

  cat
    .command('simulate')
    .description(
      'Simulate N test-takers with known θ (normal on the 100-point scale) taking the adaptive test with soft responses drawn ' +
        'from the Rasch model; report bias, RMSE, correlation, split-half reliability (Spearman-Brown), test-retest, item exposure, ' +
        'test overlap and bank usage. With --select sympson-hetter the exposure parameters are first calibrated by simulation ' +
        'to --target-exposure.',
    )
    .requiredOption('--bank <BANK.jsonl>', 'the item bank (`cefrlab items bank --out BANK.jsonl`)')
    .option('--n <n>', 'simulees', num('--n', { integer: true, min: 2 }), 5000)
    .option('--max-items <n>', 'items per test', num('--max-items', { integer: true, min: 1 }), 25)
    .option('--select <rule>', 'bin (the paper) | maxinfo | randomesque | sympson-hetter', 'bin')
    .option('--randomesque-k <k>', 'k of randomesque', num('--randomesque-k', { integer: true, min: 1 }), 5)
    .option('--target-exposure <r>', 'Sympson-Hetter target maximum exposure rate', num('--target-exposure', { min: 0.0001, max: 1 }), 0.2)
    .option('--calibration-rounds <n>', 'Sympson-Hetter calibration rounds', num('--calibration-rounds', { integer: true, min: 1 }), 8)
    .option('--calibration-n <n>', 'simulees per calibration round', num('--calibration-n', { integer: true, min: 10 }), 1000)
    .option('--se-target <points>', 'also stop when the SE falls to this (points)', num('--se-target', { min: 0.01 }))
    .option('--theta-mean <points>', 'mean of the simulees\' θ (points)', num('--theta-mean'), 50)
    .option('--theta-sd <points>', 'SD of the simulees\' θ (points)', num('--theta-sd', { min: 0 }), 20)
    .option('--noise <model>', 'response noise: beta:K (soft, E[r] = p, default beta:3) | bernoulli | expected', 'beta:3')
    .option('--seed <n>', 'seed', num('--seed', { integer: true, min: 0 }), 0)
    .option('--json', 'print only the JSON report', false)
    .option('-o, --out <report.json>', 'also write the JSON report here')
    .action(async (o: {
      bank: string; n: number; maxItems: number; select: string; randomesqueK: number; targetExposure: number; calibrationRounds: number;
      calibrationN: number; seTarget?: number; thetaMean: number; thetaSd: number; noise: string; seed: number; json: boolean; out?: string;
    }) => {
      const { loadBank } = await import('../../cat/bank');
      const { simulateCat } = await import('../../cat/simulate');
      const { SELECT_RULES } = await import('../../cat/engine');
      const { calibrateSympsonHetter } = await import('../../cat/exposure');
      const { writeJsonAtomic } = await import('../../runtime/atomic');
      const { sha256File } = await import('../../runtime/hash');
      const { versions } = await import('../../runtime/versions');
      if (!SELECT_RULES.includes(o.select as never)) throw new UserError(`--select ${o.select} is unknown. Fix: use one of ${SELECT_RULES.join(', ')}`);
      const noise = parseNoise(o.noise);
      const bank = loadBank(o.bank);
      const distribution = { kind: 'normal' as const, mean: o.thetaMean, sd: o.thetaSd };
      const config = { select: o.select as never, maxItems: o.maxItems, randomesqueK: o.randomesqueK, seTarget: o.seTarget ?? null, timeLimitMs: null };
      let exposure: Record<string, number> | null = null;
      let calibration: unknown = null;
      if (o.select === 'sympson-hetter') {
        if (!o.json) process.stderr.write(`calibrating Sympson-Hetter exposure parameters: ${o.calibrationRounds} rounds of ${o.calibrationN} simulees, target ${o.targetExposure}\n`);
        const cal = calibrateSympsonHetter(bank, { target: o.targetExposure, n: o.calibrationN, rounds: o.calibrationRounds, seed: o.seed + 1, distribution, noise, config });
        exposure = cal.k;
        calibration = { target: cal.target, rounds: cal.rounds, itemsControlled: Object.values(cal.k).filter((k) => k < 1).length };
      }
      const report = simulateCat(bank, { n: o.n, seed: o.seed, distribution, noise, config: { ...config, exposure }, showProgress: !o.json });
      const json = {
        ...report, targetExposure: o.select === 'sympson-hetter' ? o.targetExposure : null, exposureCalibration: calibration,
        units: 'bias, rmse, meanSe in points of the 100-point scale; exposure, overlap, bankUsage as proportions',
        bank: { file: o.bank, sha256: await sha256File(o.bank), items: bank.items.length }, versions: versions(),
      };
      if (o.out) writeJsonAtomic(o.out, json);
      if (o.json) {
        process.stdout.write(JSON.stringify(json, null, 2) + '\n');
        return;
      }
      const f = (x: number | null, d = 3) => (x == null ? '-' : x.toFixed(d));
      const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
      process.stdout.write(
        [
          `${report.n} simulees, θ ~ N(${o.thetaMean}, ${o.thetaSd}²) points, ${o.noise} responses, rule ${report.select}, ≤ ${report.maxItems} items (mean ${f(report.meanItems, 1)}), bank ${report.bankSize} items`,
          `bias ${f(report.bias, 2)}  RMSE ${f(report.rmse, 2)}  correlation ${f(report.correlation)}  mean SE ${f(report.meanSe, 2)} (points)`,
          `split-half (Spearman-Brown) ${f(report.splitHalf)} (uncorrected ${f(report.splitHalfUncorrected)})  test-retest ${f(report.testRetest)}`,
          `exposure mean ${pct(report.exposure.mean)}  median ${pct(report.exposure.median)}  max ${pct(report.exposure.max)}`,
          `overlap mean ${pct(report.overlap.mean)}  median ${pct(report.overlap.median)}  bank usage ${pct(report.bankUsage)}`,
          o.out ? `wrote ${o.out}` : '',
        ].filter(Boolean).join('\n') + '\n',
      );
    });

  cat
    .command('serve')
    .description(
      'Serve the adaptive test as a web page (Fastify): yes/no and C-test items, progress bar, score, SE, CEFR level and a plot of θ. ' +
        'Sessions are kept in an append-only journal (DATA/sessions.jsonl), so a refresh resumes and a restart loses nothing answered.',
    )
    .requiredOption('--bank <BANK.jsonl>', 'the item bank')
    .option('--port <n>', 'port', num('--port', { integer: true, min: 0, max: 65535, example: 8080 }), 8080)
    .option('--host <host>', 'interface to bind (127.0.0.1: this machine only)', '127.0.0.1')
    .option('--data <dir>', 'directory of the session journal', 'experiments/cat-sessions')
    .option('--max-items <n>', 'items per test', num('--max-items', { integer: true, min: 1 }), 25)
    .option('--minutes <n>', 'time limit in minutes', num('--minutes', { min: 0.1 }), 40)
    .option('--select <rule>', 'bin | maxinfo | randomesque (sympson-hetter needs calibrated parameters: use simulate)', 'bin')
    .action(async (o: { bank: string; port: number; host: string; data: string; maxItems: number; minutes: number; select: string }) => {
      const { loadBank } = await import('../../cat/bank');
      const { startServer } = await import('../../cat/server');
      if (!['bin', 'maxinfo', 'randomesque'].includes(o.select)) throw new UserError(`--select ${o.select} is not available for serve. Fix: bin, maxinfo or randomesque`);
      const bank = loadBank(o.bank);
      const server = await startServer({ bank, dataDir: o.data, port: o.port, host: o.host, config: { maxItems: o.maxItems, timeLimitMs: o.minutes * 60_000, select: o.select as never } });
      process.stderr.write(`adaptive test on ${server.url} (bank ${o.bank}: ${bank.items.length} items; journal ${server.journalFile}); Ctrl-C stops\n`);
      if (o.host !== '127.0.0.1' && o.host !== 'localhost') process.stderr.write(`note: bound to ${o.host}, reachable from other machines\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
