/** Opening example sets lives in src/ilm/store-open.ts (shared by training and evaluation); kept for old imports. */
export { openExamples, singleTypeSets, storeLevel } from '../ilm/store-open';
export type { OpenedExamples } from '../ilm/store-open';
