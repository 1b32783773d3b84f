/**
 * Speed, memory and size of `examples` on the EFCAMDAT-scale workload (issue 4): the train split written by
 * `cefrlab prepare --csv /tmp/efcamdat-scale.csv` (bench/make-efcamdat-workload.ts makes that CSV).
 * Reports documents/second (wall clock and per CPU-second), peak resident memory (worker threads included: they share the process),
 * store size, examples per document and the character mask rate, to compare with the reference figures in
 * the issue (masks only, 20,000 documents: ~1,600 docs/s, 15.9 examples/doc, mask rate 0.151, 280 MB).
 *
 * Run: nice node --import tsx bench/examples-efcamdat.ts [--data /tmp/efcamdat-data] [--out /tmp/efcamdat-examples] [--workers 2] [--split train]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { buildExamples, formatSummary } from '../src/ilm/examples';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const data = arg('data', '/tmp/efcamdat-data');
  const out = arg('out', '/tmp/efcamdat-examples');
  const split = arg('split', 'train');
  const workers = Number(arg('workers', String(os.availableParallelism?.() ?? os.cpus().length)));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const cpu0 = process.cpuUsage();
  const r = await buildExamples(split, data, out, { workers });
  clearInterval(timer);
  // CPU time of the whole process, worker threads included: on a shared machine the wall-clock rate depends on
  // what else runs, so documents per CPU-second (x cores) is also reported
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  console.log(formatSummary(r.summary));
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: `${os.cpus().length} cores (${os.cpus()[0]?.model}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}`,
        workers,
        documents: r.summary.documents,
        seconds: +r.summary.seconds.toFixed(1),
        documentsPerSecond: Math.round(r.summary.documentsPerSecond),
        cpuSeconds: +cpuSeconds.toFixed(1),
        documentsPerCpuSecond: Math.round(r.summary.documents / cpuSeconds),
        loadAverage1m: +os.loadavg()[0].toFixed(1),
        peakRssMB: Math.round(Math.max(peak, maxRss) / 1e6),
        storeMB: +(fs.statSync(r.file).size / 1e6).toFixed(1),
        examplesPerDoc: +r.summary.meanExamplesPerDoc.toFixed(3),
        charMaskRate: +r.summary.charMaskRate.toFixed(4),
        tokenMaskRate: +r.summary.tokenMaskRate.toFixed(4),
      },
      null,
      2,
    ),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
