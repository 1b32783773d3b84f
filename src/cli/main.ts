/** The `cefrlab` command line: thin wrappers over the library; each command lives in ./commands. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { UserError } from '../runtime/errors';
import { checkOutputPath } from '../runtime/output-path';
import { projectRoot } from '../runtime/paths';
import { SUMMARIES } from './summaries';
import { isMemoryError, firstLine } from '../train/memory';
import { registerDoctor } from './commands/doctor';
import { registerRunNotebooks } from './commands/run-notebooks';
import { registerInfill } from './commands/infill';
import { registerInteractive } from './commands/interactive';
import { registerIlmEval } from './commands/ilm-eval';
import { registerPrepare } from './commands/prepare';
import { registerTrain } from './commands/train';
import { registerEval } from './commands/eval';
import { registerCompare } from './commands/compare';
import { registerExamples } from './commands/examples';
import { registerPreview } from './commands/preview';
import { registerPipeline } from './commands/pipeline';
import { registerPretrain } from './commands/pretrain';
import { registerClassify } from './commands/classify';
import { registerRating } from './commands/rating';
import { registerScale } from './commands/scale';
import { registerItems } from './commands/items';
import { registerIrt } from './commands/irt';
import { registerCat } from './commands/cat';

export function buildProgram(): Command {
  const program = new Command('cefrlab')
    .description('CEFR Lab: learner corpora, infilling language models and CEFR assessment')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride()
    // A list of commands shows each by name and its one-line summary; arguments and options are in its --help.
    .configureHelp({ subcommandTerm: (cmd) => cmd.name() })
    .addHelpText('after', '\nRun `cefrlab <command> --help` for its options and what it costs.');
  // Before any command's work: its output path (--out, --output, -o) can be written (the work may take hours).
  program.hook('preAction', (_root, action) => checkOutputOptions(action));
  // In the order of the guide's pipeline, so `--help` reads as a table of contents.
  registerDoctor(program);
  registerPrepare(program);
  registerExamples(program);
  registerPreview(program);
  registerPretrain(program);
  registerTrain(program);
  registerEval(program);
  registerCompare(program);
  registerInfill(program);
  registerInteractive(program);
  registerIlmEval(program);
  registerPipeline(program);
  registerRunNotebooks(program);
  registerClassify(program);
  registerRating(program);
  registerScale(program);
  registerItems(program);
  registerIrt(program);
  registerCat(program);
  // Each command module registers itself here (one line per command).
  applySummaries(program, '');
  return program;
}

function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Every command listed with its one-line summary from the table (src/cli/summaries.ts). */
function applySummaries(cmd: Command, prefix: string): void {
  for (const sub of cmd.commands) {
    const name = prefix ? `${prefix} ${sub.name()}` : sub.name();
    if (SUMMARIES[name]) sub.summary(SUMMARIES[name]);
    applySummaries(sub, name);
  }
}

/** `--out <dir>` (and pretrain's --work-dir) names a folder to create, any other --out/--output a file. */
function checkOutputOptions(action: Command): void {
  for (const opt of action.options) {
    const key = opt.attributeName();
    if (key !== 'out' && key !== 'output' && key !== 'workDir') continue;
    const value = action.getOptionValue(key) as unknown;
    if (typeof value === 'string' && value !== '') checkOutputPath(value, opt.long ?? `--${key}`, /<dir>/i.test(opt.flags) ? 'dir' : 'file');
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err: unknown) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : (e.exitCode ?? 2);
    }
    if (err instanceof UserError || isMemoryError(err)) return reportFatal(err);
    throw err;
  }
}

/**
 * The last line of a failed command, for errors that escaped `main` (bin/cefrlab.js): a UserError prints its
 * message; running out of memory in any form (also the wasm runtime's `RuntimeError: Aborted()`) prints what
 * happened and what to change, without a stack trace; anything else prints its stack. Returns the exit code.
 */
export function reportFatal(err: unknown): number {
  if (err instanceof UserError) {
    process.stderr.write(`cefrlab: ${err.message}\n`);
    return err.exitCode;
  }
  if (isMemoryError(err)) {
    process.stderr.write(
      `cefrlab: out of memory (${firstLine(err)}). Checkpoints already written are intact. ` +
        'Fix: for `train`, use --batch-size auto (the default) or a smaller --batch-size, a shorter --seq-len or a smaller --model; ' +
        'on the wasm backend (at most 4 GiB) CEFRLAB_BACKEND=cpu has no such limit\n',
    );
    return 1;
  }
  const e = err as { stack?: string };
  process.stderr.write(`cefrlab: ${e && e.stack ? e.stack : String(err)}\n`);
  return 1;
}
