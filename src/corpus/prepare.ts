/**
 * `prepare`: learner CSV -> stratified ILM split files (guide section 2). Two passes over the CSV keep
 * memory flat whatever its size: the first validates every row and keeps, per document, its labels and the
 * byte offset of its text; sampling and the stratified split then work on indices; the second pass reads
 * each chosen text back by offset and writes it. Everything lands in a temporary directory that is renamed
 * into place at the end, so a failed run leaves no output behind.
 *
 * Output (see docs/ARCHITECTURE.md, "Data contracts"): `train.txt`, `valid.txt`, `test.txt` (documents
 * joined by exactly three newlines), `<split>.labels.tsv` (`writing_id`, `cefr_level`, `l1` per document in
 * split order), `manifest.json`, and `rejected.csv` when bad rows are skipped.
 *
 * Exact duplicate texts (duplicates.ts: equal after white-space normalisation) are kept together: each group
 * is split as one document (its first copy stands for it in the stratification) and its other copies follow
 * it into the same split, right after it. The groups are listed in the manifest and summarised on the console.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, type Hash } from 'node:crypto';
import { buildDirAtomic, writeFileAtomic, writeJsonAtomic } from '../runtime/atomic';
import { UserError } from '../runtime/errors';
import { defaultCsv } from '../runtime/paths';
import { progress } from '../runtime/progress';
import { csvLine } from '../runtime/csv-table';
import { versions, type Versions } from '../runtime/versions';
import { CEFR_LEVELS, parseCefr, type CefrLevel } from './cefr';
import { LINE_ENDS, NEWLINE_RUNS, NORMALISE, readLearnerCsv, TRIMMED, type RejectReason, type Rejected } from './learner';
import { balancedSample, proportionalSample } from './sample';
import { groupStrata } from './strata';
import { DUPLICATE_RULE, describeDuplicateGroups, groupsFromHashes } from './duplicates';
import { parseProportions, SPLIT_NAMES, stratifiedSplit, type SplitName } from './split';
import { lengthsByLevel, lengthStats, splitCounts, type LengthStats, type SplitCounts } from './stats';
import { writeSplitTexts } from './write';

export interface PrepareOptions {
  /** Learner CSV (default: the embedded corpus, data/cefr-asag/cefr_asag_4col.csv). */
  csv?: string;
  /** Output directory (replaced if it holds an earlier `prepare` output). */
  out: string;
  /** Keep one CEFR level (any accepted spelling); all levels when absent. */
  cefrLevel?: string | null;
  /** Draw this many documents, stratified by level x L1 (or balanced over levels with `balance`). */
  sampleSize?: number | null;
  /** Draw equal numbers per level (of `sampleSize`, or as many as the smallest level has). */
  balance?: boolean;
  /** train,valid,test proportions, e.g. "80,10,10" or [80, 10, 10]. */
  split?: string | readonly number[];
  seed?: number;
  onBadRow?: 'fail' | 'skip';
  /** Progress output on stderr (default true). */
  showProgress?: boolean;
}

export interface SplitManifest extends SplitCounts {
  text: string;
  labels: string;
  sha256: string;
  labelsSha256: string;
  characters: LengthStats;
}

export interface PrepareManifest {
  kind: 'cefrlab.prepare';
  input: { path: string; bytes: number; sha256: string; rows: number; lines: number; byteOrderMark: boolean; columns: string[]; unusedColumns: string[] };
  options: { cefrLevel: CefrLevel | null; sampleSize: number | null; balance: boolean; split: number[]; onBadRow: 'fail' | 'skip' };
  seed: number;
  documents: number;
  splits: Record<SplitName, SplitManifest>;
  characters: { all: LengthStats; byLevel: Record<string, LengthStats> };
  normalised: { rows: number; newlineRuns: number; lineEnds: number; trimmed: number };
  skipped: { rows: number; byReason: Partial<Record<RejectReason, number>> };
  filteredOut: number;
  notSampled: number;
  /** Groups of identical texts among the documents, each kept in one split. */
  duplicates: {
    rule: string;
    groups: number;
    /** Documents in the groups (copies included). */
    documents: number;
    /** Groups whose copies carry different CEFR levels. */
    levelsDiffer: number;
    list: Array<{ writingIds: string[]; levels: string[]; split: SplitName }>;
  };
  notes: string[];
  versions: Versions;
}

export interface PrepareResult {
  outDir: string;
  manifest: PrepareManifest;
  seconds: number;
  /** Seconds per phase (read + validate, sample + split, write); not in the manifest, which must not vary. */
  timings: Record<string, number>;
}

/** The embedded learner CSV (data/cefr-asag/cefr_asag_4col.csv), the default input. */
export function defaultLearnerCsv(): string {
  return defaultCsv;
}

/** Buffered writes to a file descriptor with a running SHA-256 (the output hash costs no second read). */
class Sink {
  private buf = Buffer.allocUnsafe(1 << 22);
  private pos = 0;
  private fd: number;
  readonly hash: Hash = createHash('sha256');

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(bytes: Uint8Array): void {
    if (this.pos + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) {
      this.hash.update(bytes);
      fs.writeSync(this.fd, bytes);
      return;
    }
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  writeString(s: string): void {
    if (this.pos + s.length * 3 > this.buf.length) this.flush();
    if (s.length * 3 > this.buf.length) {
      const bytes = Buffer.from(s, 'utf8');
      this.hash.update(bytes);
      fs.writeSync(this.fd, bytes);
      return;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  private flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.hash.update(chunk);
    fs.writeSync(this.fd, chunk);
    this.pos = 0;
  }

  close(): string {
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    return this.hash.digest('hex');
  }
}

function checkOptions(options: PrepareOptions) {
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UserError(`--seed must be an integer from 0 to 4294967295, got ${options.seed}. Fix: give e.g. --seed 0`);
  let level: CefrLevel | null = null;
  if (options.cefrLevel != null && options.cefrLevel !== '') {
    level = parseCefr(options.cefrLevel);
    if (!level) throw new UserError(`--cefr-level "${options.cefrLevel}" is not a CEFR level. Fix: use one of ${CEFR_LEVELS.join(', ')}, or leave it out for all levels`);
  }
  const sampleSize = options.sampleSize ?? null;
  if (sampleSize !== null && (!Number.isInteger(sampleSize) || sampleSize < 1)) {
    throw new UserError(`--sample-size must be a whole number of documents (1 or more), got ${options.sampleSize}. Fix: e.g. --sample-size 100, or leave it out to use every document`);
  }
  let split: number[];
  try {
    split = typeof options.split === 'string' ? parseProportions(options.split) : options.split ? parseProportions(options.split.join(',')) : [80, 10, 10];
  } catch (err) {
    throw new UserError(`--split: ${(err as Error).message}`);
  }
  const onBadRow = options.onBadRow ?? 'fail';
  if (onBadRow !== 'fail' && onBadRow !== 'skip') throw new UserError(`--on-bad-row must be fail or skip, got ${String(onBadRow)}`);
  return { seed, level, sampleSize, split, onBadRow, balance: options.balance === true };
}

/** Refuse to replace a directory that is not an earlier `prepare` output (it could be anything). */
function checkOutDir(out: string) {
  if (!fs.existsSync(out)) return;
  const entries = fs.statSync(out).isDirectory() ? fs.readdirSync(out) : null;
  if (entries === null) throw new UserError(`${out}: exists and is not a directory. Fix: choose another --out`);
  if (entries.length === 0) return;
  let kind: unknown = null;
  try {
    kind = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).kind;
  } catch {
    /* no manifest */
  }
  if (kind !== 'cefrlab.prepare') {
    throw new UserError(`${out}: the directory exists and is not an earlier prepare output, so it will not be replaced. Fix: choose a new or empty --out directory`);
  }
}

/** Run the whole preparation; see the module comment. */
export async function prepare(options: PrepareOptions): Promise<PrepareResult> {
  const t0 = Date.now();
  const opts = checkOptions(options);
  const csv = path.resolve(options.csv ?? defaultLearnerCsv());
  if (!options.out) throw new UserError('--out is required. Fix: give the directory to write the splits to, e.g. --out experiments/data/all');
  const outDir = path.resolve(options.out);
  checkOutDir(outDir);
  const show = options.showProgress !== false;

  const timings: Record<string, number> = {};
  let t = Date.now();
  const read = readLearnerCsv(csv, {
    onBadRow: opts.onBadRow,
    keepLevels: opts.level ? new Set([CEFR_LEVELS.indexOf(opts.level)]) : undefined,
    showProgress: show,
  });
  const table = read.docs;
  timings.read = (Date.now() - t) / 1000;
  const tSelect = Date.now();
  if (table.n === 0) {
    throw new UserError(`${csv}: no usable documents${opts.level ? ` at level ${opts.level}` : ''} (${read.rows} rows, ${read.rejected.length} skipped). Fix: check the file${opts.level ? ' or choose another --cefr-level' : ''}`);
  }

  const notes: string[] = [];
  const all = Array.from({ length: table.n }, (_, i) => i);
  let strata = groupStrata(all, table.level, table.l1, CEFR_LEVELS, table.l1Names);
  let chosen = all;
  if (opts.sampleSize !== null || opts.balance) {
    if (opts.sampleSize !== null && opts.sampleSize > table.n) {
      throw new UserError(`--sample-size ${opts.sampleSize} is larger than the ${table.n} usable documents${opts.level ? ` at level ${opts.level}` : ''}. Fix: give at most ${table.n}, or leave --sample-size out`);
    }
    if (opts.balance) {
      const drawn = balancedSample(strata, opts.sampleSize ?? undefined, opts.seed);
      chosen = drawn.docs;
      for (const s of drawn.shortfalls) notes.push(`balance: level ${CEFR_LEVELS[s.level]} has only ${s.available} documents of the ${s.wanted} wanted; all are used`);
    } else {
      chosen = proportionalSample(strata, opts.sampleSize!, opts.seed);
    }
    strata = groupStrata(chosen, table.level, table.l1, CEFR_LEVELS, table.l1Names);
  }
  // Copies of a text are split as one document: the first copy is stratified, the others follow it.
  const dupGroups = groupsFromHashes(table.hash, chosen);
  const copiesOf = new Map<number, number[]>(dupGroups.map((g) => [g[0], g.slice(1)]));
  const copies = new Set(dupGroups.flatMap((g) => g.slice(1)));
  if (copies.size > 0) strata = groupStrata(chosen.filter((d) => !copies.has(d)), table.level, table.l1, CEFR_LEVELS, table.l1Names);
  const splits = stratifiedSplit(strata, opts.split, opts.seed).map((docs) => (copies.size ? docs.flatMap((d) => [d, ...(copiesOf.get(d) ?? [])]) : docs));
  const splitOf = new Map<number, SplitName>();
  splits.forEach((docs, k) => docs.forEach((d) => copiesOf.has(d) && splitOf.set(d, SPLIT_NAMES[k])));

  timings.select = (Date.now() - tSelect) / 1000;
  const writing = show ? progress('prepare: writing', chosen.length) : null;
  let result: PrepareManifest | undefined;
  const splitManifests = {} as Record<SplitName, SplitManifest>;
  t = Date.now();
  await buildDirAtomic(outDir, (tmp) => {
    const texts = writeSplitTexts(
      csv,
      table,
      splits,
      SPLIT_NAMES.map((name) => path.join(tmp, `${name}.txt`)),
      { onProgress: (n) => writing?.update(n) },
    );
    writing?.stop();
    SPLIT_NAMES.forEach((name, k) => {
      const docs = splits[k];
      const labels = new Sink(path.join(tmp, `${name}.labels.tsv`));
      labels.writeString('writing_id\tcefr_level\tl1\n');
      const tails = CEFR_LEVELS.map((level) => table.l1Names.map((l1) => Buffer.from(`\t${level}\t${l1}\n`, 'utf8')));
      for (const d of docs) {
        labels.write(table.ids.bytes(table.id[d]));
        labels.write(tails[table.level[d]][table.l1[d]]);
      }
      splitManifests[name] = {
        text: `${name}.txt`,
        labels: `${name}.labels.tsv`,
        sha256: texts[k].sha256,
        labelsSha256: labels.close(),
        ...splitCounts(docs, table),
        characters: lengthStats(docs, table.chars),
      };
    });
    if (opts.onBadRow === 'skip') {
      const rows = read.rejected.map((r: Rejected) => csvLine([r.line, r.reason, r.writingId, r.detail]));
      writeFileAtomic(path.join(tmp, 'rejected.csv'), ['line,reason,writing_id,detail', ...rows].join('\n') + '\n');
    }
    const byReason: Partial<Record<RejectReason, number>> = {};
    for (const r of read.rejected) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    const manifest: PrepareManifest = {
      kind: 'cefrlab.prepare',
      input: {
        path: csv,
        bytes: read.bytes,
        sha256: read.sha256,
        rows: read.rows,
        lines: read.lines,
        byteOrderMark: read.bom,
        columns: read.columns,
        unusedColumns: read.columns.filter((c) => !['writing_id', 'l1', 'cefr_level', 'text'].includes(c)),
      },
      options: { cefrLevel: opts.level, sampleSize: opts.sampleSize, balance: opts.balance, split: opts.split, onBadRow: opts.onBadRow },
      seed: opts.seed,
      documents: chosen.length,
      splits: splitManifests,
      characters: { all: lengthStats(chosen, table.chars), byLevel: lengthsByLevel(chosen, table) },
      normalised: {
        rows: countFlagged(chosen, table.flags, NORMALISE),
        newlineRuns: countFlagged(chosen, table.flags, NEWLINE_RUNS),
        lineEnds: countFlagged(chosen, table.flags, LINE_ENDS),
        trimmed: countFlagged(chosen, table.flags, TRIMMED),
      },
      skipped: { rows: read.rejected.length, byReason },
      filteredOut: read.filteredOut,
      notSampled: table.n - chosen.length,
      duplicates: {
        rule: DUPLICATE_RULE,
        groups: dupGroups.length,
        documents: dupGroups.reduce((a, g) => a + g.length, 0),
        levelsDiffer: dupGroups.filter((g) => g.some((d) => table.level[d] !== table.level[g[0]])).length,
        list: dupGroups.map((g) => ({ writingIds: g.map((d) => table.ids.text(table.id[d])), levels: g.map((d) => CEFR_LEVELS[table.level[d]]), split: splitOf.get(g[0])! })),
      },
      notes,
      versions: versions(),
    };
    writeJsonAtomic(path.join(tmp, 'manifest.json'), manifest);
    result = manifest;
  });
  timings.write = (Date.now() - t) / 1000;
  return { outDir, manifest: result!, seconds: (Date.now() - t0) / 1000, timings };
}

function countFlagged(docs: readonly number[], flags: Uint8Array, mask: number): number {
  let n = 0;
  for (const d of docs) if (flags[d] & mask) n++;
  return n;
}

/** One row per split (and a total row): documents per CEFR level, for tables in notebooks and the summary. */
export function splitLevelTable(manifest: PrepareManifest): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = SPLIT_NAMES.map((name) => ({ split: name, ...manifest.splits[name].byLevel, total: manifest.splits[name].documents }));
  const total: Record<string, string | number> = { split: 'total' };
  for (const l of CEFR_LEVELS) total[l] = SPLIT_NAMES.reduce((a, n) => a + manifest.splits[n].byLevel[l], 0);
  total.total = manifest.documents;
  rows.push(total);
  return rows;
}

const num = (n: number) => n.toLocaleString('en-US');

/** The printed summary: documents per split, the CEFR distribution, text lengths, changes made, time. */
export function formatPrepareSummary(result: PrepareResult): string {
  const m = result.manifest;
  const levels = CEFR_LEVELS.filter((l) => SPLIT_NAMES.some((n) => m.splits[n].byLevel[l] > 0));
  const table = splitLevelTable(m);
  const width = Math.max(7, ...table.map((r) => num(Number(r.total)).length + 2));
  const pad = (s: string, w = width) => s.padStart(w);
  const lines: string[] = [];
  lines.push(`prepared ${num(m.documents)} documents from ${m.input.path}`);
  lines.push(`  into ${result.outDir} (seed ${m.seed}, split ${m.options.split.join('/')}${m.options.cefrLevel ? `, level ${m.options.cefrLevel}` : ''}${m.options.sampleSize ? `, sample ${m.options.sampleSize}${m.options.balance ? ' balanced' : ''}` : m.options.balance ? ', balanced' : ''})`);
  lines.push(`  ${'split'.padEnd(6)}${pad('docs')}${levels.map((l) => pad(l)).join('')}`);
  for (const r of table) lines.push(`  ${String(r.split).padEnd(6)}${pad(num(Number(r.total)))}${levels.map((l) => pad(num(Number(r[l])))).join('')}`);
  const all = m.characters.all;
  lines.push(`  CEFR    ${levels.map((l) => `${l} ${((100 * Number(table[3][l])) / Math.max(1, m.documents)).toFixed(1)}%`).join('  ')}`);
  lines.push(`  characters per document: mean ${all.mean}, min ${num(all.min)}, max ${num(all.max)}, median ${num(all.median)}`);
  lines.push(
    `  normalised ${num(m.normalised.rows)} texts (3+ newlines in a row ${m.normalised.newlineRuns}, CR line ends ${m.normalised.lineEnds}, surrounding space ${m.normalised.trimmed}); ` +
      `skipped ${num(m.skipped.rows)} bad rows${m.skipped.rows ? ` (${Object.entries(m.skipped.byReason).map(([k, v]) => `${k} ${v}`).join(', ')}; see rejected.csv)` : ''}` +
      `${m.filteredOut ? `; ${num(m.filteredOut)} rows of other levels left out` : ''}`,
  );
  const dup = m.duplicates;
  if (dup.groups > 0) {
    lines.push(`  duplicates: ${num(dup.groups)} groups of identical texts (${num(dup.documents)} documents${dup.levelsDiffer ? `, ${dup.levelsDiffer} with different levels` : ''}), each kept in one split (manifest.json lists them):`);
    for (const line of describeDuplicateGroups(dup.list, (g) => `${g.writingIds.join(' = ')} (${g.levels.join(', ')}) in ${g.split}`)) lines.push(`    ${line}`);
  } else {
    lines.push('  duplicates: none (no two texts are identical)');
  }
  for (const note of m.notes) lines.push(`  note: ${note}`);
  lines.push(`  time ${result.seconds.toFixed(1)} s (${Object.entries(result.timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')})`);
  return lines.join('\n');
}
