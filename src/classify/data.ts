/**
 * Labelled texts for the classifier, read from a CSV in the EFCAMDAT schema (`writing_id,l1,cefr_level,text`)
 * or any CSV with a text and a level column named by the caller. Bad rows are errors that name the file, the
 * physical line and the fix; nothing is skipped silently.
 */
import * as fs from 'node:fs';
import { scanCsv, CsvSyntaxError } from '../corpus/csv';
import { parseCefr, CEFR_LEVELS, type CefrLevel } from '../corpus/cefr';
import { UserError, locate } from '../runtime/errors';

export interface LabelledText {
  id: string;
  text: string;
  /** Canonical CEFR level, or null when the CSV has no level column (predict) . */
  level: CefrLevel | null;
  /** The correction column's text, when one was asked for. */
  correction?: string;
  /** Physical line of the record in the CSV. */
  line: number;
}

export interface ReadOptions {
  textColumn?: string;
  levelColumn?: string;
  idColumn?: string;
  correctionColumn?: string;
  /** When false, a missing level column is allowed (prediction input). Default true. */
  requireLevel?: boolean;
}

export const DEFAULT_COLUMNS = { text: 'text', level: 'cefr_level', id: 'writing_id' } as const;

/** Read a labelled CSV. Throws UserError naming file, line and fix for every kind of bad input. */
export function readLabelledCsv(file: string, opts: ReadOptions = {}): LabelledText[] {
  const textColumn = opts.textColumn ?? DEFAULT_COLUMNS.text;
  const levelColumn = opts.levelColumn ?? DEFAULT_COLUMNS.level;
  const idColumn = opts.idColumn ?? DEFAULT_COLUMNS.id;
  const requireLevel = opts.requireLevel ?? true;
  if (!fs.existsSync(file)) throw new UserError(locate(file, null, 'file not found', 'check the path given to --csv'));
  let header: string[] | null = null;
  let ti = -1;
  let li = -1;
  let ii = -1;
  let ci = -1;
  const rows: LabelledText[] = [];
  try {
    scanCsv(file, (rec) => {
      if (!header) {
        header = Array.from({ length: rec.fieldCount }, (_, i) => rec.field(i).trim());
        ti = header.indexOf(textColumn);
        li = header.indexOf(levelColumn);
        ii = header.indexOf(idColumn);
        const cols = `its columns are: ${header.join(', ')}`;
        if (ti < 0) throw new UserError(locate(file, rec.line, `no text column "${textColumn}" (${cols})`, `name the text column with --text-column, or rename it to "${textColumn}"`));
        if (li < 0 && requireLevel) throw new UserError(locate(file, rec.line, `no level column "${levelColumn}" (${cols})`, `name the level column with --level-column, or add a "${levelColumn}" column with A1..C2`));
        if (opts.correctionColumn != null) {
          ci = header.indexOf(opts.correctionColumn);
          if (ci < 0) throw new UserError(locate(file, rec.line, `no correction column "${opts.correctionColumn}" (${cols})`, 'name an existing column with --correction-column, or use --corrections spelling for automatic corrections'));
        }
        return;
      }
      if (!rec.validUtf8()) {
        const at = rec.invalidUtf8At();
        throw new UserError(locate(file, at.line, 'the text is not valid UTF-8', 're-save the file as UTF-8'));
      }
      const need = Math.max(ti, li, ii, ci) + 1;
      if (rec.fieldCount < need) throw new UserError(locate(file, rec.line, `the row has ${rec.fieldCount} fields but the header has ${header.length}`, 'quote fields that contain commas or line breaks ("...") and double quotes inside them'));
      const text = rec.field(ti);
      if (text.trim() === '') throw new UserError(locate(file, rec.line, `the text is empty`, 'remove the row or fill in its text'));
      let level: CefrLevel | null = null;
      if (li >= 0) {
        const raw = rec.field(li);
        level = parseCefr(raw);
        if (!level) throw new UserError(locate(file, rec.line, `"${raw}" in column ${levelColumn} is not a CEFR level`, `use one of ${CEFR_LEVELS.join(', ')} (any case), or remove the row`));
      }
      const row: LabelledText = { id: ii >= 0 ? rec.field(ii) : `line-${rec.line}`, text, level, line: rec.line };
      if (ci >= 0) {
        const correction = rec.field(ci);
        if (correction.trim() === '') throw new UserError(locate(file, rec.line, `the correction in column ${opts.correctionColumn} is empty`, 'fill it in (the text itself when it needs no correction)'));
        row.correction = correction;
      }
      rows.push(row);
    });
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new UserError(locate(file, err.line, err.problem, err.fix));
    throw err;
  }
  if (!header) throw new UserError(locate(file, 1, 'the file is empty', 'give a CSV with a header line and one row per text'));
  if (rows.length === 0) throw new UserError(locate(file, 2, 'the CSV has a header but no rows', 'add one row per text'));
  return rows;
}

/** Levels present in rows, in CEFR order. */
export function levelsOf(rows: readonly LabelledText[]): CefrLevel[] {
  const seen = new Set(rows.map((r) => r.level).filter((l): l is CefrLevel => l != null));
  return CEFR_LEVELS.filter((l) => seen.has(l));
}
