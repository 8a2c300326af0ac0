/**
 * A seeded xorshift32 generator of floats in [0, 1): the benchmarks give every engine the same
 * sequence of rows to read and update, so engines are compared on the same work. Not for secrets.
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}
