import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { progress } from '../src/runtime/progress';

function capture(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

test('in a notebook, progress of 300 steps is a few lines, not one per step', () => {
  const quiet = process.env.CEFRLAB_QUIET;
  delete process.env.CEFRLAB_QUIET;
  process.env.CEFRLAB_PROGRESS = 'notebook';
  try {
    const { stream, lines } = capture();
    const bar = progress('train', 300, stream);
    for (let i = 1; i <= 300; i++) bar.update(i, { loss: 1 / i });
    bar.stop();
    assert.ok(lines.length <= 5, lines.join(''));
    assert.match(lines[lines.length - 1], /train 300\/300 done in/);
  } finally {
    delete process.env.CEFRLAB_PROGRESS;
    if (quiet !== undefined) process.env.CEFRLAB_QUIET = quiet;
  }
});
