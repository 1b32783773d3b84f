/**
 * The layering of src/, checked by dependency-cruiser (`npx depcruise src`, and by test/architecture.test.ts in
 * `npm test`). Each folder of src/ sits in one tier; a module may import from its own folder and from folders in
 * lower tiers only: never from a higher tier, never from another folder of its own tier. No import cycles at all,
 * between folders or between files. Type-only imports count: they are dependencies of the design too. There is
 * no list of exceptions: a violation is fixed by moving code to where it belongs.
 *
 * The notebooks (notebooks/NN-*.ipynb) sit above everything: they import from src/ (mostly src/notebooks) and
 * nothing imports them. docs/ARCHITECTURE.md draws these tiers (scripts/architecture-graph.js writes its diagram).
 */
'use strict';

/** Bottom to top. Keep in step with the table in docs/ARCHITECTURE.md. */
const TIERS = [
  ['runtime'], // the platform: backend, paths, errors, atomic writes, seeded RNG, progress
  ['tokenize', 'corpus', 'metrics', 'plot', 'features', 'charlm', 'irt'], // foundations, unaware of each other
  ['model', 'ilm', 'estimator', 'model-selection'], // the networks; the ILM's documents, masks and example store; the estimator contract; folds, out-of-fold predictions, learning curves
  ['objective', 'experiment', 'scale'], // losses and batches; the experiment folder and model loading; CEFR scales
  ['evaluate', 'infill', 'classify', 'items'], // using a model or a scale: perplexity, infilling, CEFR classes, items
  ['train', 'awe', 'rate', 'cat'], // training; essay scoring; rating with a chat model; the adaptive test
  ['pretrain'], // the base ILM: corpus, stages, export
  ['pipeline'], // the whole run as a job graph of CLI commands
  ['cli', 'notebooks'], // the entry points: the command line and the notebooks' helpers
];

const folderRe = (folders) => `^src/(${folders.join('|')})/`;
const ALL = TIERS.flat();

const layerRules = TIERS.flatMap((tier, i) =>
  tier.map((folder) => {
    const others = [...tier.filter((f) => f !== folder), ...TIERS.slice(i + 1).flat()];
    return {
      name: `layer-${folder}`,
      comment: `src/${folder} (tier ${i}) imports only its own folder and tiers below ${i}: not ${others.join(', ')}`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: folderRe(others) },
    };
  }),
).filter((r) => r.to.path !== '^src/()/');

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycle, between folders or between files',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'declared-folder',
      comment: 'every folder of src/ has a tier in .dependency-cruiser.cjs (no file directly in src/)',
      severity: 'error',
      from: { path: '^src/', pathNot: folderRe(ALL) },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/cat/static/' },
  },
};

// For the diagram script; not enumerable, so the checker's schema does not see it.
Object.defineProperty(module.exports, 'TIERS', { value: TIERS, enumerable: false });
