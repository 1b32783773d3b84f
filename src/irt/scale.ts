/**
 * The one linear map between the CEFR-aligned 100-point scale (src/scale/cefr-scale.ts) and the logit scale
 * of the Rasch model:
 *
 *     logit = (points - 50) / 10        points = 50 + 10 * logit
 *
 * so one difficulty bin (10 points) is one logit, the scale's midpoint (between B1 40 and B2 60) is logit 0,
 * and 0..100 spans -5..+5 logits. A test-taker whose θ equals an item's δ answers it correctly with
 * probability .5; one bin below the item, .27; two bins below, .12. Standard errors scale by 10.
 */
export const SCALE_CENTER = 50;
export const POINTS_PER_LOGIT = 10;

/** A score or difficulty on the 100-point scale as a logit. */
export function scaleToLogit(points: number): number {
  return (points - SCALE_CENTER) / POINTS_PER_LOGIT;
}

/** A logit as a point on the 100-point scale (not clamped). */
export function logitToScale(logit: number): number {
  return SCALE_CENTER + POINTS_PER_LOGIT * logit;
}

/** A standard error (or any difference) in logits as points on the 100-point scale. */
export function logitSeToScale(se: number): number {
  return POINTS_PER_LOGIT * se;
}

/** A standard error in points as logits. */
export function scaleSeToLogit(sePoints: number): number {
  return sePoints / POINTS_PER_LOGIT;
}
