/**
 * The embedded word data of the vocabulary scale: the OpenSubtitles 2018 frequency list (data/opensubtitles-freq-en),
 * the CEFR-J vocabulary profile 1.5 (A1-B2) and the Octanove profile (C1-C2) (data/cefrj-wordlist), and the system
 * word lists used to keep pseudowords from being real words: Debian's `wamerican-insane` (about 650,000 words,
 * the largest of the SCOWL-based lists packaged) together with `wamerican`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataDir } from '../runtime/paths';
import { UserError, locate } from '../runtime/errors';
import { readTable } from '../runtime/csv-table';
import { CEFR_LEVELS, parseCefr, type CefrLevel } from '../corpus/cefr';

export const FREQ_FILE = path.join(dataDir, 'opensubtitles-freq-en', 'en_50k_2018.txt');
export const CEFRJ_FILE = path.join(dataDir, 'cefrj-wordlist', 'cefrj-vocabulary-profile-1.5.csv');
export const OCTANOVE_FILE = path.join(dataDir, 'cefrj-wordlist', 'octanove-vocabulary-profile-c1c2-1.0.csv');
export const SYSTEM_DICT = '/usr/share/dict/american-english';

/** The word lists a pseudoword must not be in, by default (file and the Debian/Ubuntu package that installs it). */
export const SYSTEM_WORD_LISTS: ReadonlyArray<{ file: string; package: string }> = [
  { file: '/usr/share/dict/american-english-insane', package: 'wamerican-insane' },
  { file: SYSTEM_DICT, package: 'wamerican' },
];

/** Words of the model's alphabet: lower-case a-z only. */
export const WORD_RE = /^[a-z]+$/;

/** The frequency list as [word, count], in file order (most frequent first). */
export function loadFrequencyList(file = FREQ_FILE): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const t = line.trim();
    if (!t) return;
    const m = /^(\S+)\s+(\d+)$/.exec(t);
    if (!m) throw new UserError(locate(file, i + 1, `expected "word count", got ${JSON.stringify(t.slice(0, 40))}`, 'restore the file from the repository'));
    out.push([m[1], Number(m[2])]);
  });
  return out;
}

export interface ProfileWord {
  word: string;
  level: CefrLevel;
  /** Every level the word is listed at (several senses or parts of speech), sorted. */
  levels: CefrLevel[];
}

/**
 * The labelled words: CEFR-J (A1-B2) and Octanove (C1-C2) headwords, lower-cased; spelling variants
 * ("adviser/advisor") become separate words; only a-z words are kept (no spaces, hyphens, dots).
 * A word listed at several levels (different senses or parts of speech, e.g. "just" or "part") gets its LOWEST
 * level: a learner meets the basic sense first, and the paper's error analysis (section 3.3) finds that
 * over-rated polysemous words are the main error source. All its levels are kept in `levels`.
 */
export function loadVocabProfile(files: string[] = [CEFRJ_FILE, OCTANOVE_FILE]): ProfileWord[] {
  const levels = new Map<string, Set<CefrLevel>>();
  for (const file of files) {
    const t = readTable(file);
    t.rows.forEach((row, i) => {
      const level = parseCefr(row.CEFR ?? '');
      if (!level) throw new UserError(locate(file, t.lines[i], `CEFR column is ${JSON.stringify(row.CEFR)}`, 'use A1..C2'));
      for (const variant of (row.headword ?? '').split('/')) {
        const w = variant.trim().toLowerCase();
        if (!WORD_RE.test(w)) continue;
        if (!levels.has(w)) levels.set(w, new Set());
        levels.get(w)!.add(level);
      }
    });
  }
  return [...levels.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([word, set]) => {
      const ls = CEFR_LEVELS.filter((l) => set.has(l));
      return { word, level: ls[0], levels: ls };
    });
}

/**
 * The union of the system word lists (default SYSTEM_WORD_LISTS; or the files given), lower-cased, possessives
 * dropped. A missing list is a UserError that names the package to install.
 */
export function loadSystemDictionary(
  files: string | readonly string[] = SYSTEM_WORD_LISTS.map((l) => l.file),
  packages: ReadonlyArray<{ file: string; package: string }> = SYSTEM_WORD_LISTS,
): Set<string> {
  const out = new Set<string>();
  for (const file of typeof files === 'string' ? [files] : files) {
    if (!fs.existsSync(file)) {
      const pkg = packages.find((l) => l.file === file)?.package;
      throw new UserError(
        `${file} not found: pseudowords are filtered against the system word lists (${SYSTEM_WORD_LISTS.map((l) => l.file).join(', ')}). ` +
          `Fix: ${pkg ? `install it (Debian/Ubuntu: sudo apt-get install ${pkg})` : `check the path, or use the default lists (Debian/Ubuntu: sudo apt-get install ${packages.map((l) => l.package).join(' ')})`}, or pass other lists with --dict FILE[,FILE...]`,
      );
    }
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const w = line.trim().toLowerCase();
      if (!w || w.endsWith("'s")) continue;
      out.add(w);
    }
  }
  return out;
}
