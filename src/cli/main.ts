/** The `cefrlab` command line: thin wrappers over the library; each command lives in ./commands. */
import { Command } from 'commander';
import { UserError } from '../runtime/errors';
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

export function buildProgram(): Command {
  const program = new Command('cefrlab')
    .description('CEFR Lab: learner corpora, infilling language models and CEFR assessment')
    .showHelpAfterError()
    .exitOverride();
  // In the order of the guide's pipeline, so `--help` reads as a table of contents.
  registerDoctor(program);
  registerPrepare(program);
  registerExamples(program);
  registerPreview(program);
  registerTrain(program);
  registerEval(program);
  registerCompare(program);
  registerInfill(program);
  registerInteractive(program);
  registerIlmEval(program);
  registerRunNotebooks(program);
  // Each command module registers itself here (one line per command).
  return program;
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
    if (err instanceof UserError) {
      process.stderr.write(`cefrlab: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
