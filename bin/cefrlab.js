#!/usr/bin/env node
// Entry point of the `cefrlab` command. Runs the JavaScript compiled from src/ at install time (bin/build.js,
// dist/src/) when it matches the sources; otherwise (sources edited since, or never built) runs src/ through tsx.
'use strict';
const { distIsFresh } = require('./sources');

let entry;
if (process.env.CEFRLAB_TSX !== '1' && distIsFresh()) {
  entry = '../dist/src/cli/main';
} else {
  // Both hooks: require() of .ts files, and import() of them (the commands load their library code lazily).
  require('tsx/cjs');
  require('tsx/esm/api').register();
  entry = '../src/cli/main';
}
const { main, reportFatal } = require(entry);
// An error escaping everything (e.g. the wasm runtime aborting from a callback) still ends with a clear line.
process.on('uncaughtException', (err) => {
  process.exitCode = reportFatal(err);
  process.exit();
});
main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; })
  .catch((err) => { process.exitCode = reportFatal(err); });
