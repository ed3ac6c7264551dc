/**
 * The revoked serial numbers of a CRL as one open-addressing hash table in a single byte array:
 * built in a worker thread and handed to the main thread without a copy (its ArrayBuffer is
 * transferred), where a lookup hashes the serial and probes a slot or two (constant time, no
 * scan). 21 bytes a slot (length + up to 20 bytes, RFC 5280's longest serial), a power of two of
 * slots at most 70 % full: 500 000 serials take 2^20 slots, 22 MB, about 44 bytes each. Serials
 * longer than 20 bytes (non-conforming CAs) go into a small Set beside it.
 */
export interface RevokedSerials {
  /** Whether the serial (hex, any case, leading zeros or not) is on the list. */
  has(serialHex: string): boolean;
  readonly size: number;
}

const SLOT = 21;
const MAX_BYTES = SLOT - 1;

/** FNV-1a over bytes [from, to). */
function hash(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** A hex digit's value, or -1. */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** What crosses between threads: the table's buffer is transferred, never copied. */
export interface RevokedTableData {
  table: ArrayBuffer;
  slots: number;
  size: number;
  overflow: string[];
}

/** A serial's bytes without leading zero bytes (one zero byte for the serial 0). */
function hexBytes(serialHex: string): Buffer | null {
  const hex = serialHex.replace(/^0+(?=.)/, '');
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return null;
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

export class RevokedTable implements RevokedSerials {
  private readonly bytes: Uint8Array;
  private readonly mask: number;
  private readonly overflow: Set<string>;
  private readonly scratch = new Uint8Array(MAX_BYTES);

  constructor(private readonly data: RevokedTableData) {
    this.bytes = new Uint8Array(data.table);
    this.mask = data.slots - 1;
    this.overflow = new Set(data.overflow);
  }

  get size(): number {
    return this.data.size;
  }

  has(serialHex: string): boolean {
    // The serial's bytes, read from the hex into a scratch array (no allocation per lookup).
    let from = 0;
    while (from < serialHex.length - 1 && serialHex.charCodeAt(from) === 48) from++;
    const digits = serialHex.length - from;
    const len = (digits + 1) >> 1;
    if (len > MAX_BYTES) return this.overflow.has(hexBytes(serialHex)?.toString('hex').toUpperCase() ?? '');
    const b = this.scratch;
    let i = 0;
    let p = from;
    if (digits % 2) {
      const d = nibble(serialHex.charCodeAt(p++));
      if (d < 0) return false;
      b[i++] = d;
    }
    while (p < serialHex.length) {
      const hi = nibble(serialHex.charCodeAt(p++));
      const lo = nibble(serialHex.charCodeAt(p++));
      if (hi < 0 || lo < 0) return false;
      b[i++] = (hi << 4) | lo;
    }
    for (let slot = hash(b, 0, len) & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * SLOT;
      const l = this.bytes[at]!;
      if (l === 0) return false;
      if (l !== len) continue;
      let k = 0;
      while (k < len && this.bytes[at + 1 + k] === b[k]) k++;
      if (k === len) return true;
    }
  }

  /** The data to hand to another thread (then transfer `table`). */
  toData(): RevokedTableData {
    return this.data;
  }
}

/** Collects serials (INTEGER contents, as in the DER) into a table sized for `expected` of them. */
export class RevokedTableBuilder {
  private slots: number;
  private bytes: Uint8Array;
  private count = 0;
  private readonly overflow = new Set<string>();

  constructor(expected = 1024) {
    this.slots = RevokedTableBuilder.slotsFor(expected);
    this.bytes = new Uint8Array(this.slots * SLOT);
  }

  private static slotsFor(n: number): number {
    let s = 16;
    while (s * 0.7 < n + 1) s *= 2;
    return s;
  }

  /** Adds the serial whose INTEGER content is der[from, to). */
  add(der: Uint8Array, from: number, to: number): void {
    while (from < to - 1 && der[from] === 0) from++;
    const len = to - from;
    if (len > MAX_BYTES) {
      const hex = Buffer.from(der.buffer, der.byteOffset + from, len).toString('hex').toUpperCase();
      if (!this.overflow.has(hex)) this.overflow.add(hex);
      return;
    }
    if ((this.count + 1) > this.slots * 0.7) this.grow();
    if (this.insert(this.bytes, this.slots - 1, der, from, len)) this.count++;
  }

  private insert(bytes: Uint8Array, mask: number, src: Uint8Array, from: number, len: number): boolean {
    for (let i = hash(src, from, from + len) & mask; ; i = (i + 1) & mask) {
      const at = i * SLOT;
      const l = bytes[at]!;
      if (l === 0) {
        bytes[at] = len;
        bytes.set(src.subarray(from, from + len), at + 1);
        return true;
      }
      if (l === len) {
        let same = true;
        for (let k = 0; k < len && same; k++) same = bytes[at + 1 + k] === src[from + k];
        if (same) return false;
      }
    }
  }

  private grow(): void {
    const old = this.bytes;
    const oldSlots = this.slots;
    this.slots *= 2;
    this.bytes = new Uint8Array(this.slots * SLOT);
    for (let i = 0; i < oldSlots; i++) {
      const at = i * SLOT;
      const len = old[at]!;
      if (len) this.insert(this.bytes, this.slots - 1, old, at + 1, len);
    }
  }

  build(): RevokedTable {
    return new RevokedTable({ table: this.bytes.buffer as ArrayBuffer, slots: this.slots, size: this.count + this.overflow.size, overflow: [...this.overflow] });
  }
}
