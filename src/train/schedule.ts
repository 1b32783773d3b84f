/**
 * Learning-rate schedules. The reference trains with a constant rate and no warmup (spec section 5); a linear
 * warmup is offered because it steadies the first updates of a freshly initialised model. Steps count
 * optimizer updates from 0; with warmup W the rate at step s is lr * min(1, (s + 1) / W), so the first update
 * is not wasted at rate 0.
 */
export interface Schedule {
  lr: number;
  warmupSteps: number;
}

export function learningRate(schedule: Schedule, step: number): number {
  if (schedule.warmupSteps <= 0) return schedule.lr;
  return schedule.lr * Math.min(1, (step + 1) / schedule.warmupSteps);
}
