/**
 * The interactive loop behind `cefrlab interactive`: type a text with blanks, get fills. Lines starting with
 * ":" change settings (`:n 3`, `:nucleus 0.9`, ...) or rank candidates for the last text (`:rank goes; go`);
 * `quit`, `exit`, end of input (Ctrl-D) or Ctrl-C at the prompt leave. Bad input is answered with a
 * message and the prompt again, never a crash. Input and output are streams, so tests drive it with piped
 * text and a notebook or a server can reuse it.
 *
 * Fills are drawn from one generator seeded at the start (and again by `:seed`), so a session replayed with the
 * same input prints the same fills.
 */
import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { GPT2 } from '../model/gpt2';
import { Rng } from '../runtime/rng';
import { UserError } from '../runtime/errors';
import { infill } from './infill';
import { rank, topFills } from './rank';
import { DEFAULT_RANK_SCORING, RANK_SCORINGS, type RankScoring } from './rank-scoring';
import { resolveSampling } from './sample';

export interface ReplSettings {
  n: number;
  nucleus: number;
  temperature: number;
  /** 0: no top-k cut. */
  topK: number;
  seed: number;
  /** Also list this many most probable single-token fills of a one-blank text (0: off). */
  top: number;
  /** 0: as many as fit in the model. */
  maxNewTokens: number;
  /** How `:rank` scores a fill (rank-scoring.ts). */
  scoring: RankScoring;
}

export const DEFAULT_REPL_SETTINGS: ReplSettings = { n: 3, nucleus: 0.95, temperature: 1, topK: 0, seed: 0, top: 0, maxNewTokens: 0, scoring: DEFAULT_RANK_SCORING };

type NumericSetting = Exclude<keyof ReplSettings, 'scoring'>;

export interface ReplOptions {
  model: GPT2;
  input: Readable;
  output: Writable;
  settings?: Partial<ReplSettings>;
  /** Print each answer as one line of JSON instead of text. */
  json?: boolean;
  /** Shown before each input line; default "> " when the input is a terminal, nothing when it is piped. */
  prompt?: string;
}

const HELP = `Type a text with blanks and press Enter, e.g.  She ate [MASK] for breakfast.
Blanks: [MASK] or [word] (a word), [ngram], [sentence], [paragraph], [document]; \\[MASK] is literal text.
Settings: :n 3   :nucleus 0.9   :temperature 1   :top-k 40 (0 = off)   :seed 0   :top 10 (single-token fills, 0 = off)
          :max-new-tokens 64 (0 = by blank type)   :settings (show them)
Rank candidate fills for the last text:  :rank goes; go; went  or  :rank goes go went   (fills of several words: went home; came back; of several blanks: goes|home; go|house)
          :scoring with-next-word (default: a word blank scored with the word after it) or :scoring blank
Leave with quit, exit or Ctrl-D.`;

/** A numeric setting: the field it sets and the check its value must pass. */
interface NumberSpec { key: NumericSetting; integer: boolean; min: number; max?: number; exclusiveMin?: boolean }
/** A setting chosen from a list of words. */
interface ChoiceSpec { key: 'scoring'; choices: readonly RankScoring[] }

/** Setting names as typed after ":" and what each sets. */
const SETTINGS: Record<string, NumberSpec | ChoiceSpec> = {
  n: { key: 'n', integer: true, min: 1, max: 64 },
  nucleus: { key: 'nucleus', integer: false, min: 0, max: 1, exclusiveMin: true },
  temperature: { key: 'temperature', integer: false, min: 0, exclusiveMin: true },
  'top-k': { key: 'topK', integer: true, min: 0 },
  seed: { key: 'seed', integer: true, min: 0 },
  top: { key: 'top', integer: true, min: 0, max: 1000 },
  'max-new-tokens': { key: 'maxNewTokens', integer: true, min: 0 },
  scoring: { key: 'scoring', choices: RANK_SCORINGS },
};

/** Apply one `:name value` setting; returns the message to show. Throws UserError for a bad name or value. */
export function applySetting(settings: ReplSettings, name: string, raw: string): string {
  const spec = SETTINGS[name];
  if (!spec) throw new UserError(`unknown setting ":${name}". Fix: use one of ${Object.keys(SETTINGS).map((k) => `:${k}`).join(' ')} (or :help)`);
  if ('choices' in spec) {
    const choice = spec.choices.find((c) => c === raw.trim());
    if (!choice) throw new UserError(`:${name} needs one of ${spec.choices.join(', ')}, got "${raw}". Fix: e.g. :${name} ${spec.choices[0]}`);
    settings[spec.key] = choice;
    return `${name} = ${choice}`;
  }
  const value = Number(raw);
  const bad =
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    (spec.integer && !Number.isInteger(value)) ||
    (spec.exclusiveMin ? value <= spec.min : value < spec.min) ||
    (spec.max !== undefined && value > spec.max);
  if (bad) {
    const range = `${spec.exclusiveMin ? '>' : '>='} ${spec.min}${spec.max !== undefined ? ` and <= ${spec.max}` : ''}`;
    throw new UserError(`:${name} needs ${spec.integer ? 'a whole number' : 'a number'} ${range}, got "${raw}". Fix: e.g. :${name} ${DEFAULT_REPL_SETTINGS[spec.key] || 1}`);
  }
  settings[spec.key] = value;
  return `${name} = ${value}`;
}

export function describeSettings(s: ReplSettings): string {
  return `n ${s.n}, nucleus ${s.nucleus}, temperature ${s.temperature}, top-k ${s.topK || 'off'}, seed ${s.seed}, top ${s.top || 'off'}, max-new-tokens ${s.maxNewTokens || 'by blank type'}, scoring ${s.scoring}`;
}

/** Run the loop until quit or end of input. Resolves with the number of texts filled. */
export async function runRepl(options: ReplOptions): Promise<{ texts: number }> {
  const settings: ReplSettings = { ...DEFAULT_REPL_SETTINGS, ...options.settings };
  resolveSampling(settings); // reject bad starting values before the first prompt
  const out = options.output;
  const say = (text: string) => out.write(`${text}\n`);
  const interactive = Boolean((options.input as { isTTY?: boolean }).isTTY && (out as { isTTY?: boolean }).isTTY);
  const isTTY = Boolean((options.input as { isTTY?: boolean }).isTTY);
  const rl = readline.createInterface({ input: options.input, output: out, terminal: interactive, prompt: options.prompt ?? (isTTY ? '> ' : '') });
  rl.on('SIGINT', () => rl.close()); // Ctrl-C at the prompt leaves like Ctrl-D
  let rng = new Rng(settings.seed);
  let lastText: string | null = null;
  let texts = 0;
  if (!options.json) say(`Fill the blanks (${describeSettings(settings)}). :help for help, quit to leave.`);
  rl.prompt();
  try {
    for await (const rawLine of rl) {
      const line = rawLine.trim();
      if (line === 'quit' || line === 'exit' || line === ':quit' || line === ':q') break;
      try {
        if (line === '') {
          // nothing to do
        } else if (line === ':help' || line === 'help') {
          say(HELP);
        } else if (line === ':settings') {
          say(describeSettings(settings));
        } else if (line.startsWith(':rank')) {
          if (lastText === null) throw new UserError('no text to rank candidates for yet. Fix: type a text with a blank first, then :rank goes; go');
          // `goes; go` (fills of several words possible), or the command line's form `goes go`, one word each.
          const rest = line.slice(5);
          const bySemicolon = rest.includes(';');
          const candidates = (bySemicolon ? rest.split(';') : rest.split(/\s+/)).map((c) => c.trim()).filter((c) => c.length > 0);
          if (!bySemicolon && candidates.length > 1 && !options.json) say(`(read as ${candidates.length} one-word candidates; separate fills of several words with ";", e.g. :rank went home; came back)`);
          const ranked = await rank(options.model, lastText, candidates, { scoring: settings.scoring });
          if (options.json) say(JSON.stringify({ rank: ranked.map((r) => ({ candidate: r.candidate, fills: r.fills, logProb: r.logProb, meanLogProb: r.meanLogProb, share: r.share })) }));
          else ranked.forEach((r, i) => say(`${i + 1}. ${r.candidate.padEnd(20)} log-prob ${r.logProb.toFixed(3)}  per token ${r.meanLogProb.toFixed(3)}  share ${(100 * r.share).toFixed(1)} %  ${r.text}`));
        } else if (line.startsWith(':')) {
          const [name, ...rest] = line.slice(1).split(/\s+/);
          const message = applySetting(settings, name, rest.join(' '));
          if (name === 'seed') rng = new Rng(settings.seed);
          if (!options.json) say(message);
        } else {
          const results = await infill(options.model, line, {
            n: settings.n,
            nucleus: settings.nucleus,
            temperature: settings.temperature,
            topK: settings.topK,
            maxNewTokens: settings.maxNewTokens || undefined,
            rng,
          });
          lastText = line;
          texts++;
          const top = settings.top > 0 && results[0].fills.length === 1 ? await topFills(options.model, line, settings.top) : null;
          if (options.json) {
            say(JSON.stringify({ text: line, results: results.map((r) => ({ text: r.text, fills: r.fills, complete: r.complete })), top: top?.fills ?? null }));
          } else {
            results.forEach((r, i) => {
              say(`${i + 1}. ${r.marked}${r.complete ? '' : '   (stopped at the length limit)'}`);
              say(`   fills: ${r.fills.map((f) => JSON.stringify(f)).join(', ')}`);
            });
            if (top) say(`most probable single-token fills: ${top.fills.map((f) => `${JSON.stringify(f.fill)} ${f.probability.toPrecision(3)}`).join(', ')}`);
          }
        }
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        say(`error: ${err.message}`);
      }
      rl.prompt();
    }
  } finally {
    rl.close();
  }
  if (!options.json) say('bye');
  return { texts };
}
