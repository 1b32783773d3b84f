/** `cefrlab awe train|predict`: the gradient-boosted AWE baseline (src/awe). */
import type { Command } from 'commander';
import { intOption, numberOption } from './rate';

interface TrainCli {
  csv: string;
  label: string;
  out: string;
  textColumn: string;
  promptColumn?: string;
  maxIter: number;
  learningRate: number;
  maxLeafNodes: number;
  minSamplesLeaf: number;
  seed: number;
  perplexityModels?: string;
}

/** The perplexity features run GPT-2 models: choose the TensorFlow.js backend first (entry point). */
async function initBackendForPerplexity(): Promise<void> {
  const { initBackend } = require('../../runtime/backend') as typeof import('../../runtime/backend');
  await initBackend();
}

interface PredictCli {
  csv: string;
  output: string;
  textColumn: string;
  promptColumn?: string;
}


export function registerAwe(program: Command): void {
  const awe = program
    .command('awe')
    .description('Automated writing evaluation baseline: histogram gradient-boosted trees on linguistic features, relevance to the prompt and error proxies');
  awe
    .command('train')
    .description('Train on a labelled CSV and write DIR/model.json and DIR/manifest.json')
    .requiredOption('--csv <file>', 'training essays')
    .requiredOption('--label <column>', 'label column (CEFR levels, or numbers such as ELLIPSE\'s Overall)')
    .requiredOption('--out <dir>', 'model directory')
    .option('--text-column <name>', 'essay column', 'text')
    .option('--prompt-column <name>', 'task prompt column (default: question or prompt when present)')
    .option('--max-iter <n>', 'boosting iterations', intOption('--max-iter', 1), 100)
    .option('--learning-rate <x>', 'shrinkage', numberOption('--learning-rate'), 0.1)
    .option('--max-leaf-nodes <n>', 'leaves per tree', intOption('--max-leaf-nodes', 2), 31)
    .option('--min-samples-leaf <n>', 'smallest leaf', intOption('--min-samples-leaf', 1), 20)
    .option('--seed <n>', 'seed (recorded; training itself draws nothing at random)', intOption('--seed'), 0)
    .option('--perplexity-models <dirs>', 'comma-separated model directories of the lab (e.g. notebook 03\'s per-level models): add ln(perplexity) of each text under each as features; predict recomputes them')
    .action(async (o: TrainCli) => {
      const { trainAweFromCsv } = await import('../awe-ops');
      const perplexityModels = o.perplexityModels ? o.perplexityModels.split(',').map((d) => d.trim()).filter(Boolean) : [];
      if (perplexityModels.length) await initBackendForPerplexity();
      const r = await trainAweFromCsv(o.csv, o.out, { label: o.label, textColumn: o.textColumn, promptColumn: o.promptColumn, perplexityModels, gbdt: { maxIter: o.maxIter, learningRate: o.learningRate, maxLeafNodes: o.maxLeafNodes, minSamplesLeaf: o.minSamplesLeaf, seed: o.seed } });
      process.stdout.write(`trained on ${r.trainedOn} essays, classes ${r.classes.join(' ')}, ${r.features} features; model: ${o.out}\n`);
    });
  awe
    .command('predict <dir>')
    .description('Rate a CSV with a trained model: writes the input columns plus `rating`')
    .requiredOption('--csv <file>', 'essays to rate')
    .requiredOption('-o, --output <file>', 'RATINGS.csv to write')
    .option('--text-column <name>', 'essay column', 'text')
    .option('--prompt-column <name>', 'task prompt column (default: question or prompt when present)')
    .action(async (dir: string, o: PredictCli) => {
      const { predictAweCsv } = await import('../awe-ops');
      const n = await predictAweCsv(dir, o.csv, o.output, { textColumn: o.textColumn, promptColumn: o.promptColumn, initBackend: initBackendForPerplexity });
      process.stdout.write(`rated ${n} essays: ${o.output}\n`);
    });
}
