/** The ILM losses live in src/objective/loss.ts (shared by training and evaluation); kept here for old imports. */
export * from '../objective/loss';
