/**
 * A set of byte strings with insertion numbers, for writing_id (duplicate detection over 723k rows) and L1
 * names. Keys are copied into one growing arena and found through an open-addressing hash table (linear
 * probing; Knuth, TAOCP vol. 3, 6.4, Algorithm L) over FNV-1a hashes (Fowler, Noll & Vo). Compared with a JavaScript
 * Map<string, number>, no string is created per row: at EFCAMDAT scale that is the difference between
 * about three seconds and a few hundred milliseconds, and tens of megabytes of heap.
 */

/** Hash of `buf[s..e)`: FNV-1a then an avalanche step. */
export function hashBytes(buf: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  // FNV's low bits depend only on the keys' low bits (ids like 1000123 cluster badly under a power-of-two
  // mask), so finish with MurmurHash3's fmix32 avalanche (Appleby 2011) before masking.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class ByteKeys {
  private arena = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private starts = new Uint32Array(1024);
  private lengths = new Uint32Array(1024);
  private values = new Uint32Array(1024);
  private hashes = new Uint32Array(1024);
  private slots: Int32Array;
  /** Number of keys. */
  size = 0;

  /** `expected`: a guess of the number of keys, so the table rarely has to grow. */
  constructor(expected = 1024) {
    let n = 1 << 12;
    while (n < expected * 2 && n < 1 << 26) n *= 2;
    this.slots = new Int32Array(n).fill(-1);
  }

  /** Key number of `buf[s..e)`, or -1 (`h`: its hashBytes, when the caller already has it). */
  find(buf: Uint8Array, s: number, e: number, h = hashBytes(buf, s, e)): number {
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = this.slots[slot];
      if (k < 0) return -1;
      if (this.hashes[k] === h && this.equals(k, buf, s, e)) return k;
    }
  }

  /** Add `buf[s..e)` (not present) with a number attached (e.g. the line it was seen on); returns its key number. */
  add(buf: Uint8Array, s: number, e: number, value = 0, h = hashBytes(buf, s, e)): number {
    if ((this.size + 1) * 2 > this.slots.length) this.rehash();
    const len = e - s;
    if (this.used + len > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + len));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    if (this.size === this.starts.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
      this.values = grow(this.values);
      this.hashes = grow(this.hashes);
    }
    const k = this.size++;
    this.arena.set(buf.subarray(s, e), this.used);
    this.starts[k] = this.used;
    this.lengths[k] = len;
    this.values[k] = value;
    this.hashes[k] = h;
    this.used += len;
    this.insert(k);
    return k;
  }

  value(k: number): number {
    return this.values[k];
  }

  /** The key's bytes (a view into the arena: valid until the next add). */
  bytes(k: number): Buffer {
    return this.arena.subarray(this.starts[k], this.starts[k] + this.lengths[k]);
  }

  text(k: number): string {
    return this.arena.toString('utf8', this.starts[k], this.starts[k] + this.lengths[k]);
  }

  private equals(k: number, buf: Uint8Array, s: number, e: number): boolean {
    const len = this.lengths[k];
    if (len !== e - s) return false;
    const a = this.arena;
    const at = this.starts[k];
    for (let i = 0; i < len; i++) if (a[at + i] !== buf[s + i]) return false;
    return true;
  }

  private insert(k: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[k] & mask;
    while (this.slots[slot] >= 0) slot = (slot + 1) & mask;
    this.slots[slot] = k;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let k = 0; k < this.size; k++) this.insert(k);
  }
}
