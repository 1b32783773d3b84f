/** Shared by the cat tests: a small synthetic bank in the bank schema (src/cat/synthetic-bank.ts). */
import { syntheticBank } from '../src/cat/synthetic-bank';
import { makeBank, type Bank } from '../src/cat/bank';

const cache = new Map<string, Bank>();

export function testBank(perBin = 20, seed = 0): Bank {
  const key = `${perBin}/${seed}`;
  if (!cache.has(key)) cache.set(key, makeBank(syntheticBank({ perBin, seed })));
  return cache.get(key)!;
}
