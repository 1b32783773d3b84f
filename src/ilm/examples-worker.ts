/**
 * Worker thread of the example builder: receives blocks of documents, returns each block's encoded payload
 * and statistics. Started by src/ilm/examples.ts; holds no state between blocks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { emptyStats, encodeDocuments, type GenerateOptions } from './generate';
import { BlockEncoder } from './store';

interface Job {
  block: number;
  docs: Array<{ index: number; text: string }>;
}

const opts = workerData as GenerateOptions;
if (parentPort) {
  const port = parentPort;
  port.on('message', (job: Job) => {
    try {
      const enc = new BlockEncoder();
      const stats = emptyStats(opts.examplesPerDoc);
      encodeDocuments(job.docs, opts, enc, stats);
      const bytes = enc.bytes();
      const payload = new Uint8Array(bytes.length);
      payload.set(bytes);
      port.postMessage({ block: job.block, payload, docs: enc.docs, examples: enc.examples, spans: enc.spans, tokens: enc.tokens, stats }, [payload.buffer]);
    } catch (err) {
      port.postMessage({ block: job.block, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    }
  });
}
