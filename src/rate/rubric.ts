/**
 * Rubrics are data files (YAML, `data/rubrics/*.yaml`) that a user can copy and replace. A rubric names the
 * ordered rating levels (lowest first), optionally with a descriptor each (the paper's "detailed rubric";
 * without descriptors it is the "minimal rubric"), and the unscorable categories with their criteria, which are
 * always spelled out (Yancey et al. 2023, section 2.1: without them the model used the unscorable labels far
 * too broadly). The system message built from it is in `prompt.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { dataDir } from '../runtime/paths';
import { UserError, locate } from '../runtime/errors';

export interface RubricLevel {
  label: string;
  description?: string;
}

export interface UnscorableCategory {
  label: string;
  criteria: string[];
}

export interface Rubric {
  name: string;
  /** Shown to the model: which scale the ratings are on. */
  scale: string;
  role: string;
  scaleIntro: string;
  criteriaIntro?: string;
  /** Ordered lowest first; level i has score i + 1 (unscorable categories score 0). */
  levels: RubricLevel[];
  unscorable: UnscorableCategory[];
  replyInstruction: string;
  rationaleInstruction: string;
  /** Where it was read from. */
  file: string;
}

export const BUILTIN_RUBRICS: Record<string, string> = {
  minimal: 'cefr-minimal.yaml',
  detailed: 'cefr-detailed.yaml',
  ellipse: 'ellipse-holistic.yaml',
};

export const rubricsDir = path.join(dataDir, 'rubrics');

/** The file a rubric name stands for: a built-in name (minimal, detailed, ellipse) or a path. */
export function rubricPath(nameOrFile: string): string {
  const builtin = BUILTIN_RUBRICS[nameOrFile];
  return builtin ? path.join(rubricsDir, builtin) : path.resolve(nameOrFile);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : undefined;
}

/** Read and validate a rubric; problems are `UserError`s naming the file and the field. */
export function loadRubric(nameOrFile: string): Rubric {
  const file = rubricPath(nameOrFile);
  if (!fs.existsSync(file)) {
    throw new UserError(locate(file, null, 'rubric file not found', `use one of ${Object.keys(BUILTIN_RUBRICS).join(', ')} or the path of a YAML rubric (see data/rubrics/README.md)`));
  }
  let doc: Record<string, unknown>;
  try {
    doc = parseYaml(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    const line = (e as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line ?? null;
    throw new UserError(locate(file, line, `not valid YAML (${(e as Error).message.split('\n')[0]})`, 'fix the YAML syntax'));
  }
  const bad = (problem: string, fix: string) => new UserError(locate(file, null, problem, fix));
  if (!doc || typeof doc !== 'object') throw bad('the rubric must be a YAML mapping', 'start from data/rubrics/cefr-minimal.yaml');
  const need = (key: string): string => {
    const v = str(doc[key]);
    if (!v) throw bad(`missing text field "${key}"`, `add ${key}: <text>`);
    return v;
  };
  const levelsRaw = doc.levels;
  if (!Array.isArray(levelsRaw) || levelsRaw.length < 2) throw bad('"levels" must list at least two levels, lowest first', 'add levels: [{label: A1}, {label: A2}, ...]');
  const levels: RubricLevel[] = levelsRaw.map((l, i) => {
    const label = str((l as Record<string, unknown>)?.label);
    if (!label) throw bad(`level ${i + 1} has no label`, 'give every level a label');
    const description = str((l as Record<string, unknown>).description);
    return description ? { label, description } : { label };
  });
  const unRaw = doc.unscorable;
  if (!Array.isArray(unRaw)) throw bad('"unscorable" must list the unscorable categories with their criteria', 'add unscorable: [{label: No-Response, criteria: [...]}, ...]');
  const unscorable: UnscorableCategory[] = unRaw.map((u, i) => {
    const label = str((u as Record<string, unknown>)?.label);
    const criteria = (u as Record<string, unknown>)?.criteria;
    if (!label) throw bad(`unscorable category ${i + 1} has no label`, 'give it a label');
    if (!Array.isArray(criteria) || criteria.length === 0) throw bad(`unscorable category ${label} has no criteria`, 'list when the category applies (criteria: [...])');
    return { label, criteria: criteria.map((c) => String(c).trim()) };
  });
  const labels = [...levels.map((l) => l.label), ...unscorable.map((u) => u.label)];
  const seen = new Set<string>();
  for (const l of labels) {
    const key = normaliseLabel(l);
    if (seen.has(key)) throw bad(`label "${l}" appears twice`, 'make every label unique');
    if (/[[\]]/.test(l)) throw bad(`label "${l}" contains a square bracket`, 'labels are written inside [ ], so they cannot contain brackets');
    seen.add(key);
  }
  const descriptions = levels.filter((l) => l.description).length;
  if (descriptions !== 0 && descriptions !== levels.length) throw bad('some levels have a description and others not', 'describe every level (detailed rubric) or none (minimal rubric)');
  return {
    name: str(doc.name) ?? path.basename(file).replace(/\.ya?ml$/, ''),
    scale: need('scale'),
    role: need('role'),
    scaleIntro: need('scaleIntro'),
    ...(str(doc.criteriaIntro) ? { criteriaIntro: str(doc.criteriaIntro) } : {}),
    levels,
    unscorable,
    replyInstruction: need('replyInstruction'),
    rationaleInstruction: need('rationaleInstruction'),
    file,
  };
}

/** Case, spaces and hyphen/underscore variations do not matter when matching a label in a reply. */
export function normaliseLabel(label: string): string {
  return label.toLowerCase().replace(/[\s_-]+/g, '');
}

/** All labels the model may answer, levels (lowest first) then unscorable categories. */
export function rubricLabels(r: Rubric): string[] {
  return [...r.levels.map((l) => l.label), ...r.unscorable.map((u) => u.label)];
}

/** Score of a label: 1..L for the levels, 0 for an unscorable category, null if not a label. */
export function labelScore(r: Rubric, label: string): number | null {
  const key = normaliseLabel(label);
  const i = r.levels.findIndex((l) => normaliseLabel(l.label) === key);
  if (i >= 0) return i + 1;
  return r.unscorable.some((u) => normaliseLabel(u.label) === key) ? 0 : null;
}
