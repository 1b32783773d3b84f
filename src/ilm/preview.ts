/**
 * Human-readable views of stored examples: the original text with the masked spans marked and typed, the
 * context with its blank tokens, the answers, and the token sequence with target types. Text for a terminal
 * and HTML (coloured spans) for notebooks.
 */
import { Rng } from '../runtime/rng';
import { buildSequence, TARGET, type TokenRun } from './sequence';
import { ExampleStore, type StoredDocument, type StoredSpan } from './store';
import { decodeTokens, MASK_TYPES } from '../tokenize/gpt2-bpe';

export interface PreviewExample {
  documentIndex: number;
  exampleIndex: number;
  text: string;
  spans: Array<StoredSpan & { typeName: string; answer: string }>;
  /** Context with blank tokens, as text. */
  context: string;
  /** The full sequence (untruncated), decoded token by token. */
  tokens: Array<{ id: number; text: string; type: number }>;
  length: number;
}

const TYPE_NAMES = ['pad', 'context', 'blank', 'separator', 'answer', 'end'];

/** Decode one stored example of a document. */
export function describeExample(doc: StoredDocument, exampleIndex: number, task: 'ilm' | 'lm' = 'ilm'): PreviewExample {
  const text = decodeTokens(doc.tokens);
  const spans = task === 'lm' ? [] : doc.examples[exampleIndex].spans;
  const runs: TokenRun[] = spans;
  const full = task === 'lm' ? doc.tokens.length : doc.tokens.length + 2 * runs.length + 1;
  const seq = task === 'lm' ? { tokens: Int32Array.from(doc.tokens), types: new Uint8Array(doc.tokens.length).fill(TARGET.context), length: doc.tokens.length } : buildSequence(doc.tokens, runs, full);
  const tokens = Array.from(seq.tokens, (id, i) => ({ id, text: decodeTokens([id]), type: seq.types[i] }));
  const ctxEnd = seq.types.indexOf(TARGET.separator);
  const context = decodeTokens(seq.tokens.subarray(0, ctxEnd < 0 ? seq.tokens.length : ctxEnd));
  return {
    documentIndex: doc.index,
    exampleIndex,
    text,
    spans: spans.map((s) => ({ ...s, typeName: MASK_TYPES[s.type], answer: decodeTokens(doc.tokens.subarray(s.tokStart, s.tokEnd)) })),
    context,
    tokens,
    length: seq.length,
  };
}

/** `n` examples drawn with a seeded RNG (reservoir sampling over the store, one pass). */
export function sampleExamples(store: ExampleStore, n: number, seed = 0): PreviewExample[] {
  const rng = new Rng(seed);
  const picked: Array<{ doc: StoredDocument; ex: number }> = [];
  let seen = 0;
  for (const doc of store.documents()) {
    const count = store.header.task === 'lm' ? Math.min(1, doc.examples.length) : doc.examples.length;
    for (let e = 0; e < count; e++) {
      // Vitter's Algorithm R: keep each of the first seen+1 items with probability n/(seen+1)
      if (picked.length < n) picked.push({ doc, ex: e });
      else {
        const j = rng.int(seen + 1);
        if (j < n) picked[j] = { doc, ex: e };
      }
      seen++;
    }
  }
  picked.sort((a, b) => a.doc.index - b.doc.index || a.ex - b.ex);
  return picked.map(({ doc, ex }) => describeExample(doc, ex, store.header.task));
}

/** The text with each masked span written as [type: span]. */
export function markedText(p: PreviewExample): string {
  let out = '';
  let at = 0;
  for (const s of p.spans) {
    out += p.text.slice(at, s.start) + `[${s.typeName.toUpperCase()}: ${p.text.slice(s.start, s.end)}]`;
    at = s.end;
  }
  return out + p.text.slice(at);
}

/** A plain-text report for the terminal. */
export function formatPreview(p: PreviewExample): string {
  const lines = [`document ${p.documentIndex}, example ${p.exampleIndex} (${p.spans.length} spans, ${p.length} tokens)`];
  lines.push(`  text:    ${markedText(p)}`);
  lines.push(`  context: ${p.context}`);
  p.spans.forEach((s, i) => lines.push(`  answer ${i + 1} (${s.typeName}, chars ${s.start}-${s.end}, tokens ${s.tokStart}-${s.tokEnd}): ${JSON.stringify(s.answer)}`));
  lines.push(`  tokens:  ${p.tokens.map((t) => `${JSON.stringify(t.text)}/${TYPE_NAMES[t.type]}`).join(' ')}`);
  return lines.join('\n');
}

const COLOURS: Record<string, string> = { document: '#e8c4f0', paragraph: '#c4d7f0', sentence: '#c4f0d2', ngram: '#f0e2c4', word: '#f0c4c4' };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');

/** HTML: the text with coloured, labelled spans, then context and answers. */
export function previewHtml(examples: PreviewExample[]): string {
  const legend = Object.entries(COLOURS)
    .map(([t, c]) => `<span style="background:${c};padding:0 4px;margin-right:6px">${t}</span>`)
    .join('');
  const blocks = examples.map((p) => {
    let body = '';
    let at = 0;
    for (const s of p.spans) {
      body += esc(p.text.slice(at, s.start));
      body += `<span title="${s.typeName}" style="background:${COLOURS[s.typeName]};border-radius:3px;padding:0 2px"><sup style="font-size:70%;color:#555">${s.typeName}</sup>${esc(p.text.slice(s.start, s.end))}</span>`;
      at = s.end;
    }
    body += esc(p.text.slice(at));
    const answers = p.spans.map((s, i) => `<li><b>${s.typeName}</b>: <code>${esc(JSON.stringify(s.answer))}</code></li>`).join('');
    return (
      `<div style="border:1px solid #ddd;padding:8px;margin:8px 0;font-family:sans-serif">` +
      `<div style="color:#666;font-size:85%">document ${p.documentIndex}, example ${p.exampleIndex}: ${p.spans.length} spans, ${p.length} tokens</div>` +
      `<div style="margin:6px 0;line-height:1.7">${body}</div>` +
      `<div style="font-size:85%"><b>context</b>: <code>${esc(p.context)}</code></div>` +
      `<ol style="font-size:85%;margin:4px 0">${answers}</ol></div>`
    );
  });
  return `<div>${legend}</div>${blocks.join('')}`;
}
