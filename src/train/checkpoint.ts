/**
 * Training checkpoints: EXP_DIR/checkpoints/last (everything needed to resume) and EXP_DIR/checkpoints/best
 * (the weights with the best evaluation infill loss so far). Each is a directory:
 *   config.json, model.safetensors   the model, in Hugging Face's layout (src/model/checkpoint.ts)
 *   optimizer.safetensors            AdamW moments m.<name>, v.<name> (last only)
 *   state.json                       step, epoch, position in the epoch's data order, early-stopping state,
 *                                    the seed from which every random stream is derived, and the options
 *                                    that fix the trajectory
 * A checkpoint is built under a temporary name and renamed into place when complete (`buildDirAtomic`), so a
 * kill at any moment leaves either the previous checkpoint or the new one. The one window where neither name is
 * in place (between moving the old directory aside and moving the new one in) is repaired by `recoverCheckpoint`,
 * which puts the complete old directory back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDirAtomic, writeJsonAtomic } from '../runtime/atomic';
import { UserError } from '../runtime/errors';
import { saveModel, loadModel } from '../model/checkpoint';
import { GPT2 } from '../model/gpt2';
import { readSafetensorsFile, writeSafetensors } from '../model/safetensors';
import { AdamW, OptimizerState } from './optimizer';

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

async function writeOptimizer(file: string, optimizer: AdamW): Promise<void> {
  const state = await optimizer.exportState();
  writeSafetensors(file, state.tensors, { step: String(state.step) });
}

function readOptimizer(file: string): OptimizerState {
  const { tensors, metadata } = readSafetensorsFile(file);
  const step = Number(metadata?.step);
  if (!Number.isInteger(step) || step < 0) {
    throw new UserError(`${file}: no valid "step" in the metadata. Fix: delete the experiment's checkpoints/last to start again`);
  }
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of tensors) out.set(name, { shape: t.shape, data: t.data });
  return { step, tensors: out };
}

/** Write a complete checkpoint atomically. Without an optimizer (the "best" checkpoint) no moments are stored. */
export async function saveCheckpoint(target: string, model: GPT2, optimizer: AdamW | null, state: TrainingState): Promise<void> {
  recoverCheckpoint(target, optimizer !== null);
  await buildDirAtomic(target, async (tmp) => {
    saveModel(tmp, model);
    if (optimizer) await writeOptimizer(path.join(tmp, OPTIMIZER_FILE), optimizer);
    writeJsonAtomic(path.join(tmp, STATE_FILE), state);
  });
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

/** Whether a resumable checkpoint exists (after repairing an interrupted write). */
export function hasCheckpoint(dir: string): boolean {
  recoverCheckpoint(dir);
  return fs.existsSync(path.join(dir, STATE_FILE)) && fs.existsSync(path.join(dir, OPTIMIZER_FILE));
}

/** Load model, optimizer moments and state of a "last" checkpoint. */
export function loadCheckpoint(dir: string): { model: GPT2; optimizerState: OptimizerState; state: TrainingState } {
  recoverCheckpoint(dir);
  const state = readState(dir);
  const model = loadModel(dir);
  const optimizerState = readOptimizer(path.join(dir, OPTIMIZER_FILE));
  if (optimizerState.step !== state.step) {
    model.dispose();
    throw new UserError(`${dir}: optimizer step ${optimizerState.step} does not match the state's step ${state.step}. Fix: delete ${dir} to start again`);
  }
  return { model, optimizerState, state };
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
