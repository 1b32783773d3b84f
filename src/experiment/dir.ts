/**
 * The layout of an experiment folder, read by training and evaluation alike: EXP_DIR/checkpoints/{last,best}
 * (each config.json, model.safetensors, state.json, and for last optimizer.safetensors), the training state,
 * the repair of an interrupted checkpoint replacement, which model directory to use, and the level an
 * experiment was trained on (its manifest.json). Writing checkpoints is src/train/checkpoint.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';

export const STATE_FILE = 'state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';

export interface TrainingState {
  format: 1;
  /** Optimizer updates done. */
  step: number;
  /** The epoch in progress (0-based); an epoch is one pass over the training examples. */
  epoch: number;
  /** Examples of this epoch's order already consumed. */
  position: number;
  examplesSeen: number;
  tokensSeen: number;
  bestInfillLoss: number | null;
  bestStep: number | null;
  evalsWithoutImprovement: number;
  /** Why training ended, or null while it can go on. */
  stopped: null | 'max-steps' | 'epochs' | 'patience';
  /**
   * The run seed. Random streams are pure functions of it, so they need no saved state:
   * data order of epoch e = Rng.derive(seed, 'order', e); dropout of micro-batch k of step s =
   * Rng.derive(seed, 'dropout', s, k); evaluation sample = Rng.derive(seed, 'eval-sample').
   */
  seed: number;
  /** Options that determine the weights' trajectory; a resume with different ones is refused. */
  fingerprint: Record<string, string | number | boolean | null>;
}

export function checkpointsDir(expDir: string): string {
  return path.join(expDir, 'checkpoints');
}

/** All files a checkpoint directory has once `saveCheckpoint` finished (the optimizer only when it was saved). */
function isComplete(dir: string, withOptimizer: boolean): boolean {
  const files = [STATE_FILE, 'config.json', 'model.safetensors', ...(withOptimizer ? [OPTIMIZER_FILE] : [])];
  if (!files.every((f) => fs.existsSync(path.join(dir, f)))) return false;
  try {
    readState(dir);
    return true;
  } catch {
    return false;
  }
}

/** Put back a checkpoint directory whose replacement was interrupted, and remove temporary leftovers. */
export function recoverCheckpoint(target: string, withOptimizer = path.basename(target) === 'last'): void {
  const parent = path.dirname(target);
  if (!fs.existsSync(parent)) return;
  const prefix = `.${path.basename(target)}.tmp-`;
  const leftovers = fs.readdirSync(parent).filter((n) => n.startsWith(prefix)).sort();
  if (!fs.existsSync(target)) {
    // buildDirAtomic renames target -> "<tmp>-old" and then "<tmp>" -> target; a complete "-old" is the last good one.
    // A "-old" directory may also be half deleted (killed inside the final removal): take the latest complete one.
    const olds = leftovers
      .filter((n) => n.endsWith('-old') && isComplete(path.join(parent, n), withOptimizer))
      .map((n) => ({ n, step: readState(path.join(parent, n)).step }))
      .sort((a, b) => a.step - b.step);
    if (olds.length > 0) fs.renameSync(path.join(parent, olds[olds.length - 1].n), target);
  }
  for (const n of leftovers) fs.rmSync(path.join(parent, n), { recursive: true, force: true });
}

export function readState(dir: string): TrainingState {
  const file = path.join(dir, STATE_FILE);
  try {
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainingState;
    if (state.format !== 1) throw new Error(`unknown format ${String(state.format)}`);
    return state;
  } catch (err) {
    throw new UserError(`${file}: unreadable training state (${(err as Error).message}). Fix: delete ${dir} to start that experiment again`);
  }
}

/**
 * The model directory to use for an experiment: the best checkpoint, else the last, else EXP_DIR itself when it
 * is a plain Hugging Face model directory.
 */
export function resolveModelDir(expDir: string): string {
  for (const name of ['best', 'last']) {
    const dir = path.join(checkpointsDir(expDir), name);
    recoverCheckpoint(dir);
    if (fs.existsSync(path.join(dir, 'model.safetensors'))) return dir;
  }
  if (fs.existsSync(path.join(expDir, 'model.safetensors'))) return expDir;
  throw new UserError(`${expDir}: no trained model (checkpoints/best or checkpoints/last). Fix: run \`cefrlab train ${expDir} EXAMPLES_DIR\` first`);
}

/** The CEFR level an experiment was trained on ("all" for the general model), from its manifest. */
export function experimentLevel(expDir: string): string | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(expDir, 'manifest.json'), 'utf8')) as { data?: { level?: string } };
    const level = m.data?.level;
    return level && level !== 'unknown' ? level : null;
  } catch {
    return null;
  }
}
