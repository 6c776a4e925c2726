import { freshnessOf } from "../../config/files/tempoFreshness";
import { seconds } from "./format";
import { UsageError } from "./usageError";

/**
 * How long a fresh trace may take to become visible, from what the deployed tempo.yaml promises
 * (the stacks' `tempoSearchWithinSeconds` output, derived by config/files/tempoFreshness.ts),
 * plus headroom for what the promise does not cover: the search request itself, a clock
 * difference between this machine and Tempo, and the poll interval.
 */
export const SEARCH_HEADROOM_MS = 5000;

/**
 * Without a stack to ask: what Tempo 3.0 promises with its own defaults (a 30 s end cutoff,
 * rounded to whole seconds: 31 s). Tempo 2.10's defaults promise less (15 s), so this covers both.
 */
export const DEFAULT_SEARCH_WITHIN_MS = freshnessOf({}, "3.0").withinMs;

/**
 * Searches are cheap but not free: a twentieth of the promise between two, within these
 * bounds, so the time to visibility reported is within 5 % of the promise (or 0.5 s) of the truth.
 */
export const MIN_SEARCH_POLL_MS = 100;
export const MAX_SEARCH_POLL_MS = 500;

export interface VisibilityBudget {
  /** How long after its export the trace may take to be readable by id and listed by search. */
  readonly timeoutMs: number;
  /** What the deployed config promises for search, when known, else Tempo's default promise. */
  readonly searchWithinMs: number;
  /** Between two searches. */
  readonly searchPollMs: number;
  /** Where the timeout came from, for the first line of the report. */
  readonly source: string;
}

/**
 * `--timeout` when given (any positive number of seconds), else the stack's promise plus
 * headroom, else Tempo 3.0's default promise plus headroom.
 */
export function visibilityBudget(flag: string | undefined, stackWithinSeconds: number | undefined): VisibilityBudget {
  const searchWithinMs = stackWithinSeconds !== undefined ? stackWithinSeconds * 1000 : DEFAULT_SEARCH_WITHIN_MS;
  const searchPollMs = searchPollInterval(searchWithinMs);
  if (flag !== undefined) {
    const value = Number(flag);
    if (flag.trim() === "" || !Number.isFinite(value) || value <= 0) {
      throw new UsageError(`--timeout ${JSON.stringify(flag)}: expected a number of seconds greater than 0`);
    }
    return { timeoutMs: value * 1000, searchWithinMs, searchPollMs, source: "--timeout" };
  }
  const promise =
    stackWithinSeconds !== undefined
      ? `the stack's tempo.yaml lists a fresh trace within ${seconds(searchWithinMs)} (tempoSearchWithinSeconds)`
      : `Tempo 3.0's defaults list a fresh trace within ${seconds(searchWithinMs)}; no tempoSearchWithinSeconds output`;
  return {
    timeoutMs: searchWithinMs + SEARCH_HEADROOM_MS,
    searchWithinMs,
    searchPollMs,
    source: `${promise}, + ${seconds(SEARCH_HEADROOM_MS)}`,
  };
}

export function searchPollInterval(searchWithinMs: number): number {
  return Math.min(MAX_SEARCH_POLL_MS, Math.max(MIN_SEARCH_POLL_MS, Math.round(searchWithinMs / 20)));
}
