/** Time, injected so polling can be driven by a test. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Unix milliseconds, on the same time line: span timestamps and search windows. */
  wallNow(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Between two attempts: short, so the time to visibility we report is close to the real one. */
export const POLL_INTERVAL_MS = 200;

/** One try: done with a value, or missed, with what was seen instead (a reason by default). */
export type Attempt<T, Miss = string> =
  { readonly done: true; readonly value: T } | { readonly done: false; readonly miss: Miss };

export type PollResult<T, Miss = string> =
  | { readonly done: true; readonly value: T; readonly elapsedMs: number }
  | { readonly done: false; readonly miss: Miss; readonly elapsedMs: number };

/**
 * Calls `attempt` until it is done or `deadline` (a `clock.now()` value) passes. It always
 * attempts at least once; when it gives up, `miss` is the last attempt's.
 */
export async function pollUntil<T, Miss = string>(
  attempt: () => Promise<Attempt<T, Miss>>,
  deadline: number,
  clock: Clock,
  intervalMs = POLL_INTERVAL_MS,
): Promise<PollResult<T, Miss>> {
  const start = clock.now();
  for (;;) {
    const result = await attempt();
    const elapsedMs = clock.now() - start;
    if (result.done) {
      return { done: true, value: result.value, elapsedMs };
    }
    const left = deadline - clock.now();
    if (left <= 0) {
      return { done: false, miss: result.miss, elapsedMs };
    }
    // The last wait is shortened so that one more attempt lands on the deadline itself.
    await clock.sleep(Math.min(intervalMs, left));
  }
}
