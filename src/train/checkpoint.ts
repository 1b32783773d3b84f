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
import { OPTIMIZER_FILE, STATE_FILE, TrainingState, checkpointsDir, readState, recoverCheckpoint } from '../experiment/dir';

import { UserError } from '../runtime/errors';
import { saveModelAsync, loadModel } from '../model/checkpoint';
import { GPT2 } from '../model/gpt2';
import { readSafetensorsFile, writeSafetensors } from '../model/safetensors';
import { AdamW, OptimizerState } from './optimizer';

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
    await saveModelAsync(tmp, model);
    if (optimizer) await writeOptimizer(path.join(tmp, OPTIMIZER_FILE), optimizer);
    writeJsonAtomic(path.join(tmp, STATE_FILE), state);
  });
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

