/**
 * Where a small ILM's attention heads look, for reading why it does or does not use the words beside a blank.
 * For a few one-blank sentences: per layer and head, the mean weight a position gives to the position before
 * it (a previous-token head puts most weight there), and the weights the separator gives to the blank and to
 * its left and right neighbours (an ILM that reads the context must move information from there to the answer).
 *
 *   node --import tsx bench/ilm-context/attention.ts MODEL_DIR
 *
 * The forward pass is written out here in plain TypeScript because the TF.js model returns logits only; for the
 * tiny preset and sentences of ten tokens it takes well under a second. It follows src/model/gpt2.ts (pre-norm
 * blocks, GELU's tanh form, causal softmax attention scaled by 1/sqrt(head width)).
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel, readConfig, readWeights } from '../../src/model/checkpoint';
import { initBackend } from '../../src/runtime/backend';
import { infillPrompt } from '../../src/infill/infill';
import { INFILL_DOCUMENT } from '../../src/tokenize/gpt2-bpe';

const SENTENCES = [
  'He [MASK] to school every day.',
  'She drank a cup of [MASK] before breakfast.',
  'My brother [MASK] in a big city and he works in a bank.',
  'Yesterday we [MASK] to the cinema with our friends.',
];

type Vec = Float32Array;

function layerNorm(x: Vec[], w: Vec, b: Vec, eps: number): Vec[] {
  return x.map((v) => {
    const mean = v.reduce((a, c) => a + c, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, c) => a + (c - mean) ** 2, 0) / v.length + eps);
    return Float32Array.from(v, (c, i) => ((c - mean) / sd) * w[i] + b[i]);
  });
}

/** y = x W + b with W stored [in, out] (Conv1D layout). */
function affine(x: Vec, w: Vec, b: Vec): Vec {
  const out = b.length;
  const y = Float32Array.from(b);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    for (let j = 0; j < out; j++) y[j] += xi * w[i * out + j];
  }
  return y;
}

const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/**
 * Per layer and head: [mean weight on i-1, separator's weight on blank, on blank-1, on blank+1]; and the
 * logits at the separator, to check this forward pass against the model's.
 */
function attentionFigures(dir: string, text: string): { rows: number[][]; logits: Vec; prompt: number[] } {
  const config = readConfig(dir);
  const W = readWeights(dir, config);
  const get = (name: string) => {
    const v = W.get(name);
    if (!v) throw new Error(`${dir}: weight ${name} missing`);
    return v;
  };
  const C = config.n_embd;
  const H = config.n_head;
  const D = C / H;
  const { prompt } = infillPrompt(text);
  const T = prompt.length;
  const sep = T - 1;
  const blank = prompt.findIndex((t) => t >= INFILL_DOCUMENT);
  const wte = get('transformer.wte.weight');
  const wpe = get('transformer.wpe.weight');
  let x: Vec[] = prompt.map((tok, pos) => Float32Array.from({ length: C }, (_, i) => wte[tok * C + i] + wpe[pos * C + i]));
  const rows: number[][] = [];
  for (let l = 0; l < config.n_layer; l++) {
    const p = `transformer.h.${l}.`;
    const h = layerNorm(x, get(`${p}ln_1.weight`), get(`${p}ln_1.bias`), config.layer_norm_epsilon);
    const qkv = h.map((v) => affine(v, get(`${p}attn.c_attn.weight`), get(`${p}attn.c_attn.bias`)));
    const mixed = Array.from({ length: T }, () => new Float32Array(C));
    for (let head = 0; head < H; head++) {
      let previous = 0;
      const atSep = [0, 0, 0];
      for (let i = 0; i < T; i++) {
        const scores: number[] = [];
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += qkv[i][head * D + d] * qkv[j][C + head * D + d];
          scores.push(s / Math.sqrt(D));
        }
        const top = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - top));
        const z = e.reduce((a, c) => a + c, 0);
        for (let j = 0; j <= i; j++) for (let d = 0; d < D; d++) mixed[i][head * D + d] += (e[j] / z) * qkv[j][2 * C + head * D + d];
        if (i > 0) previous += e[i - 1] / z;
        if (i === sep) [blank, blank - 1, blank + 1].forEach((j, k) => (atSep[k] = j >= 0 && j <= i ? e[j] / z : 0));
      }
      rows.push([previous / (T - 1), ...atSep]);
    }
    const attn = mixed.map((v) => affine(v, get(`${p}attn.c_proj.weight`), get(`${p}attn.c_proj.bias`)));
    x = x.map((v, i) => Float32Array.from(v, (c, k) => c + attn[i][k]));
    const h2 = layerNorm(x, get(`${p}ln_2.weight`), get(`${p}ln_2.bias`), config.layer_norm_epsilon);
    const mlp = h2.map((v) => affine(affine(v, get(`${p}mlp.c_fc.weight`), get(`${p}mlp.c_fc.bias`)).map(gelu), get(`${p}mlp.c_proj.weight`), get(`${p}mlp.c_proj.bias`)));
    x = x.map((v, i) => Float32Array.from(v, (c, k) => c + mlp[i][k]));
  }
  const final = layerNorm([x[sep]], get('transformer.ln_f.weight'), get('transformer.ln_f.bias'), config.layer_norm_epsilon)[0];
  const logits = new Float32Array(config.vocab_size);
  for (let t = 0; t < config.vocab_size; t++) {
    let s = 0;
    for (let i = 0; i < C; i++) s += final[i] * wte[t * C + i];
    logits[t] = s;
  }
  return { rows, logits, prompt };
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: attention.ts MODEL_DIR');
    process.exit(2);
  }
  await initBackend();
  const model = loadModel(dir);
  const figures = SENTENCES.map((s) => attentionFigures(dir, s));
  let largest = 0;
  for (const f of figures) {
    const ids = tf.tensor2d([f.prompt], [1, f.prompt.length], 'int32');
    const ours = model.logitsAt(ids, [f.prompt.length - 1]);
    const ref = ours.dataSync();
    f.logits.forEach((v, i) => (largest = Math.max(largest, Math.abs(v - ref[i]))));
    tf.dispose([ids, ours]);
  }
  model.dispose();
  // a wrong forward pass here would make the attention figures meaningless
  if (largest > 1e-3) throw new Error(`this forward pass differs from the model's at the separator by ${largest}`);
  const all = figures.map((f) => f.rows);
  const heads = readConfig(dir).n_head;
  console.log(`${dir}: mean over ${SENTENCES.length} one-blank sentences (logits at the separator agree with the model's within ${largest.toExponential(1)})`);
  console.log('layer head   on previous token   separator on: blank   left neighbour   right neighbour');
  all[0].forEach((_, r) => {
    const m = all[0][r].map((__, k) => all.reduce((a, rows) => a + rows[r][k], 0) / all.length);
    console.log(`${String(Math.floor(r / heads)).padStart(5)} ${String(r % heads).padStart(4)}   ${m[0].toFixed(3).padStart(17)}   ${m[1].toFixed(3).padStart(18)}   ${m[2].toFixed(3).padStart(14)}   ${m[3].toFixed(3).padStart(15)}`);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
