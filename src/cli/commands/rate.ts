/** `cefrlab rate`: rate essays with a chat model on an OpenAI-compatible endpoint (src/rate/run.ts). */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors';
import { wholeNumberMessage } from '../options';

export function intOption(name: string, min = 0) {
  return (value: string): number => {
    const v = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || v < min) throw new UserError(wholeNumberMessage(name, value, min));
    return v;
  };
}

export function numberOption(name: string, min = 0) {
  return (value: string): number => {
    const v = Number(value);
    if (!Number.isFinite(v) || v < min) throw new UserError(`${name} must be a number >= ${min}, got "${value}"`);
    return v;
  };
}

interface RateCliOptions {
  csv: string;
  model: string;
  baseUrl?: string;
  rubric: string;
  calibration: number;
  calibrationFrom?: string;
  calibrationLabel: string;
  calibrationRationale?: string;
  rationale: boolean;
  concurrency: number;
  cache: string;
  textColumn: string;
  promptColumn: string;
  temperature: number;
  maxTokens?: number;
  timeout: number;
  retries: number;
  limit?: number;
  seed: number;
  output: string;
}

export function registerRate(program: Command): void {
  program
    .command('rate')
    .description(
      'Rate essays with a chat model (any OpenAI-compatible endpoint: OpenAI, vLLM, llama.cpp, Ollama) as Yancey et al. (2023) do: ' +
        'a system message with the rubric, k calibration examples per category from a training table, a fresh conversation per essay. ' +
        'Writes the input columns plus `rating` (A1..C2 or the rubric\'s levels, 0 = unscorable, empty = unparsed) and `raw` (the reply), ' +
        'and OUT.manifest.json (options, tokens per essay and in total, the unparsed replies). Replies are cached on disk: an interrupted ' +
        'run resumes, a repeated run sends nothing. The key comes from OPENAI_API_KEY and is never written anywhere. ' +
        'One connection check (GET /models) runs before any essay is sent: no endpoint, an unreachable server, a refused key or an unknown model stop the run there. ' +
        'Without --base-url and OPENAI_BASE_URL the public OpenAI API is used only when OPENAI_API_KEY is set.',
    )
    .requiredOption('--csv <file>', 'essays to rate')
    .requiredOption('--model <name>', 'model name on the endpoint (e.g. gpt-4o, or what your local server serves)')
    .option('--base-url <url>', 'endpoint, e.g. http://127.0.0.1:8000/v1 (default: OPENAI_BASE_URL; without it, https://api.openai.com/v1 when OPENAI_API_KEY is set)')
    .option('--rubric <name|file>', 'minimal, detailed (CEFR), ellipse (holistic 1-5), or a YAML rubric file (data/rubrics/README.md)', 'minimal')
    .option('--calibration <k>', 'calibration examples per rating category', intOption('--calibration'), 0)
    .option('--calibration-from <file>', 'training CSV the calibration examples are drawn from (same text and prompt columns; never the rated file)')
    .option('--calibration-label <column>', 'label column of the calibration CSV', 'cefr_level')
    .option('--calibration-rationale <column>', 'rationale column of the calibration CSV (shown before the rating with --rationale)')
    .option('--rationale', 'ask for "Rationale: ... Rating: [X]" instead of the rating alone', false)
    .option('--concurrency <n>', 'requests in flight at once', intOption('--concurrency', 1), 4)
    .option('--cache <dir>', 'response cache directory (responses.jsonl)', 'experiments/rate-cache')
    .option('--text-column <name>', 'column with the essay', 'text')
    .option('--prompt-column <name>', 'column with the task prompt', 'question')
    .option('--temperature <t>', 'sampling temperature', numberOption('--temperature'), 0)
    .option('--max-tokens <n>', 'cap on the reply length', intOption('--max-tokens', 1))
    .option('--timeout <ms>', 'timeout of one request in milliseconds', intOption('--timeout', 1), 120000)
    .option('--retries <n>', 'retries of a request on 429, 5xx, timeouts and dropped connections', intOption('--retries'), 5)
    .option('--limit <n>', 'rate only the first n essays', intOption('--limit', 1))
    .option('--seed <n>', 'seed of the calibration draw and of the retry jitter', intOption('--seed'), 0)
    .requiredOption('-o, --output <file>', 'RATINGS.csv to write')
    .action(async (o: RateCliOptions) => {
      const { rateTable, rateSummaryLines, failureCauses } = await import('../../rate/run');
      // The environment is read here, at the entry point, and passed down.
      const baseURL = o.baseUrl ?? process.env.OPENAI_BASE_URL;
      const apiKey = process.env.OPENAI_API_KEY;
      const r = await rateTable({
        csv: o.csv, output: o.output, model: o.model, baseURL, apiKey, rubric: o.rubric, calibration: o.calibration, calibrationFrom: o.calibrationFrom,
        calibrationLabel: o.calibrationLabel, calibrationRationale: o.calibrationRationale, rationale: o.rationale, concurrency: o.concurrency, cacheDir: o.cache,
        textColumn: o.textColumn, promptColumn: o.promptColumn, temperature: o.temperature, maxTokens: o.maxTokens, retry: { timeoutMs: o.timeout, maxRetries: o.retries },
        limit: o.limit, seed: o.seed,
      });
      for (const line of rateSummaryLines(r)) process.stdout.write(line + '\n');
      process.stdout.write(`ratings: ${o.output}\nmanifest: ${r.manifestFile}\n`);
      if (r.summary.errors > 0) {
        throw new UserError(`${r.summary.errors} essays failed (their rating is empty): ${failureCauses(r).join('; ')}. Fix: remove the cause and rerun the same command: cached essays are not sent again`, 3);
      }
    });
}
