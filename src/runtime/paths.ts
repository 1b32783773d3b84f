/** Where things live. Every path is resolved from the project root, whatever the caller's working directory. */
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'cefrlab') return dir;
      } catch {
        /* not ours; keep looking */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the cefrlab project root above ${start}`);
    dir = parent;
  }
}

export const projectRoot: string = findRoot(__dirname);
export const dataDir = path.join(projectRoot, 'data');
export const experimentsDir = path.join(projectRoot, 'experiments');
export const notebooksDir = path.join(projectRoot, 'notebooks');
/** Added to JUPYTER_PATH: holds kernels/cefrlab/kernel.json (tslab from node_modules). */
export const jupyterDir = path.join(projectRoot, 'jupyter');
/** The default learner corpus (EFCAMDAT schema) used when a command gets no CSV path. */
export const defaultCsv = path.join(dataDir, 'cefr-asag', 'cefr_asag_4col.csv');
