/**
 * What the notebooks report about the base model and the models fine-tuned from it: the base model's own
 * manifest as a table, the share of sampled word-blank fills that are one word, and the sentences that state
 * the three checks of the embedded run (ILM below the left-to-right baseline, one-word fills, minimal pairs),
 * built from the measured numbers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { BASE_MODEL_DIR } from './base';
import type { MinimalPairReport } from './minimal-pairs';
import { DEFAULT_RANK_SCORING } from '../infill/rank-scoring';
import { binomialUpperTail } from '../metrics/binomial';

/** The subset of a harness report (src/infill/harness.ts) these probes read. */
export interface HarnessLike {
  texts: Array<{ skipped: string | null; masks: Array<{ type: string }>; results: Record<string, { samples: Array<{ fills: string[] }> }> }>;
  summary: Record<string, { overall: { perplexity: number | null; tokens: number; texts: number } }>;
}

/** A fill is one word when, trimmed, it is non-empty and has no white space inside. */
export function isOneWord(fill: string): boolean {
  const t = fill.trim();
  return t.length > 0 && !/\s/.test(t);
}

/** Over every sampled fill of a word blank by model `label`: how many are one word. */
export function oneWordShare(report: HarnessLike, label: string): { fills: number; oneWord: number; share: number | null } {
  let fills = 0;
  let oneWord = 0;
  for (const t of report.texts) {
    if (t.skipped) continue;
    const r = t.results[label];
    if (!r) continue;
    for (const s of r.samples) {
      s.fills.forEach((f, i) => {
        if (t.masks[i]?.type !== 'word') return;
        fills++;
        if (isOneWord(f)) oneWord++;
      });
    }
  }
  return { fills, oneWord, share: fills ? oneWord / fills : null };
}

export interface BaseModelInfo {
  dir: string;
  parameters: number;
  preset: string;
  steps: number;
  tokenPositions: number;
  /** Bytes of model.safetensors. */
  bytes: number;
  validation: Array<{ heldOut: string; examples: number; context: number | null; infill: number | null; infillText: number | null }>;
  rebuild: string;
}

/** The base model's manifest, summarised (a UserError with the fix when it is missing). */
export function baseModelInfo(dir = BASE_MODEL_DIR): BaseModelInfo {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new UserError(`${file}: the base model is missing. Fix: restore data/models/base from the repository, or rebuild it with \`npx cefrlab pretrain\``);
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  const v = m.validation as Record<string, { examples: number; contextPerplexity: number | null; infillPerplexity: number | null; infillTextPerplexity: number | null }>;
  return {
    dir,
    parameters: m.model.parameters,
    preset: m.model.preset,
    // every stage when the base continued earlier ones (pretrain.ts keeps their records as stage1, stage2, ...)
    steps: stageRecords(m).reduce((s, r) => s + r.checkpoint.step, 0),
    tokenPositions: stageRecords(m).reduce((s, r) => s + r.checkpoint.tokensSeen, 0),
    bytes: fs.statSync(path.join(dir, 'model.safetensors')).size,
    validation: Object.entries(v).map(([k, x]) => ({ heldOut: k, examples: x.examples, context: x.contextPerplexity, infill: x.infillPerplexity, infillText: x.infillTextPerplexity })),
    rebuild: m.rebuild,
  };
}

/** The last stage's record (the manifest's top level) and each earlier stage's. */
function stageRecords(m: Record<string, unknown>): Array<{ checkpoint: { step: number; tokensSeen: number } }> {
  const earlier = ['stage1', 'stage2', 'stage3'].map((k) => m[k]).filter((x) => x !== undefined);
  return [m, ...earlier] as Array<{ checkpoint: { step: number; tokensSeen: number } }>;
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)} %`);

const SCORING_NAMES: Record<MinimalPairReport['scoring'], string> = {
  blank: 'the blank as written',
  'with-next-word': 'scored with the word after the blank',
};
const scoringName = (s: MinimalPairReport['scoring']) => SCORING_NAMES[s] + (s === DEFAULT_RANK_SCORING ? ", rank's default" : '');

/**
 * The three checks of the embedded run as sentences with their measured numbers: the ILM's perplexity of the
 * original words against the baseline's, the one-word share of word-blank samples (target 80 %), and the
 * minimal-pair accuracy per category (target 75 %, chance 50 %), one sentence per scoring of the pairs given.
 */
export function describeChecks(input: { ilmLabel: string; lmLabel: string; report: HarnessLike; pairs: MinimalPairReport | MinimalPairReport[] }): string[] {
  const ilm = input.report.summary[input.ilmLabel]?.overall;
  const lm = input.report.summary[input.lmLabel]?.overall;
  const lines: string[] = [];
  if (ilm?.perplexity != null && lm?.perplexity != null) {
    const better = ilm.perplexity < lm.perplexity;
    lines.push(
      `Perplexity of the original words (${ilm.tokens} tokens in ${ilm.texts} texts): ILM ${ilm.perplexity.toFixed(1)}, left-to-right baseline ${lm.perplexity.toFixed(1)}: ` +
        (better ? `the ILM is lower by ${(100 * (1 - ilm.perplexity / lm.perplexity)).toFixed(0)} %, the paper's main result.` : 'the ILM is NOT lower here.'),
    );
  }
  const w = oneWordShare(input.report, input.ilmLabel);
  if (w.share !== null) {
    lines.push(`Sampled fills of word blanks that are one word: ${w.oneWord} of ${w.fills} (${pct(w.share)}; target at least 80 %: ${w.share >= 0.8 ? 'met' : 'not met'}).`);
  }
  for (const p of Array.isArray(input.pairs) ? input.pairs : [input.pairs]) {
    const sign = binomialUpperTail(p.overall.right, p.overall.pairs);
    lines.push(
      `Minimal pairs ranked correctly (rank, ${scoringName(p.scoring)}): ${p.overall.right} of ${p.overall.pairs} (${pct(p.overall.accuracy)}; chance 50 %, ` +
        `${sign <= 0.05 ? 'above' : 'not above'} chance by the one-sided sign test, p = ${sign < 0.001 ? sign.toExponential(1) : sign.toFixed(3)}; ` +
        `target at least 75 %: ${p.overall.accuracy >= 0.75 ? 'met' : 'not met'}); ` +
        p.byCategory.map((c) => `${c.category} ${c.right}/${c.pairs}`).join(', ') + '.',
    );
  }
  return lines;
}
