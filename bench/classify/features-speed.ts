/**
 * Texts per second of the `features` encoder (src/features/text-features.ts) on the embedded corpora: the
 * resources' load time, then a cold pass (spelling verdicts not yet memoised) and a warm pass, single thread.
 * Prints one JSON line per corpus and the machine's load average (the machine may be shared).
 *
 *   node --import tsx bench/classify/features-speed.ts
 */
import * as os from 'node:os';
import { textFeatures } from '../../src/features/text-features';
import { readLabelledCsv } from '../../src/classify/data';
import { ASAG_CSV, SP_CSV } from '../../src/classify/corpora';

const t0 = performance.now();
textFeatures('Load the word lists.');
const loadMs = performance.now() - t0;
const corpora = [
  { name: 'CEFR-ASAG answers', texts: readLabelledCsv(ASAG_CSV).map((r) => r.text) },
  { name: 'CEFR-SP sentences', texts: readLabelledCsv(SP_CSV, { textColumn: 'sentence', levelColumn: 'cefr_max', idColumn: 'id' }).map((r) => r.text) },
];
console.log(JSON.stringify({ loadMs: Math.round(loadMs), loadavg: os.loadavg().map((x) => +x.toFixed(1)), cpus: os.cpus().length, node: process.version }));
for (const c of corpora) {
  const pass = () => {
    const s = performance.now();
    for (const t of c.texts) textFeatures(t);
    return (performance.now() - s) / 1000;
  };
  const cold = pass();
  const warm = pass();
  const chars = c.texts.reduce((a, t) => a + t.length, 0) / c.texts.length;
  console.log(JSON.stringify({ corpus: c.name, texts: c.texts.length, meanChars: Math.round(chars), coldTextsPerS: Math.round(c.texts.length / cold), warmTextsPerS: Math.round(c.texts.length / warm) }));
}
