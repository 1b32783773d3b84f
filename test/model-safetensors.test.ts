/**
 * safetensors reading and writing against the format's definition: header length, JSON header, padding,
 * offsets, dtype conversion, and clear errors for truncated or corrupt files.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeSafetensors, parseSafetensors, readSafetensors, readSafetensorsFile, writeSafetensors, halfToFloat } from '../src/model/safetensors';
import { UserError } from '../src/runtime/errors';

/** Build a file by hand (independently of encodeSafetensors) from a header object and raw data bytes. */
function handBuilt(header: object, data: Uint8Array, pad = true): Uint8Array {
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  if (pad && json.length % 8) json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.from(data)]);
}

test('writes the documented layout: u64 LE header length, padded JSON header, sorted tensors, LE float32 data', () => {
  const tensors = new Map([
    ['b', { shape: [3], data: Float32Array.from([1.5, -2, 3]) }],
    ['a', { shape: [2, 2], data: Float32Array.from([0.25, 0, -1, 1e-20]) }],
  ]);
  const bytes = Buffer.from(encodeSafetensors(tensors, { format: 'pt' }));
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0, 'header padded to a multiple of 8');
  const text = bytes.subarray(8, 8 + n).toString('utf8');
  assert.match(text, /^\{.*\} *$/);
  const header = JSON.parse(text);
  assert.deepEqual(header.__metadata__, { format: 'pt' });
  assert.deepEqual(header.a, { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
  assert.deepEqual(header.b, { dtype: 'F32', shape: [3], data_offsets: [16, 28] });
  assert.equal(bytes.length, 8 + n + 28);
  assert.equal(bytes.readFloatLE(8 + n + 0), 0.25);
  assert.equal(bytes.readFloatLE(8 + n + 8), -1);
  assert.equal(bytes.readFloatLE(8 + n + 16), 1.5);
  assert.equal(bytes.readFloatLE(8 + n + 24), 3);
});

test('round trip through a file keeps names, shapes, values and metadata; same input gives the same bytes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-'));
  try {
    const data = new Float32Array(1000).map((_, i) => Math.sin(i) * 1e3 + 1 / (i + 1));
    const tensors = new Map([
      ['transformer.wte.weight', { shape: [10, 100], data }],
      ['scalar', { shape: [], data: Float32Array.from([Math.PI]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const file = path.join(dir, 'm.safetensors');
    writeSafetensors(file, tensors, { format: 'pt', note: 'x' });
    const back = readSafetensorsFile(file);
    assert.deepEqual(back.metadata, { format: 'pt', note: 'x' });
    assert.deepEqual([...back.tensors.keys()].sort(), ['empty', 'scalar', 'transformer.wte.weight']);
    assert.deepEqual(back.tensors.get('transformer.wte.weight')!.shape, [10, 100]);
    assert.deepEqual(back.tensors.get('transformer.wte.weight')!.data, data);
    assert.deepEqual(back.tensors.get('scalar')!.shape, []);
    assert.equal(back.tensors.get('scalar')!.data[0], Math.fround(Math.PI));
    assert.equal(back.tensors.get('empty')!.data.length, 0);
    assert.deepEqual(Buffer.from(encodeSafetensors(tensors, { format: 'pt', note: 'x' })), fs.readFileSync(file));
    assert.deepEqual(fs.readdirSync(dir), ['m.safetensors'], 'no temporary file left behind');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reads F16, BF16, F64 and integer tensors as float32, at unaligned offsets and with an unpadded header', () => {
  // F16 bits: 0x3c00 = 1, 0xc000 = -2, 0x7bff = 65504, 0x0001 = 2^-24 (smallest subnormal), 0x7c00 = inf.
  const f16 = Buffer.alloc(10);
  [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00].forEach((h, i) => f16.writeUInt16LE(h, 2 * i));
  // BF16 bits: 0x3f80 = 1, 0x4049 = 3.140625, 0xbf00 = -0.5.
  const bf16 = Buffer.alloc(6);
  [0x3f80, 0x4049, 0xbf00].forEach((h, i) => bf16.writeUInt16LE(h, 2 * i));
  const f64 = Buffer.alloc(8);
  f64.writeDoubleLE(0.1);
  const i64 = Buffer.alloc(16);
  i64.writeBigInt64LE(-5n, 0);
  i64.writeBigInt64LE(1024n, 8);
  const u8 = Buffer.from([1, 0, 1]);
  const header = {
    h: { dtype: 'F16', shape: [5], data_offsets: [0, 10] },
    bf: { dtype: 'BF16', shape: [3], data_offsets: [10, 16] },
    d: { dtype: 'F64', shape: [1], data_offsets: [16, 24] },
    m: { dtype: 'BOOL', shape: [3], data_offsets: [24, 27] },
    i: { dtype: 'I64', shape: [2], data_offsets: [27, 43] },
  };
  const bytes = handBuilt(header, Buffer.concat([f16, bf16, f64, u8, i64]), false);
  const t = parseSafetensors(bytes, 'hand.safetensors').tensors;
  assert.deepEqual(Array.from(t.get('h')!.data), [1, -2, 65504, 2 ** -24, Infinity]);
  assert.equal(t.get('h')!.dtype, 'F16');
  assert.deepEqual(Array.from(t.get('bf')!.data), [1, 3.140625, -0.5]);
  assert.equal(t.get('d')!.data[0], Math.fround(0.1));
  assert.deepEqual(Array.from(t.get('m')!.data), [1, 0, 1]);
  assert.deepEqual(Array.from(t.get('i')!.data), [-5, 1024]);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(halfToFloat(0x8000), -0);
});

test('skip option leaves named tensors undecoded', () => {
  const bytes = encodeSafetensors(new Map([['keep', { shape: [1], data: Float32Array.from([1]) }], ['h.0.attn.bias', { shape: [1], data: Float32Array.from([2]) }]]));
  const t = parseSafetensors(bytes, 'x', { skip: (n) => n.endsWith('attn.bias') }).tensors;
  assert.deepEqual([...t.keys()], ['keep']);
});

test('truncated and corrupt files give a UserError naming the file and the problem', () => {
  const good = encodeSafetensors(new Map([['w', { shape: [4, 4], data: new Float32Array(16).fill(1) }]]));
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['too short', good.subarray(0, 5), /shorter than the 8-byte header length/],
    ['header cut', good.subarray(0, 20), /does not fit/],
    ['data cut', good.subarray(0, good.length - 4), /needs bytes up to 64 .* only 60/],
    ['trailing bytes', Buffer.concat([good, Buffer.alloc(4)]), /bytes after the last tensor/],
    ['bad json', handBuilt({}, new Uint8Array(0)).map((b, i) => (i === 8 ? 0x5b : b)), /not UTF-8 JSON/],
    ['huge length', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), Buffer.alloc(8)]), /implausibly large/],
    ['bad dtype', handBuilt({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /unknown dtype "F33"/],
    ['wrong size', handBuilt({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /should take 8 bytes/],
    ['hole', handBuilt({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /a hole/],
    ['overlap', handBuilt({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /overlaps/],
    ['bad shape', handBuilt({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /invalid shape/],
    ['bad metadata', handBuilt({ __metadata__: { a: 1 } }, new Uint8Array(0)), /__metadata__/],
  ];
  for (const [what, bytes, message] of cases) {
    assert.throws(() => parseSafetensors(bytes, '/ckpt/model.safetensors'), (err: unknown) => {
      assert.ok(err instanceof UserError, `${what}: expected a UserError, got ${err}`);
      assert.match(err.message, /^\/ckpt\/model\.safetensors: not a valid safetensors file/, what);
      assert.match(err.message, message, what);
      assert.match(err.message, /Fix:/, what);
      return true;
    });
  }
  assert.throws(() => readSafetensors('/nonexistent/model.safetensors'), /\/nonexistent\/model\.safetensors: cannot read/);
});
