import type { Random } from './random';

/**
 * Walker's alias method: samples a fixed discrete distribution in O(1) with one random draw, so
 * skewed choices among 100,000 clients cost no more than uniform ones.
 */
export class AliasTable {
  readonly size: number;
  /**
   * Column i is [2i] the probability of keeping i, [2i + 1] the alias to take otherwise: side by
   * side, a draw touches one cache line even in a table of 100,000 columns.
   */
  private readonly columns: Float64Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError('an alias table needs at least one weight');
    this.size = n;
    this.columns = new Float64Array(2 * n);
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / total;
      (scaled[i] < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const under = small.pop() as number;
      const over = large[large.length - 1];
      this.columns[2 * under] = scaled[under];
      this.columns[2 * under + 1] = over;
      scaled[over] -= 1 - scaled[under];
      if (scaled[over] < 1) small.push(large.pop() as number);
    }
    // What is left is 1 up to rounding error: always keep it.
    for (const i of [...small, ...large]) this.columns[2 * i] = 1;
  }

  sample(random: Random): number {
    const x = random.nextFloat() * this.size;
    const column = x | 0;
    return x - column < this.columns[2 * column] ? column : this.columns[2 * column + 1];
  }
}

/** Zipf-like weights: the item of rank r (0-based) weighs 1 / (r + 1)^exponent; 0 is uniform. */
export function zipfWeights(n: number, exponent: number): Float64Array {
  const weights = new Float64Array(n);
  for (let r = 0; r < n; r++) weights[r] = 1 / Math.pow(r + 1, exponent);
  return weights;
}
