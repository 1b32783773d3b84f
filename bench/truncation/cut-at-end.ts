/**
 * Counts what cutting a too-long ILM sequence at its end (the reference's rule, and this project's before
 * sequences were shortened around their blanks) loses, over stores written by `cefrlab examples`: examples
 * longer than the store's seq-len, examples that keep no answer token, and examples that lose an answer.
 *   nice node --import tsx bench/truncation/cut-at-end.ts EXAMPLES_DIR/train [...]
 */
import { ExampleStore } from '../../src/ilm/store';
for (const dir of process.argv.slice(2)) {
  const store = ExampleStore.open(dir);
  const T = store.header.seqLen;
  let n = 0, longer = 0, noAnswerOld = 0, lostOld = 0;
  for (const doc of store.documents()) {
    for (const ex of doc.examples) {
      n++;
      const k = ex.spans.length;
      const masked = ex.spans.reduce((a, s) => a + s.tokEnd - s.tokStart, 0);
      const ctx = doc.tokens.length - masked + k;
      const full = ctx + 1 + masked + k;
      if (full > T) longer++;
      // cut at the end: answer tokens are kept while their position < T
      let pos = ctx + 1, kept = 0, lost = false;
      for (const s of ex.spans) {
        const len = s.tokEnd - s.tokStart;
        if (pos + len + 1 > T) lost = true;
        kept += Math.max(0, Math.min(len, T - pos));
        pos += len + 1;
      }
      if (kept === 0) noAnswerOld++;
      if (lost) lostOld++;
    }
  }
  console.log(JSON.stringify({ dir, seqLen: T, examples: n, longer, noAnswerCutAtEnd: noAnswerOld, lostAnswersCutAtEnd: lostOld }));
  store.close();
}
