/** `cefrlab cat simulate | serve`: the adaptive test (src/cat) in simulation and in the browser. */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors';
import { DEFAULT_CAT_CONFIG as D, STOP_RULES, type StopRule } from '../../cat/engine';

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

/** A failure to listen on the port as a UserError that names the port and the fix (null: not such a failure). */
export function listenError(err: unknown, host: string, port: number): UserError | null {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return new UserError(`port ${port} on ${host} is already in use (another server, or a \`cefrlab cat serve\` still running). Fix: stop that process, or give another port: --port ${port === 65535 ? port - 1 : port + 1}, or --port 0 for any free one`);
  }
  if (code === 'EACCES') return new UserError(`port ${port} on ${host} needs privileges this user lacks (ports below 1024). Fix: --port 8080, or any free port from 1024 up`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new UserError(`cannot bind ${host}: this machine has no such interface. Fix: --host 127.0.0.1 (this machine only)`);
  return null;
}

/** `--stop a,b`: the extra stopping rules (the length, time and SE rules have their own options). */
function parseStop(value: string): StopRule[] {
  const rules = value.split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of rules) {
    if (!STOP_RULES.includes(r as StopRule)) {
      throw new UserError(`--stop ${r} is unknown. Fix: --stop ${STOP_RULES.join(',')} (the length, time and SE rules are --max-items, --minutes and --se-target)`);
    }
  }
  return rules as StopRule[];
}

const STOP_HELP = `also stop by these rules: cefr-band = when θ̂ ± z·SE (z = --band-z) lies inside one CEFR band, after the ${D.calibrationItems} calibration items`;
const DISPERSION_HELP = 'φ of Var r = φ p (1 − p) that the SE assumes (0..1; 1 = 0/1 responses, an upper bound for graded ones)';

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
    .option('--max-items <n>', 'items per test', num('--max-items', { integer: true, min: 1 }), D.maxItems)
    .option('--select <rule>', 'bin (the paper) | maxinfo | randomesque | sympson-hetter', D.select)
    .option('--randomesque-k <k>', 'k of randomesque', num('--randomesque-k', { integer: true, min: 1 }), D.randomesqueK)
    .option('--target-exposure <r>', 'Sympson-Hetter target maximum exposure rate', num('--target-exposure', { min: 0.0001, max: 1 }), 0.2)
    .option('--calibration-rounds <n>', 'Sympson-Hetter calibration rounds', num('--calibration-rounds', { integer: true, min: 1 }), 8)
    .option('--calibration-n <n>', 'simulees per calibration round', num('--calibration-n', { integer: true, min: 10 }), 1000)
    .option('--se-target <points>', 'also stop when the SE falls to this (points)', num('--se-target', { min: 0.01 }))
    .option('--stop <rules>', STOP_HELP, parseStop)
    .option('--band-z <z>', 'z of the cefr-band interval', num('--band-z', { min: 0.01 }), D.bandZ)
    .option('--dispersion <φ>', `${DISPERSION_HELP} (default: that of --noise: 1/(K + 1) for beta:K, 1 for bernoulli)`, num('--dispersion', { min: 0, max: 1 }))
    .option('--theta-mean <points>', 'mean of the simulees\' θ (points)', num('--theta-mean'), 50)
    .option('--theta-sd <points>', 'SD of the simulees\' θ (points)', num('--theta-sd', { min: 0 }), 20)
    .option('--noise <model>', 'response noise: beta:K (soft, E[r] = p, default beta:3) | bernoulli | expected', 'beta:3')
    .option('--seed <n>', 'seed', num('--seed', { integer: true, min: 0 }), 0)
    .option('--json', 'print only the JSON report', false)
    .option('-o, --out <report.json>', 'also write the JSON report here')
    .action(async (o: {
      bank: string; n: number; maxItems: number; select: string; randomesqueK: number; targetExposure: number; calibrationRounds: number;
      calibrationN: number; seTarget?: number; stop?: StopRule[]; bandZ: number; dispersion?: number; thetaMean: number; thetaSd: number; noise: string;
      seed: number; json: boolean; out?: string;
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
      const config = {
        select: o.select as never, maxItems: o.maxItems, randomesqueK: o.randomesqueK, seTarget: o.seTarget ?? null, timeLimitMs: null,
        cefrBand: (o.stop ?? []).includes('cefr-band'), bandZ: o.bandZ, ...(o.dispersion != null ? { dispersion: o.dispersion } : {}),
      };
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
          `bias ${f(report.bias, 2)}  RMSE ${f(report.rmse, 2)}  correlation ${f(report.correlation)}  mean SE ${f(report.meanSe, 2)}  sandwich SE ${f(report.meanSeSandwich, 2)} (points)`,
          `the SE assumes ${report.seAssumes}; the sandwich SE assumes no φ`,
          `stopped by: ${Object.entries(report.stopReasons).map(([k, v]) => `${k} ${v}`).join(', ')}`,
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
    .option('--max-items <n>', 'items per test', num('--max-items', { integer: true, min: 1 }), D.maxItems)
    .option('--minutes <n>', 'time limit in minutes', num('--minutes', { min: 0.1 }), D.timeLimitMs! / 60_000)
    .option('--se-target <points>', 'also stop when the SE falls to this (points)', num('--se-target', { min: 0.01 }))
    .option('--stop <rules>', STOP_HELP, parseStop)
    .option('--band-z <z>', 'z of the cefr-band interval', num('--band-z', { min: 0.01 }), D.bandZ)
    .option('--dispersion <φ>', DISPERSION_HELP, num('--dispersion', { min: 0, max: 1 }), D.dispersion)
    .option('--select <rule>', 'bin | maxinfo | randomesque (sympson-hetter needs calibrated parameters: use simulate)', D.select)
    .action(async (o: {
      bank: string; port: number; host: string; data: string; maxItems: number; minutes: number; seTarget?: number; stop?: StopRule[]; bandZ: number;
      dispersion: number; select: string;
    }) => {
      const { loadBank } = await import('../../cat/bank');
      const { startServer } = await import('../../cat/server');
      if (!['bin', 'maxinfo', 'randomesque'].includes(o.select)) throw new UserError(`--select ${o.select} is not available for serve. Fix: bin, maxinfo or randomesque`);
      const bank = loadBank(o.bank);
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        server = await startServer({ bank, dataDir: o.data, port: o.port, host: o.host, config: {
          maxItems: o.maxItems, timeLimitMs: o.minutes * 60_000, select: o.select as never, seTarget: o.seTarget ?? null,
          cefrBand: (o.stop ?? []).includes('cefr-band'), bandZ: o.bandZ, dispersion: o.dispersion,
        } });
      } catch (err) {
        throw listenError(err, o.host, o.port) ?? err;
      }
      if (server.tornLine) {
        const t = server.tornLine;
        process.stderr.write(`journal ${server.journalFile}: dropped a torn last line (line ${t.line}, ${t.bytes} bytes: ${JSON.stringify(t.preview)}...), left by a server stopped in the middle of a write; it was never acknowledged, so no answer a test-taker saw accepted is lost\n`);
      }
      process.stderr.write(`adaptive test on ${server.url} (bank ${o.bank}: ${bank.items.length} items; journal ${server.journalFile}); Ctrl-C stops\n`);
      if (o.host !== '127.0.0.1' && o.host !== 'localhost') process.stderr.write(`note: bound to ${o.host}, reachable from other machines\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
