/**
 * `pipeline init`: the guide's full EFCAMDAT run as a pipeline file (six datasets, hierarchical and single-type
 * test sets, six GPT-2 models with the guide's training settings, test evaluations, the cross-model comparison
 * and the harness), or a tiny version of it on the embedded data that runs on a laptop in a few minutes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { writeFileAtomic } from '../runtime/atomic';
import { defaultCsv } from '../runtime/paths';
import { parsePipeline, type CommandCatalog } from './schema';

export type Preset = 'guide' | 'tiny';

export interface InitOptions {
  csv?: string;
  out: string;
  workdir?: string;
  preset?: Preset;
  partition?: string;
  account?: string;
  force?: boolean;
}

/** Section headers of the guide's training commands: steps per model (4.2-4.7) and hours on a V100 (appendix). */
const GUIDE_STEPS: Record<string, { steps: number; hours: string }> = {
  all: { steps: 60000, hours: '14-16' },
  A1: { steps: 50000, hours: '10-12' },
  A2: { steps: 40000, hours: '8-10' },
  B1: { steps: 30000, hours: '6-8' },
  B2: { steps: 20000, hours: '4-5' },
  C1: { steps: 10000, hours: '2-3' },
};

function rel(from: string, file: string): string {
  const r = path.relative(from, file);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : file;
}

function yamlString(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : JSON.stringify(s);
}

export function guidePipelineText(o: { csv: string; workdir: string; partition?: string; account?: string; file?: string }): string {
  const me = o.file ?? 'THIS_FILE';
  const perModel = Object.entries(GUIDE_STEPS)
    .map(([ds, v]) => `      ${ds}: { max-steps: ${v.steps} }${' '.repeat(Math.max(1, 5 - ds.length))}# guide 4.${['C1', 'B2', 'B1', 'A2', 'A1', 'all'].indexOf(ds) + 2}: ${v.hours} h on a V100`)
    .join('\n');
  return `# The EFCAMDAT guide's full run as a cefrlab pipeline (schema: docs/pipeline.md).
#   npx cefrlab pipeline plan ${me}                  # jobs, dependencies, what is up to date
#   npx cefrlab pipeline run ${me} --executor local  # on this machine
#   npx cefrlab pipeline run ${me} --executor slurm  # sbatch: job arrays, afterok dependencies
# Paths are relative to this file. Step options are the options of the cefrlab command of the step.
version: 1
csv: ${yamlString(o.csv)}
workdir: ${yamlString(o.workdir)}        # every output and the pipeline's own state (.pipeline/) go here
general: true                           # the general model on all levels (guide 2.8, 4.7)
levels: [A1, A2, B1, B2, C1]            # one dataset and one model per level (guide 2.3-2.7); EFCAMDAT has no C2

steps:
  prepare:                              # cefrlab prepare --csv CSV --out data/<dataset> [--cefr-level L]
    options: { seed: 0 }                # stratified 80/10/10 by CEFR level x L1
    resources: { cpus: 2, mem: 16G, time: "01:00:00" }

  examples:                             # cefrlab examples <split> data/<dataset> examples/<dataset> [--name SET]
    options: { seed: 0 }                # 16 examples per document, hierarchical masks, p = 0.03
    sets:
      train: { split: train }
      valid: { split: valid }
      test: { split: test }
      test-document: { split: test, options: { mask: document } }     # single-type test sets (guide 5, spec 5)
      test-paragraph: { split: test, options: { mask: paragraph } }
      test-sentence: { split: test, options: { mask: sentence } }
      test-ngram: { split: test, options: { mask: ngram } }
      test-word: { split: test, options: { mask: word } }
    resources: { cpus: 8, mem: 32G, time: "02:00:00" }

  train:                                # cefrlab train models/<dataset> examples/<dataset>  (guide 4.2-4.7)
    options:
      model: gpt2                       # GPT-2 base, 124M parameters
      seed: 0
      train-tag: train
      eval-tag: valid
      eval-max-examples: 500
      batch-size: 8                     # gradient accumulation: train's default (3, as the reference code)
      epochs: 1                         # and the guide's step counts, whichever comes first:
    datasets:
${perModel}
    resources: { gpus: 1, cpus: 4, mem: 32G, time: "20:00:00" }   # one array for all six models: the longest time

  eval:                                 # cefrlab eval models/<dataset> examples/<dataset> --out results/eval/<dataset>.json
    options: { tag: test, max-examples: 1000, seed: 0 }           # guide 5.1-5.6; the single-type sets too
    resources: { gpus: 1, cpus: 4, mem: 16G, time: "02:00:00" }

  compare:                              # every model on every level's test set (guide 5.7)
    options: { tag: test, max-examples: 1000, seed: 0 }
    resources: { gpus: 1, cpus: 4, mem: 16G, time: "06:00:00" }

  ilm-eval:                             # the harness on the held-out test split (guide 6.1, 6.3)
    dataset: all
    split: test
    options: { n-masks: 1, samples-per-text: 5, max-chars: 500, limit: 1000, seed: 42, masking: human-tokens }
    resources: { gpus: 1, cpus: 4, mem: 16G, time: "04:00:00" }

slurm:
  name: efcamdat                        # job names efcamdat-<step>
  defaults: {${o.partition ? ` partition: ${o.partition},` : ''}${o.account ? ` account: ${o.account},` : ''} cpus: 2, mem: 8G, time: "01:00:00" }
  setup: []                             # shell lines run first in every job, e.g. ["module load nodejs/20"]
  # node: /usr/bin/node                 # the node binary on the compute nodes (default: the one submitting)
`;
}

/** The same graph at toy size on the embedded data: the general model and B1, a few training steps. */
export function tinyPipelineText(o: { csv: string; workdir: string }): string {
  return `# A tiny version of the guide's run on the embedded data (minutes on a CPU). Schema: docs/pipeline.md.
version: 1
csv: ${yamlString(o.csv)}
workdir: ${yamlString(o.workdir)}
general: true
levels: [B1]
steps:
  prepare:
    options: { seed: 0, sample-size: 60 }
    datasets: { B1: { sample-size: 40 } }
    resources: { cpus: 1, mem: 500M, time: "00:10:00" }
  examples:
    options: { seed: 0, examples-per-doc: 2, seq-len: 128, workers: 0 }
    sets:
      train: { split: train }
      valid: { split: valid }
      test: { split: test }
      test-word: { split: test, options: { mask: word } }
    resources: { cpus: 1, mem: 500M, time: "00:10:00" }
  train:
    options: { model: tiny, seed: 0, max-steps: 2, batch-size: 2, accum: 1, eval-max-examples: 4 }
    resources: { cpus: 1, mem: 1G, time: "00:10:00" }
  eval:
    options: { tag: test, max-examples: 8, batch-size: 4 }
    resources: { cpus: 1, mem: 1G, time: "00:10:00" }
  compare:
    options: { tag: test, max-examples: 8, batch-size: 4 }
    resources: { cpus: 1, mem: 1G, time: "00:10:00" }
  ilm-eval:
    dataset: all
    split: test
    options: { limit: 3, samples-per-text: 1, max-chars: 200, max-new-tokens: 8, seed: 42 }
    resources: { cpus: 1, mem: 1G, time: "00:10:00" }
slurm:
  name: cefrlab-tiny
`;
}

/** Write the pipeline file (checked against the CLI's commands `cat`); returns its path. */
export function initPipeline(o: InitOptions, cat: CommandCatalog): string {
  const out = path.resolve(o.out);
  if (fs.existsSync(out) && !o.force) throw new UserError(`${o.out}: exists. Fix: choose another --out, or add --force to replace it`);
  const dir = path.dirname(out);
  const preset = o.preset ?? 'guide';
  const csvGiven = o.csv ?? (preset === 'tiny' ? defaultCsv : undefined);
  if (!csvGiven) throw new UserError('--csv is required for the guide\'s run. Fix: pass your EFCAMDAT export, e.g. --csv EFCAMDAT.csv');
  const csv = rel(dir, path.resolve(csvGiven));
  const workdir = rel(dir, path.resolve(o.workdir ?? (preset === 'tiny' ? 'experiments/pipeline-tiny' : 'experiments/efcamdat')));
  const text = preset === 'tiny' ? tinyPipelineText({ csv, workdir }) : guidePipelineText({ csv, workdir, partition: o.partition, account: o.account, file: path.basename(out) });
  parsePipeline(text, out, cat); // what we write must load
  writeFileAtomic(out, text);
  return out;
}
