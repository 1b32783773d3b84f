/**
 * Opening example sets for training and evaluation: EXAMPLES_DIR/<tag> is an example store written by
 * `cefrlab examples` (src/ilm/store.ts). Also finds the single-mask-type test sets beside the hierarchical one
 * (their store header says which mask they use) and the CEFR level an example set was prepared for (from the
 * `prepare` manifest of the split file it was built from).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { ExampleStore, STORE_FILE, StoreHeader } from './store';
import type { StoreSource } from './store';

export interface OpenedExamples {
  dir: string;
  header: StoreHeader;
  source: StoreSource;
  /** The CEFR level the split was prepared for, null for all levels, undefined when unknown. */
  level: string | null | undefined;
}

/** The CEFR level recorded by `prepare` for the split a store was built from. */
export function storeLevel(header: StoreHeader): string | null | undefined {
  if ('level' in header) return header.level ?? null;
  // stores written before the level was part of the header name the split file by its path
  const manifest = path.join(path.dirname(header.source.file), 'manifest.json');
  try {
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { options?: { cefrLevel?: string | null } };
    return m.options ? (m.options.cefrLevel ?? null) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Open EXAMPLES_DIR/<tag> (or a store directory or file given directly when tag is null). With `seqLen`, the
 * sequences are built at that length (shortened around their blanks, src/ilm/sequence.ts) instead of the stored one.
 */
export function openExamples(examplesDir: string, tag: string | null, seqLen?: number): OpenedExamples {
  const dir = tag ? path.join(examplesDir, tag) : examplesDir;
  if (!fs.existsSync(dir)) {
    const have = fs.existsSync(examplesDir) ? fs.readdirSync(examplesDir).filter((n) => fs.existsSync(path.join(examplesDir, n, STORE_FILE))) : [];
    throw new UserError(
      `${dir}: no example set "${tag}". Fix: build it with \`cefrlab examples ${tag ?? 'SPLIT'} DATA_DIR ${examplesDir}\`` +
        (have.length ? `, or use one of the sets there: ${have.join(', ')}` : ''),
    );
  }
  const store = ExampleStore.open(dir);
  try {
    const source = store.loadSource(seqLen);
    return { dir, header: store.header, source, level: storeLevel(store.header) };
  } finally {
    store.close();
  }
}

/**
 * Single-mask-type example sets in EXAMPLES_DIR built from the same split as `tag` (header split equal, mask not
 * hierarchical), e.g. test-word, test-sentence. Sorted in the spec's order document .. word.
 */
export function singleTypeSets(examplesDir: string, tag: string): Array<{ mask: string; name: string }> {
  if (!fs.existsSync(examplesDir)) return [];
  const order = ['document', 'paragraph', 'sentence', 'ngram', 'word'];
  const out: Array<{ mask: string; name: string }> = [];
  let split: string | null = null;
  try {
    const main = ExampleStore.open(path.join(examplesDir, tag));
    split = main.header.split;
    main.close();
  } catch {
    return [];
  }
  for (const name of fs.readdirSync(examplesDir).sort()) {
    if (name === tag || !fs.existsSync(path.join(examplesDir, name, STORE_FILE))) continue;
    try {
      const s = ExampleStore.open(path.join(examplesDir, name));
      const { mask } = s.header.masking;
      if (s.header.split === split && mask !== 'hierarchical' && s.header.task === 'ilm') out.push({ mask, name });
      s.close();
    } catch {
      /* not a readable store: not ours to judge here */
    }
  }
  return out.sort((a, b) => order.indexOf(a.mask) - order.indexOf(b.mask));
}
