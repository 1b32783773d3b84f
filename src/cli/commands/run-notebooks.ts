import { Command } from 'commander';
import { spawn } from 'node:child_process';
import { listNotebooks, runNotebooks, reportsDir, requireJupyter, jupyterEnv } from '../../runtime/jupyter';
import { notebooksDir, projectRoot } from '../../runtime/paths';
import { UserError } from '../../runtime/errors';

export function registerRunNotebooks(program: Command): void {
  program
    .command('run-notebooks')
    .description('execute the numbered notebooks headless, in order, with the project kernel; writes executed notebooks and self-contained HTML reports; stops at the first failing cell (this is `npm start`)')
    .option('--only <numbers...>', 'run only these notebooks, by number (e.g. 00 02) or file-name prefix')
    .option('--out <dir>', 'where executed notebooks and HTML reports go', reportsDir)
    .option('--fast', 'the test setting: CEFRLAB_FAST=1, shortened training, same code path', false)
    .action((opts: { only?: string[]; out: string; fast: boolean }) => {
      const notebooks = listNotebooks(opts.only ?? []);
      const env: Record<string, string> = opts.fast ? { CEFRLAB_FAST: '1' } : {};
      const runs = runNotebooks(notebooks, { outDir: opts.out, env });
      const failed = runs.find((r) => !r.ok);
      const total = runs.reduce((s, r) => s + r.seconds, 0);
      if (failed) throw new UserError(`${failed.notebook} failed (see the cell and error above); the partly executed notebook is ${failed.outputs[0]}`, 1);
      process.stdout.write(`${runs.length} notebook(s) executed in ${total.toFixed(0)}s; reports in ${opts.out}\n`);
    });

  program
    .command('lab')
    .description('open the notebooks in the Jupyter notebook UI with the project kernel (TypeScript (CEFR Lab))')
    .option('--port <port>', 'port for the notebook server', '8888')
    .option('--no-browser', 'do not open a browser')
    .action(async (opts: { port: string; browser: boolean }) => {
      requireJupyter();
      const args = ['notebook', `--notebook-dir=${projectRoot}`, `--port=${opts.port}`, ...(opts.browser ? [] : ['--no-browser'])];
      if (process.getuid?.() === 0) args.push('--allow-root');
      process.stdout.write(`starting: jupyter ${args.join(' ')}\nnotebooks are in ${notebooksDir}; choose the kernel "TypeScript (CEFR Lab)"\n`);
      await new Promise<void>((resolve, reject) => {
        const child = spawn('jupyter', args, { env: jupyterEnv(), stdio: 'inherit', cwd: projectRoot });
        child.on('error', (e) => reject(new UserError(`cannot start jupyter: ${e.message}. Install it: sudo apt-get install -y jupyter-notebook`, 3)));
        child.on('exit', () => resolve());
      });
    });
}
