/** `cefrlab preview`: show stored ILM examples (src/ilm/preview.ts). */
import type { Command } from 'commander';
import { wholeNumber } from '../options';

export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description('Show examples of an example store: the text with masked spans marked and typed, the context with its blanks, the answers and the token sequence with target types')
    .argument('<file>', 'example store: OUT_DIR/<split> written by `cefrlab examples`, or the examples.bin inside it')
    .option('--n <n>', 'how many examples to show', wholeNumber('--n', 1), 5)
    .option('--seed <n>', 'seed of the random choice of examples', wholeNumber('--seed', 0), 0)
    .action(async (file: string, o: { n: number; seed: number }) => {
      const { ExampleStore } = await import('../../ilm/store');
      const { formatPreview, sampleExamples } = await import('../../ilm/preview');
      const store = ExampleStore.open(file);
      try {
        const h = store.header;
        process.stdout.write(`${store.file}: task ${h.task}, split ${h.split}, mask ${h.masking.mask}, seq-len ${h.seqLen}, ${h.counts.documents} documents, ${h.counts.examples} examples, seed ${h.seed}\n\n`);
        for (const p of sampleExamples(store, o.n, o.seed)) process.stdout.write(formatPreview(p) + '\n\n');
      } finally {
        store.close();
      }
    });
}
