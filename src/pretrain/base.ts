/**
 * The shipped base model and the name `base` for it (`cefrlab train --init base`, the notebooks). Light on
 * purpose: command files import it at start-up, so it loads no TensorFlow.js.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { dataDir } from '../runtime/paths';

/** Where the base ILM lives: data/models/base (config.json, model.safetensors, manifest.json, README.md). */
export const BASE_MODEL_DIR = path.join(dataDir, 'models', 'base');

/** The name `--init` accepts for the shipped base model. */
export const BASE_MODEL_NAME = 'base';

/**
 * What an `--init` value names: `base` is the shipped base model (an error with the fix when it is missing);
 * anything else is a directory path, returned as given. A directory called `base` in the working directory
 * is still reachable as `./base`.
 */
export function resolveInit(init: string, baseDir = BASE_MODEL_DIR): string {
  if (init !== BASE_MODEL_NAME) return init;
  if (!fs.existsSync(path.join(baseDir, 'config.json')) || !fs.existsSync(path.join(baseDir, 'model.safetensors'))) {
    throw new UserError(`${baseDir}: the base model is missing (config.json and model.safetensors). Fix: restore data/models/base from the repository, or rebuild it with \`npx cefrlab pretrain\` (see data/models/base/README.md)`);
  }
  return baseDir;
}
