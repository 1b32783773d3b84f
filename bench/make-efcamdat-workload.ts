/**
 * Writes an EFCAMDAT-scale learner CSV (`writing_id,l1,cefr_level,text`) for benchmarks: 723,282 rows,
 * about 250 MB, built by resampling the sentences of the real embedded learner texts (CEFR-ASAG), so the
 * bytes look like learner English (errors, line breaks, quotes, commas), not random characters.
 *
 *   node --import tsx bench/make-efcamdat-workload.ts [OUT=/tmp/efcamdat-scale.csv] [--seed 0] [--rows 723282]
 *
 * - CEFR level shares are EFCAMDAT's (A1 47.17 %, A2 29.77 %, B1 16.11 %, B2 5.56 %, C1 1.38 %, and the
 *   remaining 0.01 % C2), as exact counts (largest remainder).
 * - L1 shares: the ten largest EFCAMDAT nationality groups, mapped to their language. The shares below are
 *   approximate figures for EFCAMDAT's nationality distribution (Geertzen, Alexopoulou & Korhonen 2013;
 *   Chinese and Taiwanese learners merged as Mandarin), normalised to 100 %.
 * - Text lengths: a log-normal target with EFCAMDAT's mean of about 330 characters; each text takes whole
 *   sentences of one real text of the same level (wrapping to another one) until the target is reached, so
 *   texts end at sentence ends.
 * Same seed and row count give the same bytes. Written under a temporary name and renamed at the end.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../src/runtime/rng';
import { scanCsv } from '../src/corpus/csv';
import { parseCefr, CEFR_LEVELS } from '../src/corpus/cefr';
import { apportion } from '../src/corpus/apportion';

const LEVEL_SHARES: Record<string, number> = { A1: 47.17, A2: 29.77, B1: 16.11, B2: 5.56, C1: 1.38, C2: 0.01 };
const L1_SHARES: Array<[string, number]> = [
  ['Portuguese', 36.9],
  ['Mandarin', 21.3],
  ['Spanish', 8.0],
  ['Russian', 8.2],
  ['German', 5.6],
  ['Italian', 4.1],
  ['French', 4.4],
  ['Arabic', 3.3],
  ['Japanese', 2.3],
  ['Turkish', 1.5],
];
const MEAN_CHARS = 330;

function args(argv: string[]) {
  let out = '/tmp/efcamdat-scale.csv';
  let seed = 0;
  let rows = 723282;
  let source = path.join(__dirname, '..', 'data', 'cefr-asag', 'cefr_asag_4col.csv');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--rows') rows = Number(argv[++i]);
    else if (a === '--source') source = argv[++i];
    else out = a;
  }
  return { out, seed, rows, source };
}

/** Sentences of a text, each with the white space that follows it (so joining them restores the text). */
function sentences(text: string): string[] {
  return text.match(/[^.!?]+(?:[.!?]+["')\]]*|$)\s*/g) ?? [text];
}

function main() {
  const { out, seed, rows, source } = args(process.argv.slice(2));
  const t0 = Date.now();
  const rng = new Rng(seed);

  // Real texts per level, as sentence lists.
  const byLevel = new Map<string, string[][]>(CEFR_LEVELS.map((l) => [l, []]));
  let cols: number[] = [];
  scanCsv(source, (rec) => {
    if (cols.length === 0) {
      const names = Array.from({ length: rec.fieldCount }, (_, i) => rec.field(i).trim());
      cols = [names.indexOf('cefr_level'), names.indexOf('text')];
      return;
    }
    const level = parseCefr(rec.field(cols[0]));
    const text = rec.field(cols[1]).trim();
    if (level && text) byLevel.get(level)!.push(sentences(text));
  });
  // A level with too few real texts borrows its neighbours' (C2 has only a handful).
  const pools = CEFR_LEVELS.map((l, i) => {
    const own = byLevel.get(l)!;
    if (own.length >= 20) return own;
    const near = [...own, ...(byLevel.get(CEFR_LEVELS[Math.max(0, i - 1)]) ?? []), ...(byLevel.get(CEFR_LEVELS[Math.min(5, i + 1)]) ?? [])];
    return near;
  });

  const levelCounts = apportion(rows, CEFR_LEVELS.map((l) => LEVEL_SHARES[l]));
  const levels = new Uint8Array(rows);
  for (let l = 0, k = 0; l < levelCounts.length; l++) for (let c = 0; c < levelCounts[l]; c++) levels[k++] = l;
  for (let i = rows - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = levels[i];
    levels[i] = levels[j];
    levels[j] = t;
  }
  const l1Cum: number[] = [];
  const l1Sum = L1_SHARES.reduce((a, [, s]) => a + s, 0);
  L1_SHARES.reduce((acc, [, s]) => (l1Cum.push((acc + s) / l1Sum), acc + s), 0);

  // Log-normal target with sigma 0.6; mu chosen so that texts cut at sentence ends average MEAN_CHARS
  // (the cut stops below the target by about half a sentence, hence the +40).
  const sigma = 0.6;
  const mu = Math.log(MEAN_CHARS + 40) - (sigma * sigma) / 2;

  const tmp = `${out}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  let chunk: string[] = ['writing_id,l1,cefr_level,text\n'];
  let chunkLen = 0;
  let totalChars = 0;
  for (let r = 0; r < rows; r++) {
    const level = levels[r];
    const u = rng.float();
    let l1 = 0;
    while (l1 < l1Cum.length - 1 && u >= l1Cum[l1]) l1++;
    const target = Math.exp(mu + sigma * rng.normal());
    const pool = pools[level];
    let doc = pool[rng.int(pool.length)];
    let s = rng.int(doc.length);
    let text = '';
    for (;;) {
      const next = doc[s];
      if (text.length > 0 && text.length + next.trimEnd().length > target) break;
      text += next;
      if (++s >= doc.length) {
        if (!/\s$/.test(text)) text += ' ';
        doc = pool[rng.int(pool.length)];
        s = 0;
      }
    }
    text = text.trim();
    totalChars += text.length;
    const line = `${1000000 + r},${L1_SHARES[l1][0]},${CEFR_LEVELS[level]},"${text.replace(/"/g, '""')}"\n`;
    chunk.push(line);
    chunkLen += line.length;
    if (chunkLen > 1 << 22) {
      fs.writeSync(fd, chunk.join(''));
      chunk = [];
      chunkLen = 0;
    }
  }
  fs.writeSync(fd, chunk.join(''));
  fs.closeSync(fd);
  fs.renameSync(tmp, out);
  const size = fs.statSync(out).size;
  process.stdout.write(
    `wrote ${out}: ${rows} rows, ${(size / 1e6).toFixed(1)} MB, mean text ${(totalChars / rows).toFixed(1)} chars, ` +
      `levels ${CEFR_LEVELS.map((l, i) => `${l} ${levelCounts[i]}`).join(' ')}, seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}

main();
