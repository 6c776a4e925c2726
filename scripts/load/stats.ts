/** Percentiles of a set of durations, in milliseconds; all undefined when there are none. */
export interface Percentiles {
  readonly count: number;
  readonly p50?: number;
  readonly p90?: number;
  readonly p99?: number;
  readonly max?: number;
}

/** Nearest-rank percentiles: p50 is a value that was measured, not an interpolation. */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) {
    return { count: 0 };
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    count: sorted.length,
    p50: round(rank(50)),
    p90: round(rank(90)),
    p99: round(rank(99)),
    max: round(sorted[sorted.length - 1]),
  };
}

/** `{200: 5, 429: 2}` from a map, keys in ascending order, for the JSON report. */
export function countsOf<K extends string | number>(counts: ReadonlyMap<K, number>): Record<string, number> {
  return Object.fromEntries(
    [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [String(k), v]),
  );
}

export function increment<K>(counts: Map<K, number>, key: K, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}
