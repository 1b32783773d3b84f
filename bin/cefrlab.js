#!/usr/bin/env node
// Entry point of the `cefrlab` command: runs the TypeScript sources through tsx, so no build step is needed.
require('tsx/cjs');
require('../src/cli/main')
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; })
  .catch((err) => { process.stderr.write(`cefrlab: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 1; });
