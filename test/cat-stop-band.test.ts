/** `--stop cefr-band`: the test stops once θ̂ ± z·SE lies inside one CEFR band, in the engine, simulate and the CLI. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { testBank } from './cat-helpers';
import { CatSession, catConfig } from '../src/cat/engine';
import { simulateCat } from '../src/cat/simulate';
import { intervalInsideOneLevel } from '../src/cat/standard-error';
import { compareStopRules, pairedAccuracyDifference } from '../src/cat/stop-tradeoff';
import { scaleToLevel } from '../src/scale/cefr-scale';
import { logitSeToScale, logitToScale } from '../src/irt/scale';
import { CLI, ensureBuilt, writeBankFile } from '../bench/cat/serve-process';

const bank = testBank(20);

test('cefr-band: the interval check against the band edges (10, 30, 50, 70, 90 points)', () => {
  assert.equal(intervalInsideOneLevel(40, 4, 1.96), true); // 32.2..47.8: B1
  assert.equal(intervalInsideOneLevel(40, 6, 1.96), false); // 28.2..51.8: A2..B2
  assert.equal(intervalInsideOneLevel(47, 1, 1.96), true);
  assert.equal(intervalInsideOneLevel(49, 1, 1.96), false); // crosses 50
  assert.equal(intervalInsideOneLevel(-20, 5, 1.96), true); // below the scale: A1
  assert.equal(intervalInsideOneLevel(40, Number.NaN, 1.96), false);
  assert.throws(() => catConfig({ bandZ: 0 }), /z of the CEFR-band interval/);
});

test('cefr-band: a session stops at the first step after calibration whose interval lies in one band', () => {
  let stoppedByBand = 0;
  for (let seed = 0; seed < 40; seed++) {
    const s = new CatSession(bank, { cefrBand: true, dispersion: 0.25 }, seed);
    const theta = (seed % 10) - 5 + 0.37;
    for (let item = s.next(); item; item = s.next()) {
      const d = bank.logits[bank.index.get(item.id)!];
      s.answer(item.id, 1 / (1 + Math.exp(-(theta - d))));
    }
    const inside = s.steps.map((st) => st.boundary == null && intervalInsideOneLevel(logitToScale(st.theta), logitSeToScale(st.se), 1.96));
    if (s.stopReason === 'cefr-band') {
      stoppedByBand++;
      const last = s.steps.length - 1;
      assert.ok(last >= 3 && inside[last], `seed ${seed}`);
      assert.ok(!inside.slice(3, last).some(Boolean), `seed ${seed}: an earlier step already qualified`);
      const r = s.result();
      assert.equal(r.level, scaleToLevel(r.score));
    } else {
      assert.equal(s.stopReason, 'max-items');
      assert.ok(!inside.slice(3).some(Boolean), `seed ${seed}: never qualified`);
    }
  }
  assert.ok(stoppedByBand > 10, `${stoppedByBand} of 40 stopped by the band`);
});

test('cefr-band: in simulation the tests are shorter, and the rule is off by default', () => {
  const base = simulateCat(bank, { n: 300, seed: 2, retest: false });
  const band = simulateCat(bank, { n: 300, seed: 2, retest: false, config: { cefrBand: true } });
  assert.equal(base.stopReasons['cefr-band'], undefined);
  assert.ok(band.stopReasons['cefr-band']! > 100, JSON.stringify(band.stopReasons));
  assert.ok(band.meanItems < base.meanItems - 3, `${band.meanItems} vs ${base.meanItems}`);
  const wider = simulateCat(bank, { n: 300, seed: 2, retest: false, config: { cefrBand: true, bandZ: 3 } });
  assert.ok(wider.meanItems > band.meanItems, 'a wider interval takes longer');
});

test('cefr-band: `cat simulate --stop cefr-band` (built CLI), and an unknown rule is refused', { timeout: 120_000 }, () => {
  ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-band-'));
  try {
    const bankFile = writeBankFile(bank.items, path.join(dir, 'bank.jsonl'));
    const r = spawnSync(process.execPath, [CLI, 'cat', 'simulate', '--bank', bankFile, '--n', '200', '--stop', 'cefr-band', '--band-z', '1.5', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(j.stopReasons['cefr-band'] > 0, JSON.stringify(j.stopReasons));
    assert.ok(j.meanItems < 25);
    const bad = spawnSync(process.execPath, [CLI, 'cat', 'simulate', '--bank', bankFile, '--n', '20', '--stop', 'band'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--stop band is unknown\. Fix: --stop cefr-band/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('cefr-band trade-off (notebook 08): rows on the same simulees; longer with larger z; paired difference', () => {
  const rows = compareStopRules(bank, { n: 120, seed: 4, zs: [1, 1.96, 2.576] });
  assert.deepEqual(rows.map((r) => r.z), [null, 1, 1.96, 2.576, null]);
  assert.equal(rows[0].meanItems, 25);
  assert.ok(rows[1].meanItems < rows[2].meanItems && rows[2].meanItems <= rows[3].meanItems, rows.map((r) => r.meanItems).join(' '));
  assert.equal(rows[4].maxItems, Math.round(rows[2].meanItems));
  assert.ok(Math.abs(rows[0].levelAccuracy - rows[0].levelRight.reduce((a, b) => a + b, 0) / 120) < 1e-12);
  const d = pairedAccuracyDifference(rows[2], rows[4]);
  assert.ok(Math.abs(d.difference - (rows[2].levelAccuracy - rows[4].levelAccuracy)) < 1e-12);
  assert.ok(d.se > 0 && d.se < 0.1);
  assert.equal(pairedAccuracyDifference(rows[0], rows[0]).se, 0);
});
