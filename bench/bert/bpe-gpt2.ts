/**
 * Our byte-level BPE (src/tokenize/byte-bpe.ts) on a real 50k vocabulary: GPT-2's, against gpt-tokenizer's
 * r50k_base encoder (a separate implementation, tiktoken's rank-by-merged-token scheme, which is valid for
 * GPT-2 because its ids are its merge order).
 *
 * GPT-2's vocab.json is not shipped by gpt-tokenizer, only its rank table (id -> bytes); merges.txt is
 * rebuilt from it: for each token in id order from 256, our BPE with the merges so far must split its bytes
 * into exactly two symbols, which are its merge. Then every CEFR-ASAG text (and the hard cases of
 * bench/bert/parity-roberta.ts) is encoded both ways and the ids compared. Also prints our tokenizer's speed on
 * the full vocabulary.
 *
 *   node --import tsx bench/bert/bpe-gpt2.ts
 */
import { performance } from 'node:perf_hooks';
import { ByteBpeTokenizer, byteToUnicode } from '../../src/tokenize/byte-bpe';
import { learnerTexts } from './common';

/* eslint-disable @typescript-eslint/no-require-imports */
const ranksModule = require('gpt-tokenizer/cjs/bpeRanks/r50k_base') as { default?: Array<string | number[]> };
const r50k = require('gpt-tokenizer/cjs/encoding/r50k_base') as { encode: (t: string, o?: object) => number[] };
const ranks = (ranksModule.default ?? ranksModule) as Array<string | number[]>;

const HARD_TEXTS = [
  'Caf\u00E9 na\u00EFve R\u00C9SUM\u00C9 \u00C5ngstr\u00F6m', 'ah\u535A\u63A8zz \u3053\u3093\u306B\u3061\u306F', 'soft\u00ADhyphen zero\u200Bwidth tab\there',
  'nbsp\u00A0x  two   three\t\ttabs\n\nlines\r\nwindows', '"quotes" \u2014 dashes \u2013 and \u00ABguillemets\u00BB...', '$5.00 + 3^2 = `x` ~ 100%',
  'e\u0301 vs \u00E9', "I'm, you're, we've, they'll, he'd, it's, don't; 'quoted' O'Neil", "I'M YOU'RE 'S", ' leading space', 'trailing spaces   ',
  '\u{1F600}\u{1F44D}\u{1F3FD} emoji', '\u0661\u0662\u0663 \u00BD \u2167 digits', '<s> </s> <pad> <mask> <unk>', 'a'.repeat(300), '',
];

function main(): void {
  const table = byteToUnicode();
  const chars = (v: string | number[]) => [...(typeof v === 'string' ? Buffer.from(v, 'utf8') : Uint8Array.from(v))].map((b) => table[b]).join('');
  const vocab = new Map<string, number>();
  ranks.forEach((v, id) => vocab.set(chars(v), id));
  vocab.set('<|endoftext|>', 50256);
  const special = { unkToken: '<|endoftext|>', clsToken: '<|endoftext|>', sepToken: '<|endoftext|>', padToken: '<|endoftext|>' };

  // Rebuild merges.txt. The tokenizer reads the Map it is given, so merges added here apply to the next token;
  // every token's bytes are a different word, so its per-word cache never serves a stale split.
  const t0 = performance.now();
  const merges = new Map<string, number>();
  const builder = new ByteBpeTokenizer(vocab, merges, special);
  let unsplittable = 0;
  for (let id = 256; id < ranks.length; id++) {
    const parts = builder.bpe(chars(ranks[id]));
    if (parts.length !== 2) {
      unsplittable++;
      continue;
    }
    merges.set(`${parts[0]} ${parts[1]}`, merges.size);
  }
  const rebuildMs = performance.now() - t0;

  const tok = new ByteBpeTokenizer(vocab, merges, special);
  const texts = [...learnerTexts(100_000), ...HARD_TEXTS];
  let differ = 0;
  let ids = 0;
  for (const t of texts) {
    const ours = tok.encode(t, 1_000_000).ids.slice(1, -1);
    const theirs = r50k.encode(t, { disallowedSpecial: new Set() });
    ids += ours.length;
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
      differ++;
      if (differ <= 5) console.log(`difference on ${JSON.stringify(t.slice(0, 60))}:\n  ours ${JSON.stringify(ours.slice(0, 30))}\n  gpt-tokenizer ${JSON.stringify(theirs.slice(0, 30))}`);
    }
  }
  // Speed: a fresh tokenizer (empty word cache), then the same texts again (cache warm).
  const fresh = new ByteBpeTokenizer(vocab, merges, special);
  const s0 = performance.now();
  for (const t of texts) fresh.encode(t, 512);
  const coldMs = performance.now() - s0;
  const s1 = performance.now();
  for (const t of texts) fresh.encode(t, 512);
  const warmMs = performance.now() - s1;
  console.log(`merges rebuilt: ${merges.size} from ${ranks.length - 256} tokens (${unsplittable} not a single merge) in ${(rebuildMs / 1000).toFixed(1)} s`);
  console.log(`ids: ${texts.length} texts, ${ids} ids, ${differ} texts differ from gpt-tokenizer r50k_base`);
  console.log(`speed: ${texts.length} texts in ${coldMs.toFixed(0)} ms with an empty word cache, ${warmMs.toFixed(0)} ms warm`);
  if (differ > 0 || unsplittable > 0) process.exitCode = 1;
}

main();
