/**
 * Documents of a split file (spec section 1): the whole file trimmed, cut on exactly three newlines, each
 * piece trimmed. Empty documents are dropped and counted (the reference kept them).
 *
 * The file is streamed: a split of hundreds of megabytes never sits in memory whole. Streaming gives the same
 * pieces as splitting the trimmed file, because a cut is searched in the text carried over from the
 * previous chunk plus the new chunk, and empty pieces before the first or after the last non-empty document
 * (which trimming the whole file would remove) are not counted.
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { UserError, locate } from '../runtime/errors';

export const DOCUMENT_SEPARATOR = '\n\n\n';

export interface SplitDocument {
  /** Position in the split (0-based, counting dropped empty pieces), i.e. the line of labels.tsv. */
  index: number;
  text: string;
}

/** Documents of a split held in memory (tests, small inputs). */
export function splitDocuments(content: string): { documents: SplitDocument[]; empty: number } {
  const pieces = content.trim().split(DOCUMENT_SEPARATOR);
  const documents: SplitDocument[] = [];
  let empty = 0;
  pieces.forEach((p, index) => {
    const text = p.trim();
    if (text) documents.push({ index, text });
    else if (content.trim()) empty++;
  });
  return { documents, empty };
}

export interface DocumentStream {
  documents: AsyncGenerator<SplitDocument>;
  /** Filled while streaming; final once `documents` is exhausted. */
  stats: { empty: number; pieces: number; bytes: number; sha256: string };
}

/** Stream the documents of a split file, hashing it on the way (SHA-256 of the bytes). */
export function streamDocuments(file: string, chunkBytes = 1 << 20): DocumentStream {
  if (!fs.existsSync(file)) {
    throw new UserError(locate(file, null, 'split file not found', 'run `cefrlab prepare` first, or pass the folder that holds train.txt, valid.txt and test.txt'));
  }
  const stats = { empty: 0, pieces: 0, bytes: 0, sha256: '' };
  async function* gen(): AsyncGenerator<SplitDocument> {
    const hash = createHash('sha256');
    const stream = fs.createReadStream(file, { highWaterMark: chunkBytes });
    const decoder = new TextDecoder('utf-8');
    let carry = '';
    let index = 0;
    let seenText = false;
    let pendingEmpty = 0;
    const emit = function* (piece: string): Generator<SplitDocument> {
      const text = piece.trim();
      if (!text) {
        if (seenText) pendingEmpty++;
        if (seenText) index++;
        return;
      }
      seenText = true;
      stats.empty += pendingEmpty;
      pendingEmpty = 0;
      yield { index: index++, text };
    };
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      hash.update(buf);
      stats.bytes += buf.length;
      carry += decoder.decode(buf, { stream: true });
      let cut = carry.indexOf(DOCUMENT_SEPARATOR);
      let from = 0;
      while (cut >= 0) {
        for (const d of emit(carry.slice(from, cut))) yield d;
        from = cut + DOCUMENT_SEPARATOR.length;
        cut = carry.indexOf(DOCUMENT_SEPARATOR, from);
      }
      carry = carry.slice(from);
    }
    carry += decoder.decode();
    for (const d of emit(carry)) yield d;
    stats.pieces = index - pendingEmpty;
    stats.sha256 = hash.digest('hex');
  }
  return { documents: gen(), stats };
}
