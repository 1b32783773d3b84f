/**
 * manifest.json of a training run: options, model, backend, versions, data hashes and schedule, one entry per
 * (re)start in `runs`, and the result. Written when the run starts, whenever the micro-batch changes
 * (`--batch-size auto` after out-of-memory), and when it ends. Paths in it are relative to its own folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../runtime/atomic';
import { versions } from '../runtime/versions';
import type { GPT2Config } from '../model/config';
import { FINE_TUNING, FROM_SCRATCH, type ResolvedSchedule } from './schedule';

/**
 * A path as the run manifest records it: relative to the run's folder, with forward slashes, so that a run and
 * its data moved together (or cloned to another machine) keep a manifest that still points at them.
 */
export function manifestPath(expDir: string, p: string): string {
  return path.relative(path.resolve(expDir), path.resolve(p)).split(path.sep).join('/') || '.';
}

export interface RunManifestInput {
  file: string;
  started: number;
  seed: number;
  options: Record<string, unknown>;
  model: { config: GPT2Config; parameters: number; init: string | null; initWeights: string | null; preset: string | null };
  backend: unknown;
  data: Record<string, unknown>;
  stepsPerEpoch: number;
  totalSteps: number;
  examplesPerStep: number;
  requestedBatch: number | 'auto';
  schedule: ResolvedSchedule;
  resumedFromStep: number | null;
}

/** What the learning-rate schedule in force is, in words (for the manifest and the first log lines). */
export function scheduleApplies(schedule: ResolvedSchedule): string {
  if (schedule.name === 'given') return 'set explicitly';
  return schedule.name === 'fine-tuning'
    ? `fine-tuning default (--init given): ${FINE_TUNING.lr.toExponential()}, constant`
    : `from-scratch default (no --init): ${FROM_SCRATCH.lr.toExponential()}, warm-up, cosine decay to ${100 * FROM_SCRATCH.minLrRatio} %`;
}

export class RunManifest {
  private readonly doc: Record<string, unknown> & { runs: unknown[]; schedule: Record<string, unknown> };

  constructor(private readonly input: RunManifestInput) {
    const previous = fs.existsSync(input.file) ? (JSON.parse(fs.readFileSync(input.file, 'utf8')) as { runs?: unknown[] }) : null;
    const total = Number.isFinite(input.totalSteps) ? input.totalSteps : null;
    this.doc = {
      command: 'train',
      created: new Date(input.started).toISOString(),
      seed: input.seed,
      options: input.options,
      model: input.model,
      backend: input.backend,
      versions: versions(),
      data: input.data,
      schedule: {
        stepsPerEpoch: input.stepsPerEpoch, totalSteps: total, epochDefinition: 'one pass over the training examples',
        examplesPerStep: input.examplesPerStep, batchSize: null,
        learningRate: { ...input.schedule, totalSteps: total, applies: scheduleApplies(input.schedule) },
      },
      runs: [...(previous?.runs ?? []), { started: new Date(input.started).toISOString(), resumedFromStep: input.resumedFromStep }],
      result: null,
    };
  }

  /** Record the micro-batch and accumulation in use and write the file. */
  write(micro: number, accum: number): void {
    this.doc.schedule.batchSize = { requested: this.input.requestedBatch, microBatch: micro, accum };
    writeJsonAtomic(this.input.file, this.doc);
  }

  /** Close this run's entry with how it ended, store the result, and write the file. */
  finish(end: { stopped: unknown; step: number }, result: Record<string, unknown>, micro: number, accum: number): void {
    this.doc.runs[this.doc.runs.length - 1] = {
      started: new Date(this.input.started).toISOString(), resumedFromStep: this.input.resumedFromStep,
      finished: new Date().toISOString(), stopped: end.stopped, step: end.step,
    };
    this.doc.result = result;
    this.write(micro, accum);
  }
}
