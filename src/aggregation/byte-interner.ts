/**
 * Dense ids for byte strings: an open-addressing hash table (linear probing) over the keys' keyHashOf,
 * computed by the caller, that compares bytes against its own arena, so looking up a key seen before
 * decodes nothing and allocates nothing.
 * A key is a byte range plus a small `tag` (the topic length of a topic+page key, so "ab"+"c" and
 * "a"+"bc" differ).
 */
export class ByteInterner {
  private slots = new Int32Array(1 << 12);
  private hashes = new Uint32Array(1 << 10);
  private starts = new Uint32Array(1 << 10);
  private lengths = new Uint32Array(1 << 10);
  private tags = new Uint32Array(1 << 10);
  private arena = Buffer.allocUnsafeSlow(1 << 16);
  private arenaLength = 0;
  size = 0;
  /** Whether the last `intern` created its id. */
  isNew = false;

  /** The id of bytes[start, end) with `tag`, whose keyHashOf is `hash`. */
  intern(bytes: Uint8Array, start: number, end: number, tag: number, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot] - 1;
      if (id === -1) {
        this.isNew = true;
        return this.add(slot, hash, bytes, start, end, tag);
      }
      if (this.hashes[id] === hash && this.tags[id] === tag && this.equals(id, bytes, start, end)) {
        this.isNew = false;
        return id;
      }
    }
  }

  private equals(id: number, bytes: Uint8Array, start: number, end: number): boolean {
    const length = end - start;
    if (this.lengths[id] !== length) return false;
    const arena = this.arena;
    const at = this.starts[id] - start;
    for (let i = start; i < end; i++) if (arena[at + i] !== bytes[i]) return false;
    return true;
  }

  private add(slot: number, hash: number, bytes: Uint8Array, start: number, end: number, tag: number): number {
    const id = this.size++;
    if (id === this.hashes.length) this.growColumns();
    const length = end - start;
    if (this.arenaLength + length > this.arena.length) this.growArena(length);
    this.arena.set(bytes.subarray(start, end), this.arenaLength);
    this.hashes[id] = hash;
    this.starts[id] = this.arenaLength;
    this.lengths[id] = length;
    this.tags[id] = tag;
    this.arenaLength += length;
    this.slots[slot] = id + 1;
    // Keep the table at most half full, so probes stay short.
    if (this.size * 2 > this.slots.length) this.rehash();
    return id;
  }

  private growColumns(): void {
    const grow = (column: Uint32Array) => {
      const grown = new Uint32Array(column.length * 2);
      grown.set(column);
      return grown;
    };
    this.hashes = grow(this.hashes);
    this.starts = grow(this.starts);
    this.lengths = grow(this.lengths);
    this.tags = grow(this.tags);
  }

  private growArena(extra: number): void {
    const grown = Buffer.allocUnsafeSlow(Math.max(this.arena.length * 2, this.arenaLength + extra));
    this.arena.copy(grown, 0, 0, this.arenaLength);
    this.arena = grown;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = this.hashes[id] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
  }
}
