/** How `rank` (rank.ts) scores a fill; a light module, so that the command line's help can list the choices. */
export type RankScoring = 'blank' | 'with-next-word';
export const RANK_SCORINGS: readonly RankScoring[] = ['blank', 'with-next-word'];
