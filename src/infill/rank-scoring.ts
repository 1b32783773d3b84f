/** How `rank` (rank.ts) scores a fill; a light module, so that the command line's help can list the choices. */
export type RankScoring = 'blank' | 'with-next-word';
export const RANK_SCORINGS: readonly RankScoring[] = ['blank', 'with-next-word'];
/**
 * `rank`'s default. Both scorings rank alike under an exact model (rank.ts); on 660 word choices blanked in
 * held-out text the shipped base ranks 66.5 % right with this one and 58.6 % with `blank`
 * (BENCHMARKS.md, "Which scoring is rank's default").
 */
export const DEFAULT_RANK_SCORING: RankScoring = 'with-next-word';
