/** `cefrlab infill`: fill the blanks of a text with a trained ILM, rank candidate fills, or list top fills. */
import { Option, type Command } from 'commander';
import { UserError } from '../../runtime/errors';
import { numberIn, wholeNumber } from '../options';
import { describeMaxNewTokens } from '../../infill/defaults';
import { DEFAULT_RANK_SCORING, RANK_SCORINGS, type RankScoring } from '../../infill/rank-scoring';

/** What `addSamplingOptions` adds to a command's parsed options. */
export interface SamplingCliOptions {
  nucleus: number;
  temperature: number;
  topK: number;
  maxNewTokens?: number;
}

/** The sampling options shared by infill, interactive and ilm-eval. */
export function addSamplingOptions(cmd: Command): Command {
  return cmd
    .option('--nucleus <p>', 'nucleus (top-p) sampling: sample among the most probable tokens whose probability adds up to p (1 = off)', numberIn('--nucleus', 0, 1), 0.95)
    .option('--temperature <t>', 'divide the logits by t before sampling (< 1 sharper, > 1 flatter)', numberIn('--temperature', 0, Infinity), 1)
    .option('--top-k <k>', 'sample among the k most probable tokens only (0 = off)', wholeNumber('--top-k', 0), 0)
    .option('--max-new-tokens <n>', `stop a sample after n generated tokens even if not every blank is filled (default: per blank, by its type: ${describeMaxNewTokens()}; summed over the blanks, at most what fits in the model)`, wholeNumber('--max-new-tokens', 1));
}

/** `--scoring`, how `rank` scores a fill, shared by infill and interactive. */
export function scoringOption(description: string): Option {
  return new Option('--scoring <kind>', description).choices([...RANK_SCORINGS]).default(DEFAULT_RANK_SCORING);
}

interface InfillCliOptions extends SamplingCliOptions {
  model: string;
  text: string;
  n: number;
  seed: number;
  rank?: string[];
  scoring: RankScoring;
  top?: number;
  json: boolean;
}

export function registerInfill(program: Command): void {
  const cmd = program
    .command('infill')
    .description(
      'Fill the blanks of a text with a trained infilling model. Blanks: [MASK] or [word] (a word), [ngram], [sentence], [paragraph], [document]; ' +
        'they become the ILM blank tokens (\\[MASK] stays literal text). Prints each sample with the fills marked [[like this]] and the fills alone. ' +
        'With --rank or --top it scores fills instead of sampling.',
    )
    .requiredOption('--model <EXP_DIR>', 'experiment directory (uses checkpoints/best, else checkpoints/last) or a model directory with config.json and model.safetensors')
    .requiredOption('--text <text>', 'the text with blanks, e.g. "She ate [MASK] for breakfast."')
    .option('--n <n>', 'number of samples (decoded together as one batch)', wholeNumber('--n', 1), 5)
    .option('--seed <n>', 'random seed of the sampler; same model, text, options and seed give the same fills', wholeNumber('--seed', 0), 0);
  addSamplingOptions(cmd)
    .option('--rank <candidate...>', 'score these fills instead of sampling: log-probability of each (sum and per token, end of answer included) and its share of the probability among them, most probable first; several blanks: one fill per blank separated by "|"')
    .addOption(
      scoringOption('with --rank: with-next-word widens a word blank over the word after it and scores the fill followed by that word; blank scores each fill in the blank as written. An exact model ranks alike either way; the small base reads the next word better inside its answer (e.g. a/an) and ranks more held-out word choices right with with-next-word, though blank does a little better on verb forms such as was/were (BENCHMARKS.md)'),
    )
    .option('--top <k>', 'list the k most probable single-token fills of the (one) blank with their probabilities, instead of sampling', wholeNumber('--top', 1))
    .option('--json', 'print the results as JSON', false)
    .action(async (o: InfillCliOptions) => {
      const { initBackend } = await import('../../runtime/backend');
      const { infill } = await import('../../infill/infill');
      const { loadExperimentModel } = await import('../../experiment/load');
      const { rank, topFills } = await import('../../infill/rank');
      await initBackend();
      const { model } = loadExperimentModel(o.model);
      try {
        const out: Record<string, unknown> = {};
        const lines: string[] = [];
        if (o.rank) {
          lines.push(`scoring: ${o.scoring}`);
          const ranked = await rank(model, o.text, o.rank, { scoring: o.scoring });
          out.scoring = o.scoring;
          out.rank = ranked;
          ranked.forEach((r, i) => {
            lines.push(`${i + 1}. ${JSON.stringify(r.candidate)}  log-prob ${r.logProb.toFixed(4)}  per token ${r.meanLogProb.toFixed(4)}  share ${(100 * r.share).toFixed(1)} %  ${r.text}`);
            lines.push(`   tokens: ${r.tokens.map((t) => `${JSON.stringify(t.token)} ${t.logProb.toFixed(3)}`).join(', ')}`);
          });
        }
        if (o.top) {
          const top = await topFills(model, o.text, o.top);
          out.top = top;
          lines.push(`most probable single-token fills${top.exact ? '' : ` (among the ${top.examined} likeliest first tokens)`}:`);
          top.fills.forEach((f, i) => lines.push(`${String(i + 1).padStart(3)}. ${JSON.stringify(f.fill).padEnd(18)} p ${f.probability.toPrecision(4)}  log-prob ${f.logProb.toFixed(4)}`));
        }
        if (!o.rank && !o.top) {
          const results = await infill(model, o.text, { n: o.n, nucleus: o.nucleus, temperature: o.temperature, topK: o.topK, maxNewTokens: o.maxNewTokens, seed: o.seed });
          out.results = results;
          results.forEach((r, i) => {
            lines.push(`${i + 1}. ${r.marked}${r.complete ? '' : '   (stopped at the length limit)'}`);
            lines.push(`   fills: ${r.fills.map((f) => JSON.stringify(f)).join(', ')}`);
          });
        }
        process.stdout.write((o.json ? JSON.stringify({ text: o.text, ...out }, null, 2) : lines.join('\n')) + '\n');
      } finally {
        model.dispose();
      }
    });
}
