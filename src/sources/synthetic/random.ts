const TWO_POW_32 = 4_294_967_296;

/** Finalizer of MurmurHash3: spreads every bit of a 32-bit seed word over the whole state word. */
function mix32(value: number): number {
  let x = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/** Seeds are safe integers: every one gives its own stream. */
export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
}

/**
 * Seeded pseudo-random numbers (sfc32): fast, all-integer 32-bit arithmetic, and statistically
 * good enough for synthetic data. Not for anything secret.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    checkSeed(seed);
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    this.a = mix32(low);
    this.b = mix32(high ^ 0x9e3779b9);
    this.c = mix32(low ^ high ^ 0x6a09e667);
    // sfc32's authors discard the first outputs so that similar seeds diverge.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }
}
