/** The trained experiments under a folder (notebooks 04-06 list them to compare models). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCefr } from '../corpus/cefr';
import { checkpointsDir, experimentLevel } from './dir';

export interface ExperimentEntry {
  name: string;
  dir: string;
  /**
   * The CEFR level it was trained on, "all" for a general model: from the manifest when it says, else from
   * the directory name as notebook 03 names them ("general", "A1" .. "C2"); null if neither tells.
   */
  level: string | null;
}

function levelFromName(name: string): string | null {
  if (name === 'general') return 'all';
  return parseCefr(name) !== null && /^[abc][12]$/i.test(name) ? name.toUpperCase() : null;
}

/** The trained experiments directly under `root` (those with checkpoints/best or checkpoints/last), by name. */
export function listExperiments(root: string): ExperimentEntry[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(root, d.name))
    .filter((dir) => ['best', 'last'].some((c) => fs.existsSync(path.join(checkpointsDir(dir), c, 'model.safetensors'))))
    .map((dir) => ({ name: path.basename(dir), dir, level: experimentLevel(dir) ?? levelFromName(path.basename(dir)) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
