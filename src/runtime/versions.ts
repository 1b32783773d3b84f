/** Versions recorded in every manifest, so an output says what produced it. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './paths';

export function packageVersion(name: string): string | null {
  try {
    const file = path.join(projectRoot, 'node_modules', name, 'package.json');
    return JSON.parse(fs.readFileSync(file, 'utf8')).version ?? null;
  } catch {
    return null;
  }
}

export interface Versions {
  cefrlab: string;
  node: string;
  platform: string;
  packages: Record<string, string | null>;
}

const RECORDED = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'gpt-tokenizer', 'csv-parse', 'danfojs-node', 'plotly.js-dist', 'tslab'];

export function versions(): Versions {
  const own = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
  const packages: Record<string, string | null> = {};
  for (const name of RECORDED) packages[name] = packageVersion(name);
  return { cefrlab: own.version, node: process.version, platform: `${process.platform}-${process.arch}`, packages };
}
