/**
 * Random access to a whole example store by example index: the `ExampleSource` contract of
 * src/objective/batch.ts that training and evaluation read (their one data order is in src/train/data.ts).
 */
import type { StoreHeader, StoredDocument, Task } from './store-format';
import { writeLmSequence, writeSequence, type TokenRun } from './sequence';

/** What the source reads from an opened store (an `ExampleStore` of ./store.ts is one). */
export interface StoreContents {
  readonly file: string;
  readonly header: Pick<StoreHeader, 'counts' | 'task'>;
  documents(): Iterable<StoredDocument>;
}

/**
 * Random access over a whole store held in typed arrays (about 2 bytes per document token and 9 bytes per
 * span): implements the `ExampleSource` contract of src/train/data.ts.
 */
export class StoreSource {
  readonly count: number;
  readonly files: string[];
  private readonly tokens: Uint16Array;
  private readonly docStart: Float64Array;
  private readonly exDoc: Uint32Array;
  private readonly exSpan: Float64Array;
  private readonly spanTok: Uint32Array;
  private readonly spanType: Uint8Array;
  private readonly task: Task;

  constructor(store: StoreContents, readonly seqLen: number) {
    const c = store.header.counts;
    this.count = c.examples;
    this.files = [store.file];
    this.task = store.header.task;
    this.tokens = new Uint16Array(c.tokens);
    this.docStart = new Float64Array(c.documents + 1);
    this.exDoc = new Uint32Array(c.examples);
    this.exSpan = new Float64Array(c.examples + 1);
    this.spanTok = new Uint32Array(2 * c.spans);
    this.spanType = new Uint8Array(c.spans);
    let d = 0;
    let t = 0;
    let e = 0;
    let s = 0;
    for (const doc of store.documents()) {
      this.docStart[d] = t;
      this.tokens.set(doc.tokens, t);
      t += doc.tokens.length;
      for (const ex of doc.examples) {
        this.exDoc[e] = d;
        this.exSpan[e] = s;
        for (const sp of ex.spans) {
          this.spanTok[2 * s] = sp.tokStart;
          this.spanTok[2 * s + 1] = sp.tokEnd;
          this.spanType[s] = sp.type;
          s++;
        }
        e++;
      }
      d++;
    }
    this.docStart[d] = t;
    this.exSpan[e] = s;
  }

  batch(indices: number[]): { batchSize: number; seqLen: number; tokens: Int32Array; types: Uint8Array } {
    const T = this.seqLen;
    const tokens = new Int32Array(indices.length * T);
    const types = new Uint8Array(indices.length * T);
    indices.forEach((i, b) => {
      if (!(i >= 0 && i < this.count)) throw new RangeError(`example index ${i} outside 0..${this.count - 1}`);
      const d = this.exDoc[i];
      const doc = this.tokens.subarray(this.docStart[d], this.docStart[d + 1]);
      if (this.task === 'lm') {
        writeLmSequence(doc, T, tokens, types, b * T);
        return;
      }
      const runs: TokenRun[] = [];
      for (let s = this.exSpan[i]; s < this.exSpan[i + 1]; s++) runs.push({ tokStart: this.spanTok[2 * s], tokEnd: this.spanTok[2 * s + 1], type: this.spanType[s] });
      writeSequence(doc, runs, T, tokens, types, b * T);
    });
    return { batchSize: indices.length, seqLen: T, tokens, types };
  }
}
