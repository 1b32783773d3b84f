/**
 * The README.md of an exported base model, written from its manifest (src/pretrain/pretrain.ts) and the command
 * that rebuilds it: what it is, how each stage trained, the data, the held-out perplexities, the licence.
 */

/** A perplexity for a table ('-' when there were no tokens). */
export function fmt(x: number | null): string {
  return x === null ? '-' : x.toFixed(2);
}

function pctOf(x: number | undefined): string {
  return x === undefined ? '100 %' : `${Math.round(100 * x)} %`;
}

type Validation = Record<string, { infillTextPerplexity: number | null; contextPerplexity: number | null; infillPerplexity: number | null; examples: number }>;

/** What the manifest keeps of an earlier stage (stage1, stage2, stage3), or of the last one (top level). */
interface StageRecord {
  checkpoint: { step: number; tokensSeen: number };
  training: { wallSecondsToCheckpoint: number | null; backend?: { description?: string } };
  validation: Validation;
}

interface ReadmeOptions {
  contextSample: number; batchSize: number; seqLen: number; lr: number; warmupSteps: number; schedule: string; p: number; maxWords: number; sentencesPerDoc: number; dropout: number;
  wordMaxWords: number; wordSeqLen: number; wordBatchSize: number; wordLr: number; wordWarmupSteps: number; wordMix: boolean; wordLayers?: number; wordContextSample?: number;
  longMaxWords?: number; longSeqLen?: number; longBatchSize?: number; longLr?: number; longWarmupSteps?: number; longContextSample?: number;
  denseP?: number; denseFunctionP?: number; denseLr?: number;
}

const minutes = (x: number | null | undefined) => (x == null ? '?' : (x / 60).toFixed(0));

/** " with the context at N % of its targets" when a later stage's share differs from stage 1's. */
function contextShare(share: number | undefined, stage1: number): string {
  return share !== undefined && share !== stage1 ? ` with the context at ${pctOf(share)} of its targets` : '';
}

/**
 * One bullet per stage: stage 1 (hierarchical masks), stage 2 (word blanks, short pieces), stage 3 (word blanks,
 * longer pieces), stage 4 (several word blanks a piece).
 */
function trainingLines(m: Record<string, unknown>, o: ReadmeOptions): string[] {
  const last = m as unknown as StageRecord;
  const s1 = m.stage1 as StageRecord | undefined;
  const s2 = m.stage2 as StageRecord | undefined;
  const s3 = m.stage3 as StageRecord | undefined;
  const platform = String((m.versions as { platform: string }).platform);
  const backend = last.training.backend?.description?.split(' (')[0] ?? '?';
  const stage1Objective = `infill mean + context mean, the context taken at a random ${pctOf(o.contextSample)} of its targets each step ` +
    `(every answer target counts); batch ${o.batchSize} x ${o.seqLen}, AdamW at ${o.lr} after ${o.warmupSteps} warm-up steps, ${o.schedule === 'cosine' ? 'cosine decay to a tenth' : 'constant'}`;
  if (!s1) {
    return [
      `- training: ${last.checkpoint.step} optimizer steps (the checkpoint shipped), ${last.checkpoint.tokensSeen.toLocaleString('en-US')} token positions (padding included), ` +
        `${minutes(last.training.wallSecondsToCheckpoint)} minutes on ${platform}; backend ${backend}`,
      `- objective and schedule: ${stage1Objective}`,
    ];
  }
  const done = (r: StageRecord, batch: number, len: number) =>
    `${r.checkpoint.step} optimizer steps of ${batch} x ${len}, ${r.checkpoint.tokensSeen.toLocaleString('en-US')} token positions, ${minutes(r.training.wallSecondsToCheckpoint)} minutes`;
  const mix = o.wordMix ? '; stage 1\'s hierarchical examples, cut to the same length, drawn in with them' : '';
  const stage2 = s2 ?? last;
  const lines = [
    `- training, stage 1 (hierarchical masks, p = ${o.p} at every level, from random weights): ${s1.checkpoint.step} optimizer steps, ${s1.checkpoint.tokensSeen.toLocaleString('en-US')} token positions (padding included), ${minutes(s1.training.wallSecondsToCheckpoint)} minutes; ${stage1Objective}`,
    `- training, stage 2 (word blanks, from stage 1's weights${(o.wordLayers ?? 0) > 0 ? ` grown to ${o.wordLayers} layers, the new blocks appended as the identity` : ''}: the same training documents in pieces of at most ${o.wordMaxWords} words, each example blanking one word${mix}): ` +
      `${done(stage2, o.wordBatchSize, o.wordSeqLen)}; the same loss${contextShare(o.wordContextSample, o.contextSample)}, AdamW at ${o.wordLr} after ${o.wordWarmupSteps} warm-up steps, cosine decay to a tenth`,
  ];
  const loss3 = `the same loss${contextShare(o.longContextSample, o.contextSample)}`;
  if (s2) {
    lines.push(`- training, stage 3 (word blanks in longer pieces, from stage 2's weights: pieces of at most ${o.longMaxWords} words, each example blanking one word${mix}): ` +
      `${done(s3 ?? last, o.longBatchSize!, o.longSeqLen!)}; ${loss3}, AdamW at ${o.longLr} after ${o.longWarmupSteps} warm-up steps, cosine decay to a tenth`);
  }
  if (s3) {
    lines.push(`- training, stage 4 (several word blanks a piece, from stage 3's weights: stage 3's pieces, function words blanked with probability ${o.denseFunctionP} and other words with ${o.denseP}, each its own blank${mix}): ` +
      `${done(last, o.longBatchSize!, o.longSeqLen!)}; ${loss3}, AdamW at ${o.denseLr} after ${o.longWarmupSteps} warm-up steps, cosine decay to a tenth`);
  }
  lines.push(`- ${s3 ? 'all four' : s2 ? 'all three' : 'both'} on ${platform}, backend ${backend}`);
  return lines;
}

/** The README.md of an exported base model, from its manifest and the command that rebuilds it. */
export function baseModelReadme(m: Record<string, unknown>, command: string): string {
  const model = m.model as { config: { n_layer: number; n_embd: number; n_head: number; n_positions: number }; parameters: number; preset: string };
  const o = m.options as ReadmeOptions;
  const parts = (m.data as { corpora: Array<{ corpus: string; pieces: { train: number; valid: number }; words: { train: number; valid: number } }> }).corpora;
  const header = ['| held out | examples | context | infill | infill text only |', '|---|---|---|---|---|'];
  const table = (val: Validation) => Object.entries(val).map(([k, x]) => `| ${k} | ${x.examples} | ${fmt(x.contextPerplexity)} | ${fmt(x.infillPerplexity)} | ${fmt(x.infillTextPerplexity)} |`);
  const earlier = (name: string, r: StageRecord | undefined) => (r ? [`After ${name}, on the same examples:`, '', ...header, ...table(r.validation), ''] : []);
  return [
    '# Base ILM model',
    '',
    'An infilling GPT-2 (ILM, Donahue, Lee & Liang 2020) pretrained from random weights with this project\'s own code on',
    'the embedded English that is not the learner test corpus: the Brown corpus, the ELLIPSE essays, OneStopEnglish and',
    'the CEFR-SP sentences (never CEFR-ASAG, on which the notebooks evaluate). It trained on ILM examples with',
    'hierarchical masks, so it has learnt the blank, separator and end-of-answer tokens along with English (how well: the perplexities below and notebook 05). Every notebook model and',
    '`cefrlab train --init base` start from it, as the guide fine-tunes every model from GPT-2.',
    '',
    `- architecture: preset \`${model.preset}\`, ${model.config.n_layer} layers, ${model.config.n_embd} wide, ${model.config.n_head} heads, ${model.config.n_positions} positions, ${model.parameters.toLocaleString('en-US')} parameters`,
    ...trainingLines(m, o),
    '- storage: `model.safetensors` in float16 (the loader widens it to float32); `config.json` in the Hugging Face layout',
    '  (`GPT2LMHeadModel.from_pretrained` opens the folder; the tokenizer is GPT-2\'s plus the seven ILM tokens, ids 50257-50263)',
    `- dropout: ${o.dropout} while pretraining, and the same in \`config.json\`, so fine-tuning continues as pretraining ran ` +
      '(GPT-2\'s 0.1 undid much of what the word blanks taught: BENCHMARKS.md)',
    '- `manifest.json`: options, seed, hashes of every input file, steps, backend, versions and the numbers below',
    '',
    `Training data (pieces of at most ${o.maxWords} words cut at paragraph or sentence ends; CEFR-SP: ${o.sentencesPerDoc} sentences a piece; train + held-out, the held-out part chosen per corpus):`,
    '',
    '| corpus | pieces | words |',
    '|---|---|---|',
    ...parts.map((p) => `| ${p.corpus} | ${p.pieces.train} + ${p.pieces.valid} | ${p.words.train} + ${p.words.valid} |`),
    '',
    'Validation perplexities on the held-out part of each corpus (one hierarchical-mask example per piece):',
    '',
    ...header,
    ...table(m.validation as Validation),
    '',
    ...earlier('stage 1 alone', m.stage1 as StageRecord | undefined),
    ...earlier('stage 2', m.stage2 as StageRecord | undefined),
    ...earlier('stage 3', m.stage3 as StageRecord | undefined),
    'Rebuild (about as long as it took here; resumes from its checkpoint when interrupted):',
    '',
    '```',
    command,
    '```',
    '',
    'Licences: the weights derive from CC BY-NC-SA 4.0 data (ELLIPSE, the SCoRE part of CEFR-SP) among others; see',
    '`data/README.md`. Non-commercial terms bind this model.',
    '',
  ].join('\n');
}
