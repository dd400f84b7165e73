/** Seeded randomness for the benchmarks' data, so every run seeds the same data and asks the same queries. */

export { randomSource } from '../../test/harness/random';

/** Picks ranks 0..n-1 with probability proportional to 1 / (rank + 1)^exponent. */
export function zipf(n: number, exponent: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) cumulative[rank] = total += 1 / Math.pow(rank + 1, exponent);
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle] < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}
