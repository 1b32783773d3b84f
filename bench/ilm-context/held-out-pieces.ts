/**
 * The held-out pieces of the pretraining corpus: `pretrain`'s valid split, rebuilt in a temporary folder with the
 * defaults (the same pieces as the base's held-out part, text neither the base nor the minimal-pair fixture was
 * fitted to). Shared by the benches of this folder that probe a model on them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writePretrainCorpus } from '../../src/pretrain/pretrain';

export async function heldOutPieces(maxChars: number): Promise<string[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'held-out-'));
  try {
    const corpus = await writePretrainCorpus(tmp, {});
    return fs.readFileSync(path.join(corpus.dir, 'valid.txt'), 'utf8').split('\n\n\n').filter((p) => p.length <= maxChars);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
