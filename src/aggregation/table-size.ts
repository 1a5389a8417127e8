/**
 * Sizing of the open-addressing tables (linear probing) of interners and panes. A table grows once
 * three quarters full, to half full: by half again, not twice, so a table is never under half full
 * for long (a slot costs 4 or 5 bytes of every key's state; a power-of-two table that has just
 * passed a power of two holds its keys at under 40%). Any size works, since a key's first slot is
 * its mixed hash scaled to the table (`firstSlot`), not masked.
 */
export const MIN_SLOTS = 1 << 10;
/** 2^-32: multiplying by it is exact, as dividing by 2^32 is, and cheaper. */
const TWO_TO_MINUS_32 = 1 / 4294967296;

/** Whether a table of `slotCount` slots holding `keys` keys is to grow. */
export function isCrowded(keys: number, slotCount: number): boolean {
  return 4 * keys > 3 * slotCount;
}

/** Slots of a table for `keys` keys, half full. */
export function slotsFor(keys: number): number {
  return Math.max(MIN_SLOTS, 2 * keys);
}

/**
 * The slot a key starts at in a table of `slotCount` slots: its 32-bit mixed hash times the table
 * size over 2^32 (exact in float64 for tables under 2^21 slots; above, rounding never reaches
 * `slotCount`). Uses the hash's high bits, so the mix must spread every input bit up to them.
 */
export function firstSlot(mixedHash: number, slotCount: number): number {
  return ((mixedHash >>> 0) * slotCount * TWO_TO_MINUS_32) >>> 0;
}
