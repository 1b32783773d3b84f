/**
 * Jupyter from the project: finding it, the project's kernel (through JUPYTER_PATH, no global install),
 * and headless execution of the numbered notebooks into experiments/reports.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jupyterDir, notebooksDir, projectRoot, experimentsDir } from './paths';
import { UserError } from './errors';

export const KERNEL_NAME = 'cefrlab';
export const APT_PACKAGES = 'jupyter-nbconvert python3-nbconvert jupyter-client jupyter-notebook chromium';
const EXECUTOR = path.join(projectRoot, 'scripts', 'execute_notebook.py');

/** The environment Jupyter needs to find the project's kernel. */
export function jupyterEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const paths = [jupyterDir, ...(process.env.JUPYTER_PATH ?? '').split(path.delimiter).filter(Boolean)];
  return { ...process.env, JUPYTER_PATH: paths.join(path.delimiter), ...extra };
}

export interface JupyterStatus {
  found: boolean;
  /** Versions or the reason it is not usable. */
  detail: string;
  /** The Python that runs Jupyter's libraries. */
  python: string | null;
  kernelFound: boolean;
}

/**
 * Jupyter's python: Debian's /usr/bin/python3 (where `apt-get install jupyter-nbconvert` puts nbclient),
 * else `python3` on PATH, whichever imports nbclient and nbconvert.
 */
export function jupyterStatus(): JupyterStatus {
  // CEFRLAB_JUPYTER_PYTHON names the interpreter that has Jupyter's libraries, when it is not Debian's.
  const forced = process.env.CEFRLAB_JUPYTER_PYTHON;
  const candidates = forced ? [forced] : ['/usr/bin/python3', 'python3'];
  for (const python of candidates) {
    const run = spawnSync(python, ['-c', 'import nbclient, nbconvert, jupyter_client; print(nbclient.__version__, nbconvert.__version__, jupyter_client.__version__)'], { encoding: 'utf8', env: jupyterEnv() });
    if (run.status === 0) {
      const [nbclient, nbconvert, client] = run.stdout.trim().split(' ');
      const specs = spawnSync(python, ['-c', `from jupyter_client.kernelspec import KernelSpecManager as K; print('${KERNEL_NAME}' in K().find_kernel_specs())`], { encoding: 'utf8', env: jupyterEnv() });
      return { found: true, python, detail: `nbclient ${nbclient}, nbconvert ${nbconvert}, jupyter_client ${client}`, kernelFound: specs.stdout.trim() === 'True' };
    }
  }
  return { found: false, python: null, detail: `Jupyter's Python libraries (nbclient, nbconvert) are not installed`, kernelFound: false };
}

export function requireJupyter(): JupyterStatus {
  const status = jupyterStatus();
  if (!status.found) {
    throw new UserError(`${status.detail}. Install them with:\n  sudo apt-get install -y ${APT_PACKAGES}\nthen run the command again.`, 3);
  }
  if (!status.kernelFound) {
    throw new UserError(`the project's Jupyter kernel spec is missing (${path.join(jupyterDir, 'kernels', KERNEL_NAME, 'kernel.json')}); restore it with \`git checkout jupyter/\``, 3);
  }
  return status;
}

/** Numbered notebooks (NN-name.ipynb) in order, optionally only those whose number or name matches. */
export function listNotebooks(only: string[] = [], dir = notebooksDir): string[] {
  const all = fs.readdirSync(dir).filter((f) => /^\d\d-.+\.ipynb$/.test(f)).sort();
  const chosen = only.length ? all.filter((f) => only.some((o) => f.startsWith(o.length <= 2 ? o.padStart(2, '0') + '-' : o))) : all;
  if (only.length && chosen.length === 0) throw new UserError(`no notebook in ${dir} matches ${only.join(', ')}; available: ${all.join(', ')}`);
  return chosen.map((f) => path.join(dir, f));
}

export interface NotebookRun {
  notebook: string;
  ok: boolean;
  seconds: number;
  /** Executed notebook and HTML report (when ok). */
  outputs: string[];
  error?: string;
}

export const reportsDir = path.join(experimentsDir, 'reports');

/** Execute notebooks in order with the project's kernel; stop at the first failure. */
export function runNotebooks(notebooks: string[], opts: { outDir?: string; env?: Record<string, string>; log?: (s: string) => void } = {}): NotebookRun[] {
  const status = requireJupyter();
  const outDir = opts.outDir ?? reportsDir;
  const log = opts.log ?? ((s: string) => process.stdout.write(s + '\n'));
  const runs: NotebookRun[] = [];
  for (const notebook of notebooks) {
    const started = Date.now();
    log(`== ${path.relative(projectRoot, notebook)}`);
    const run = spawnSync(status.python!, [EXECUTOR, notebook, outDir, KERNEL_NAME, projectRoot], {
      env: jupyterEnv(opts.env),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = (Date.now() - started) / 1000;
    const name = path.basename(notebook, '.ipynb');
    if (run.status !== 0) {
      const error = (run.stderr || run.error?.message || 'unknown failure').split('\n').filter((l) => !/MissingIDFieldWarning|validate\(nb\)/.test(l)).join('\n').trim();
      runs.push({ notebook, ok: false, seconds, outputs: [path.join(outDir, `${name}.failed.ipynb`)], error });
      log(error);
      break;
    }
    log(run.stdout.trim());
    runs.push({ notebook, ok: true, seconds, outputs: [path.join(outDir, `${name}.ipynb`), path.join(outDir, `${name}.html`)] });
  }
  return runs;
}
