import { growableUint32, growableUint8, withRoomFor } from '../wire/growable';
import { keyHashOf } from '../hashing/fnv1a';
import { TAG_BYTES, type KeyStore } from '../wire/key-store';
import { firstSlot, isCrowded, MIN_SLOTS, slotsFor } from './table-size';

const INITIAL_BYTES = 1 << 14;
const INITIAL_KEYS = 1 << 10;

/**
 * Dense ids for byte strings: an open-addressing hash table (linear probing) over the keys' keyHashOf,
 * computed by the caller, that compares bytes against its own store, so looking up a key seen before
 * decodes nothing and allocates nothing. The keys are kept once, as UTF-8 in a KeyStore the writer
 * thread reads its names from; per key that is its bytes and a 4-byte end, plus 5 bytes per slot of
 * the table (an id, and a byte of the hash that spares most probes a look at the key's bytes).
 * A tagged interner keys byte ranges with a small tag (a page key's topic length, so "ab"+"c" and
 * "a"+"bc" differ), stored in front of the bytes.
 */
export class ByteInterner {
  /** Id + 1 per slot, 0 = free; at most three quarters full (table-size). */
  private slots = new Int32Array(MIN_SLOTS);
  /** Per slot, the top byte of its key's hash. */
  private fragments = new Uint8Array(MIN_SLOTS);
  private bytes = growableUint8(INITIAL_BYTES);
  private ends = growableUint32(INITIAL_KEYS);
  private byteLength = 0;
  size = 0;

  constructor(private readonly tagged: boolean) {}

  /**
   * Empties the interner to intern again into the same store (one the writer no longer reads), taking
   * over the table of `retiring`, an interner whose keys are being interned here (so it is large enough
   * for them): a table left behind would be garbage of the size of the table.
   */
  restartWithTableOf(retiring: ByteInterner): void {
    this.size = 0;
    this.byteLength = 0;
    this.slots = retiring.slots.fill(0);
    this.fragments = retiring.fragments;
    retiring.slots = new Int32Array(MIN_SLOTS);
    retiring.fragments = new Uint8Array(MIN_SLOTS);
  }

  /** The store of every key interned so far, and of those to come. */
  get store(): KeyStore {
    return { bytes: this.bytes.buffer, ends: this.ends.buffer, tagged: this.tagged };
  }

  /** The id of bytes[start, end) with `tag`, whose keyHashOf is `hash`. */
  intern(bytes: Uint8Array, start: number, end: number, tag: number, hash: number): number {
    const slots = this.slots;
    const fragments = this.fragments;
    const slotCount = slots.length;
    const fragment = hash >>> 24;
    for (let slot = firstSlot(mix(hash), slotCount); ; slot = slot + 1 === slotCount ? 0 : slot + 1) {
      const id = slots[slot] - 1;
      if (id === -1) return this.add(slot, fragment, bytes, start, end, tag);
      if (fragments[slot] === fragment && this.equals(id, bytes, start, end, tag)) return id;
    }
  }

  /** The bytes of key `id`, without its tag, as [start, end) of `keyBytes()`. */
  keyStart(id: number): number {
    return (id === 0 ? 0 : this.ends[id - 1]) + (this.tagged ? TAG_BYTES : 0);
  }

  keyEnd(id: number): number {
    return this.ends[id];
  }

  keyTag(id: number): number {
    if (!this.tagged) return 0;
    const at = id === 0 ? 0 : this.ends[id - 1];
    return this.bytes[at] | (this.bytes[at + 1] << 8);
  }

  keyBytes(): Uint8Array {
    return this.bytes;
  }

  private equals(id: number, key: Uint8Array, start: number, end: number, tag: number): boolean {
    const bytes = this.bytes;
    let at = id === 0 ? 0 : this.ends[id - 1];
    if (this.tagged) {
      if ((bytes[at] | (bytes[at + 1] << 8)) !== tag) return false;
      at += TAG_BYTES;
    }
    if (this.ends[id] - at !== end - start) return false;
    for (let i = start; i < end; i++, at++) if (bytes[at] !== key[i]) return false;
    return true;
  }

  private add(slot: number, fragment: number, key: Uint8Array, start: number, end: number, tag: number): number {
    const id = this.size++;
    let at = this.byteLength;
    const byteLength = at + end - start + (this.tagged ? TAG_BYTES : 0);
    const bytes = (this.bytes = withRoomFor(this.bytes, byteLength));
    if (this.tagged) {
      bytes[at++] = tag & 0xff;
      bytes[at++] = tag >>> 8;
    }
    // A loop, not set(subarray): keys are short, and a subarray is an object per new key.
    for (let i = start; i < end; i++) bytes[at++] = key[i];
    this.ends = withRoomFor(this.ends, id + 1);
    this.ends[id] = byteLength;
    this.byteLength = byteLength;
    this.slots[slot] = id + 1;
    this.fragments[slot] = fragment;
    if (isCrowded(this.size, this.slots.length)) this.growTable();
    return id;
  }

  /** A new table, half full with the keys so far; each key's hash is taken again from its bytes (rare, and cheaper than keeping it). */
  private growTable(): void {
    const slotCount = slotsFor(this.size);
    const slots = new Int32Array(slotCount);
    const fragments = new Uint8Array(slotCount);
    for (let id = 0; id < this.size; id++) {
      const hash = keyHashOf(this.bytes, this.keyStart(id), this.ends[id], this.keyTag(id));
      let slot = firstSlot(mix(hash), slotCount);
      while (slots[slot] !== 0) slot = slot + 1 === slotCount ? 0 : slot + 1;
      slots[slot] = id + 1;
      fragments[slot] = hash >>> 24;
    }
    this.slots = slots;
    this.fragments = fragments;
  }
}

/**
 * The hash with every bit spread up to the high ones firstSlot reads (a fold and an odd multiplier),
 * so that neither the low bits the keys of one shard share (the shard is the client's hash modulo
 * the shard count) nor the top byte kept as the fragment decide the slot.
 */
function mix(hash: number): number {
  return Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
}
