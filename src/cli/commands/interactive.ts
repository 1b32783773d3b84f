/** `cefrlab interactive`: a prompt where you type texts with blanks and get fills (src/infill/repl.ts). */
import type { Command } from 'commander';
import { addSamplingOptions, scoringOption, type SamplingCliOptions } from './infill';
import type { RankScoring } from '../../infill/rank-scoring';
import { wholeNumber } from '../options';

interface InteractiveCliOptions extends SamplingCliOptions {
  model: string;
  n: number;
  seed: number;
  top: number;
  scoring: RankScoring;
  json: boolean;
}

export function registerInteractive(program: Command): void {
  const cmd = program
    .command('interactive')
    .description(
      'Interactive infilling: type a text with blanks ([MASK], [word], [ngram], [sentence], [paragraph], [document]) and get fills. ' +
        'Change settings with :n 3, :nucleus 0.9, :temperature 1, :top-k 40, :seed 0, :top 10, :max-new-tokens 64, :scoring blank; ' +
        'rank fills of the last text with :rank goes go, or :rank went home; came back for fills of several words (scored as :scoring says); :help lists everything; quit, exit or Ctrl-D leaves. Reads piped input too.',
    )
    .requiredOption('--model <EXP_DIR>', 'experiment directory (uses checkpoints/best, else checkpoints/last) or a model directory')
    .option('--n <n>', 'samples per text (change with :n)', wholeNumber('--n', 1), 3)
    .option('--seed <n>', 'seed of the sampler at the start (change with :seed); the same input replays the same fills', wholeNumber('--seed', 0), 0);
  addSamplingOptions(cmd)
    .option('--top <k>', 'also list the k most probable single-token fills of a one-blank text (0 = off; change with :top)', wholeNumber('--top', 0), 0)
    .addOption(scoringOption('how :rank scores a fill, as `infill --scoring` (change with :scoring)'))
    .option('--json', 'answer each text with one line of JSON instead of text', false)
    .action(async (o: InteractiveCliOptions) => {
      const { initBackend } = await import('../../runtime/backend');
      const { loadExperimentModel } = await import('../../experiment/load');
      const { runRepl } = await import('../../infill/repl');
      await initBackend();
      const { model } = loadExperimentModel(o.model);
      try {
        await runRepl({
          model,
          input: process.stdin,
          output: process.stdout,
          json: o.json,
          settings: { n: o.n, nucleus: o.nucleus, temperature: o.temperature, topK: o.topK, seed: o.seed, top: o.top, maxNewTokens: o.maxNewTokens ?? 0, scoring: o.scoring },
        });
      } finally {
        model.dispose();
      }
    });
}
