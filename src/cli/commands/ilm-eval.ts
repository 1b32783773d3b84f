/** `cefrlab ilm-eval`: the evaluation harness over ILM models and left-to-right baselines (src/infill/harness.ts). */
import type { Command } from 'commander';
import { Option } from 'commander';
import { writeJsonAtomic } from '../../runtime/atomic';
import { defaultCsv } from '../../runtime/paths';
import { MASKING_MODES, type MaskingMode } from '../../infill/evalmask';
import { addSamplingOptions, type SamplingCliOptions } from './infill';
import { wholeNumber } from '../options';

interface IlmEvalCliOptions extends SamplingCliOptions {
  input: string;
  split: string;
  models: string[];
  nMasks: number;
  samplesPerText: number;
  maxChars: number;
  limit: number;
  seed: number;
  masking: MaskingMode;
  output?: string;
  json: boolean;
}

export function registerIlmEval(program: Command): void {
  const cmd = program
    .command('ilm-eval')
    .description(
      'Evaluate infilling models and left-to-right baselines on learner texts: mask spans (the same for every model), then per model, ' +
        'overall and per CEFR level: mean log-probability and perplexity of the original spans, exact-match rate of sampled fills, ' +
        'rank of the original among the samples, time per text. An lm: model sees only the text before a span. ' +
        'Writes settings, masks and per-text results to -o (JSON) and prints a summary table.',
    )
    .option('-i, --input <csv|dir>', 'learner CSV (writing_id,l1,cefr_level,text), or a directory written by `cefrlab prepare` (then --split is used); default: the embedded data/cefr-asag/cefr_asag_4col.csv', defaultCsv)
    .option('--split <name>', 'with a prepared directory: the split to evaluate (train, valid or test)', 'test')
    .requiredOption('--models <spec...>', 'models to compare: ilm:EXP_DIR (infilling model) and/or lm:EXP_DIR (left-to-right baseline)')
    .option('--n-masks <n>', 'spans masked per text', wholeNumber('--n-masks', 1), 1)
    .option('--samples-per-text <n>', 'fills sampled per text and model', wholeNumber('--samples-per-text', 1), 5)
    .option('--max-chars <n>', 'cut each text to its first n characters, at a word boundary', wholeNumber('--max-chars', 1), 500)
    .option('--limit <n>', 'use the first n texts of the CSV', wholeNumber('--limit', 1), 100)
    .option('--seed <n>', 'seed of masks and samples; the same inputs and seed give the same results (timings aside)', wholeNumber('--seed', 0), 42)
    .addOption(new Option('--masking <mode>', 'human-tokens: mask whole words; random: mask random runs of 1-4 subword tokens').choices([...MASKING_MODES]).default('human-tokens'));
  addSamplingOptions(cmd)
    .option('-o, --output <file>', 'write the full results (settings, masks, per-text results, summary) to this JSON file')
    .option('--json', 'print the full results as JSON instead of the table', false)
    .action(async (o: IlmEvalCliOptions) => {
      const { initBackend } = await import('../../runtime/backend');
      const { ilmEval, summaryTable } = await import('../../infill/harness');
      await initBackend();
      const report = await ilmEval({
        csv: o.input,
        split: o.split,
        models: o.models,
        nMasks: o.nMasks,
        samplesPerText: o.samplesPerText,
        maxChars: o.maxChars,
        limit: o.limit,
        seed: o.seed,
        masking: o.masking,
        nucleus: o.nucleus,
        temperature: o.temperature,
        topK: o.topK,
        maxNewTokens: o.maxNewTokens,
      });
      if (o.output) writeJsonAtomic(o.output, report);
      process.stdout.write((o.json ? JSON.stringify(report, null, 2) : summaryTable(report) + (o.output ? `\nresults: ${o.output}` : '')) + '\n');
    });
}
