/**
 * Learning-rate schedules. Steps count optimizer updates from 0; with warm-up W the rate at step s < W is
 * lr * (s + 1) / W, so the first update is not wasted at rate 0.
 *
 * - `constant` (the reference's fine-tuning schedule, spec section 5): lr after the warm-up.
 * - `cosine` (the usual schedule for training from random weights, as in GPT-2-style pretraining recipes):
 *   after the warm-up the rate follows half a cosine from lr down to `minLrRatio` x lr at step `totalSteps`.
 *
 * Defaults of the command line (`defaultSchedule`): from random weights 3e-4 with a warm-up of 5 % of the
 * steps (at least 1, at most 200) and cosine decay to 10 %; from pretrained weights (`--init`) the fine-tuning
 * rate 5e-5, constant, no warm-up.
 */
export type ScheduleKind = 'constant' | 'cosine';

export interface Schedule {
  lr: number;
  warmupSteps: number;
  /** Default 'constant'. */
  kind?: ScheduleKind;
  /** Steps over which the cosine decays (needed for 'cosine'). */
  totalSteps?: number;
  /** Final rate as a fraction of lr for 'cosine' (default 0.1). */
  minLrRatio?: number;
}

export function learningRate(schedule: Schedule, step: number): number {
  const { lr, warmupSteps } = schedule;
  if (warmupSteps > 0 && step < warmupSteps) return lr * ((step + 1) / warmupSteps);
  if ((schedule.kind ?? 'constant') === 'constant' || !schedule.totalSteps || !Number.isFinite(schedule.totalSteps)) return lr;
  const min = lr * (schedule.minLrRatio ?? 0.1);
  const span = Math.max(1, schedule.totalSteps - warmupSteps);
  const t = Math.min(1, Math.max(0, (step - warmupSteps) / span));
  return min + (lr - min) * 0.5 * (1 + Math.cos(Math.PI * t));
}

/** The rates the command line uses when --lr / --warmup-steps / --schedule are not given. */
export const FINE_TUNING = { lr: 5e-5, warmupSteps: 0, kind: 'constant' as ScheduleKind };
export const FROM_SCRATCH = { lr: 3e-4, warmupFraction: 0.05, maxWarmupSteps: 200, kind: 'cosine' as ScheduleKind, minLrRatio: 0.1 };

/** Which default applies: fine-tuning when starting from pretrained weights, from-scratch otherwise. */
export function defaultSchedule(fromPretrained: boolean, totalSteps: number): Required<Schedule> & { name: 'fine-tuning' | 'from-scratch' } {
  if (fromPretrained) return { name: 'fine-tuning', lr: FINE_TUNING.lr, warmupSteps: 0, kind: 'constant', totalSteps, minLrRatio: 1 };
  const warmup = Number.isFinite(totalSteps) ? Math.min(FROM_SCRATCH.maxWarmupSteps, Math.max(1, Math.round(FROM_SCRATCH.warmupFraction * totalSteps))) : FROM_SCRATCH.maxWarmupSteps;
  return { name: 'from-scratch', lr: FROM_SCRATCH.lr, warmupSteps: warmup, kind: 'cosine', totalSteps, minLrRatio: FROM_SCRATCH.minLrRatio };
}

/** The schedule a run uses, and which default it came from. */
export interface ResolvedSchedule extends Required<Schedule> {
  name: 'fine-tuning' | 'from-scratch' | 'given';
}

/** The schedule options of a run (those of TrainOptions). */
export interface ScheduleOptions {
  lr?: number;
  warmupSteps?: number;
  schedule?: ScheduleKind;
  minLrRatio?: number;
  init?: string;
}

/** The schedule of a run: explicit options win; otherwise fine-tuning with `init`, from-scratch without. */
export function resolveSchedule(opts: ScheduleOptions, totalSteps: number): ResolvedSchedule {
  const d = defaultSchedule(Boolean(opts.init), totalSteps);
  if (opts.lr === undefined) {
    const kind = opts.schedule ?? d.kind;
    return { name: d.name, lr: d.lr, warmupSteps: opts.warmupSteps ?? d.warmupSteps, kind, totalSteps, minLrRatio: opts.minLrRatio ?? (kind === 'cosine' ? 0.1 : 1) };
  }
  const kind = opts.schedule ?? 'constant';
  return { name: 'given', lr: opts.lr, warmupSteps: opts.warmupSteps ?? 0, kind, totalSteps, minLrRatio: opts.minLrRatio ?? (kind === 'cosine' ? 0.1 : 1) };
}
