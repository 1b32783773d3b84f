/**
 * Encoder specs: `features`, `bert:DIR`, `roberta:DIR`, `ilm:EXP_DIR`, `perplexity:EXP_A,EXP_B,...`, joined with `+`
 * (`features+perplexity:A,B,C`): the combined encoder concatenates the parts' vectors in spec order. The heavy
 * encoders (TensorFlow.js models) are imported only when a spec names them.
 */
import { sha256 } from '../runtime/hash';
import { UserError } from '../runtime/errors';
import type { Encoder, EncodeOptions } from './encoder';

export type EncoderPart =
  | { kind: 'features'; set?: 'rates' | 'transfer' }
  | { kind: 'bert'; dir: string }
  | { kind: 'roberta'; dir: string }
  | { kind: 'ilm'; dir: string }
  | { kind: 'perplexity'; dirs: string[] };

const FIX = 'write e.g. --encoder features (or features:rates, without the length counts, or features:transfer, the features meant to carry across corpora), bert:/models/bert-base-uncased, roberta:/models/roberta-base, ilm:data/models/base, perplexity:experiments/03-training/A2,experiments/03-training/B1, or parts joined with + (features+ilm:data/models/base)';

/** Parse a spec into its parts; a UserError says what is wrong and shows the forms. */
export function parseEncoderSpec(spec: string): EncoderPart[] {
  if (spec.trim() === '') throw new UserError(`--encoder is empty. Fix: ${FIX}`);
  return spec.split('+').map((raw) => {
    const part = raw.trim();
    if (part === 'features') return { kind: 'features' };
    if (part === 'features:rates') return { kind: 'features', set: 'rates' };
    if (part === 'features:transfer') return { kind: 'features', set: 'transfer' };
    const colon = part.indexOf(':');
    const kind = colon < 0 ? part : part.slice(0, colon);
    const arg = colon < 0 ? '' : part.slice(colon + 1).trim();
    if (kind === 'bert' || kind === 'roberta' || kind === 'ilm') {
      if (!arg) throw new UserError(`encoder "${part}" needs a directory after "${kind}:". Fix: ${FIX}`);
      return { kind, dir: arg };
    }
    if (kind === 'perplexity') {
      const dirs = arg.split(',').map((d) => d.trim()).filter(Boolean);
      if (dirs.length === 0) throw new UserError(`encoder "${part}" needs one or more experiment directories after "perplexity:", comma-separated. Fix: ${FIX}`);
      return { kind, dirs };
    }
    throw new UserError(`unknown encoder "${part}" in "${spec}". Fix: ${FIX}`);
  });
}

export interface CreateEncoderOptions {
  /** Tokens per text for bert and roberta (default 450) and ilm (default: the model's positions). */
  maxTokens?: number;
}

/** A combined encoder keeps its parts, so that the cache stores and serves each part's vectors on its own. */
export interface CombinedEncoder extends Encoder {
  readonly parts: readonly Encoder[];
}

export function isCombined(e: Encoder): e is CombinedEncoder {
  return Array.isArray((e as Partial<CombinedEncoder>).parts);
}

/** Concatenate encoders: the vector of a text is the parts' vectors one after another. */
export function combineEncoders(spec: string, parts: Encoder[]): Encoder {
  if (parts.length === 1) return parts[0];
  const dim = parts.reduce((a, p) => a + p.dim, 0);
  const names = parts.flatMap((p, i) => (p.names ? p.names.map((n) => `${p.spec.split(':')[0]}.${n}`) : Array.from({ length: p.dim }, (_, j) => `${p.spec.split(':')[0]}${i}.${j}`)));
  const combined: CombinedEncoder = {
    parts,
    spec,
    id: sha256(JSON.stringify({ combined: parts.map((p) => p.id) })),
    dim,
    names,
    trainedOn: () => parts.flatMap((p) => p.trainedOn?.() ?? []),
    async encode(texts: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
      const each: Float32Array[][] = [];
      for (let i = 0; i < parts.length; i++) {
        each.push(await parts[i].encode(texts, { onProgress: (d, t) => opts.onProgress?.(Math.round(((i + d / t) / parts.length) * t), t) }));
      }
      return texts.map((_, r) => {
        const v = new Float32Array(dim);
        let o = 0;
        for (const e of each) {
          v.set(e[r], o);
          o += e[r].length;
        }
        return v;
      });
    },
    dispose() {
      for (const p of parts) p.dispose?.();
    },
  };
  return combined;
}

/**
 * Build the encoder of a spec. TensorFlow.js encoders need a backend: entry points call `initBackend()`
 * (src/runtime/backend.ts) first.
 */
export async function createEncoder(spec: string, opts: CreateEncoderOptions = {}): Promise<Encoder> {
  const parts = parseEncoderSpec(spec);
  const built: Encoder[] = [];
  try {
    for (const p of parts) {
      if (p.kind === 'features') {
        const { createFeaturesEncoder } = (require('./encoder-features') as typeof import('./encoder-features'));
        built.push(createFeaturesEncoder(p.set ?? 'all'));
      } else if (p.kind === 'bert') {
        const { createBertEncoder } = (require('./encoder-bert') as typeof import('./encoder-bert'));
        built.push(await createBertEncoder(p.dir, { maxTokens: opts.maxTokens }));
      } else if (p.kind === 'roberta') {
        const { createRobertaEncoder } = (require('./encoder-bert') as typeof import('./encoder-bert'));
        built.push(await createRobertaEncoder(p.dir, { maxTokens: opts.maxTokens }));
      } else if (p.kind === 'ilm') {
        const { createIlmEncoder } = (require('./encoder-ilm') as typeof import('./encoder-ilm'));
        built.push(await createIlmEncoder(p.dir, { maxTokens: opts.maxTokens }));
      } else {
        const { createPerplexityEncoder } = (require('./encoder-perplexity') as typeof import('./encoder-perplexity'));
        built.push(await createPerplexityEncoder(p.dirs, { log: true }));
      }
    }
  } catch (err) {
    for (const e of built) e.dispose?.();
    throw err;
  }
  return combineEncoders(spec, built);
}
