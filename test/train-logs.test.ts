import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32c, maskCrc, EventWriter } from '../src/train/tensorboard';
import { MetricsLog, readMetrics } from '../src/train/metrics';

// An independent bit-at-a-time CRC-32C (no table), to cross-check the writer's table-driven one.
function crc32cBitwise(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('CRC-32C matches its published check values', () => {
  // "123456789" -> 0xE3069283 (the standard CRC-32C check value); 32 zero bytes -> 0x8A9136AA (RFC 3720 B.4)
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff));
  assert.equal(crc32c(random), crc32cBitwise(random));
});

// ---- an independent reader: TFRecord framing and the few protobuf fields TensorBoard reads ----
interface Decoded {
  wallTime?: number;
  step: number;
  fileVersion?: string;
  sessionStatus?: number;
  values: Array<{ tag: string; value: number }>;
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [result, pos];
    shift += 7n;
  }
}

function fields(buf: Buffer): Array<{ field: number; wire: number; value: bigint | Buffer | number }> {
  const out: Array<{ field: number; wire: number; value: bigint | Buffer | number }> = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      out.push({ field, wire, value: v });
      pos = p2;
    } else if (wire === 1) {
      out.push({ field, wire, value: buf.readDoubleLE(pos) });
      pos += 8;
    } else if (wire === 5) {
      out.push({ field, wire, value: buf.readFloatLE(pos) });
      pos += 4;
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      out.push({ field, wire, value: buf.subarray(p2, p2 + Number(len)) });
      pos = p2 + Number(len);
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

function decodeEventFile(file: string): Decoded[] {
  const buf = fs.readFileSync(file);
  const events: Decoded[] = [];
  let pos = 0;
  const mask = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
  while (pos < buf.length) {
    const len = Number(buf.readBigUInt64LE(pos));
    assert.equal(buf.readUInt32LE(pos + 8), mask(crc32cBitwise(buf.subarray(pos, pos + 8))), 'length CRC');
    const data = buf.subarray(pos + 12, pos + 12 + len);
    assert.equal(buf.readUInt32LE(pos + 12 + len), mask(crc32cBitwise(data)), 'data CRC');
    pos += 16 + len;
    const ev: Decoded = { step: 0, values: [] };
    for (const f of fields(data)) {
      if (f.field === 1) ev.wallTime = f.value as number;
      else if (f.field === 2) ev.step = Number(f.value);
      else if (f.field === 3) ev.fileVersion = (f.value as Buffer).toString('utf8');
      else if (f.field === 6) ev.sessionStatus = Number(fields(f.value as Buffer).find((x) => x.field === 1)!.value);
      else if (f.field === 5) {
        for (const v of fields(f.value as Buffer)) {
          assert.equal(v.field, 1);
          const inner = fields(v.value as Buffer);
          const tag = (inner.find((x) => x.field === 1)!.value as Buffer).toString('utf8');
          const value = inner.find((x) => x.field === 2 && x.wire === 5)!.value as number;
          ev.values.push({ tag, value });
        }
      }
    }
    events.push(ev);
  }
  assert.equal(pos, buf.length, 'no trailing bytes');
  return events;
}

test('event files decode to the scalars written, with valid framing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-'));
  const w = new EventWriter(dir);
  w.scalars(1, { 'train/loss': 3.25, 'train/lr': 5e-5 }, 1700000000.5);
  w.scalars(300, { 'eval/infill_ppl': 123.5 }, 1700000001);
  w.close();
  const resumed = new EventWriter(dir, { resumedAtStep: 200 });
  resumed.scalars(201, { 'train/loss': 2.5 });
  resumed.close();
  const files = fs.readdirSync(dir).sort();
  assert.equal(files.length, 2);
  assert.match(files[0], /^events\.out\.tfevents\.\d+\./);
  const events = decodeEventFile(path.join(dir, files[0]));
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  assert.equal(events[1].step, 1);
  assert.equal(events[1].wallTime, 1700000000.5);
  assert.deepEqual(events[1].values, [{ tag: 'train/loss', value: 3.25 }, { tag: 'train/lr', value: Math.fround(5e-5) }]);
  assert.equal(events[2].step, 300);
  assert.deepEqual(events[2].values, [{ tag: 'eval/infill_ppl', value: 123.5 }]);
  const second = decodeEventFile(path.join(dir, files[1]));
  assert.equal(second[1].sessionStatus, 1); // SessionLog.START
  assert.equal(second[1].step, 200);
  assert.equal(second[2].values[0].value, 2.5);
  assert.equal(maskCrc(0), 0xa282ead8);
});

test('metrics.jsonl appends records, keeps non-finite values valid JSON and truncates after a resume step', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-'));
  const file = path.join(dir, 'metrics.jsonl');
  const log = new MetricsLog(file);
  for (let step = 1; step <= 5; step++) log.append({ kind: 'train', step, epoch: 0, loss: 10 - step });
  log.append({ kind: 'train', step: 6, epoch: 0, loss: NaN });
  fs.appendFileSync(file, '{"kind":"train","st'); // a torn line from a killed run
  assert.equal(readMetrics(file).length, 6);
  assert.equal(readMetrics(file)[5].loss, null);
  log.truncateAfter(3);
  const kept = readMetrics(file);
  assert.deepEqual(kept.map((r) => r.step), [1, 2, 3]);
  assert.deepEqual(kept.map((r) => r.loss), [9, 8, 7]);
  assert.ok(fs.readFileSync(file, 'utf8').endsWith('\n'));
});
