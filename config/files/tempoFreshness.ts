import { TempoLine } from "../constants/tempoReleases";
import { goDurationMs } from "./goDuration";
import { TempoSettings, buildTempoConfig } from "./tempoConfig";

/**
 * How soon a fresh trace is listed by TraceQL search (`/api/search`, what Grafana runs), as
 * the tempo.yaml this project writes promises it. Read from Tempo's source at the release tags:
 *
 * - The query frontend cuts every search window's end to now − `query_frontend.query_end_cutoff`
 *   and passes it on in whole seconds, rounded down (`modules/frontend/frontend.go`,
 *   `pipeline/async_adjust_start_end.go`, `pkg/api/http.go` `ClampDateRangeReq`). A trace that
 *   started at T is inside the window from ceil(T) + cutoff on: at most cutoff + 1 s after T.
 * - Search reads the live-store's head, WAL and complete blocks, never its live traces
 *   (`modules/livestore/instance_search.go` `iterateBlocks`). A live trace is cut into the head
 *   block on the first `flush_check_period` tick at which its last span is more than
 *   `max_trace_idle` old (`pkg/livetraces` `CutIdle`, `live_store_background.go`): at most
 *   idle + flush check period after its last span. Tempo 2.10's ingester does the same with
 *   `ingester.trace_idle_period` and `ingester.flush_check_period`.
 *
 * Both must hold and both clocks run at once, so the promise is the larger of the two, counted
 * from the export of the trace's last span (its start is never later).
 */
export interface SearchFreshness {
  /** `query_frontend.query_end_cutoff`. */
  readonly queryEndCutoffMs: number;
  /** `live_store.max_trace_idle` (3.0), `ingester.trace_idle_period` (2.10). */
  readonly traceIdleMs: number;
  /** `live_store.flush_check_period` (3.0), `ingester.flush_check_period` (2.10). */
  readonly flushCheckPeriodMs: number;
  /** A trace is listed by search at most this long after its last span was exported. */
  readonly withinMs: number;
}

/** Where each setting lives in tempo.yaml, and its default when the key is absent. */
interface FreshnessKey {
  readonly path: readonly string[];
  readonly defaultMs: number;
}

/**
 * The keys per release line, with Tempo's defaults: `modules/frontend/config.go` (cutoff 30 s in
 * 3.0.3, unset, i.e. 0, in 2.10.8), `modules/livestore/config.go` (3.0.3: idle 5 s, check 5 s),
 * `modules/ingester/config.go` (2.10.8: idle 5 s, check 10 s).
 */
export const FRESHNESS_KEYS: Readonly<
  Record<TempoLine, Readonly<Record<"cutoff" | "idle" | "flushCheck", FreshnessKey>>>
> = {
  "3.0": {
    cutoff: { path: ["query_frontend", "query_end_cutoff"], defaultMs: 30_000 },
    idle: { path: ["live_store", "max_trace_idle"], defaultMs: 5_000 },
    flushCheck: { path: ["live_store", "flush_check_period"], defaultMs: 5_000 },
  },
  "2.10": {
    cutoff: { path: ["query_frontend", "query_end_cutoff"], defaultMs: 0 },
    idle: { path: ["ingester", "trace_idle_period"], defaultMs: 5_000 },
    flushCheck: { path: ["ingester", "flush_check_period"], defaultMs: 10_000 },
  },
};

/** The search end is sent in whole seconds, rounded down: up to one more second. */
const END_TRUNCATION_MS = 1000;

/** The freshness the tempo.yaml built from `settings` promises. */
export function searchFreshness(settings: TempoSettings): SearchFreshness {
  return freshnessOf(buildTempoConfig(settings), settings.release.line);
}

/** The stacks' `tempoSearchWithinSeconds` output: the promise, in seconds. */
export function tempoSearchWithinSeconds(settings: TempoSettings): number {
  return searchFreshness(settings).withinMs / 1000;
}

/**
 * The freshness a tempo.yaml document promises; an absent key means Tempo's default, so
 * `freshnessOf({}, "3.0")` is what a Tempo 3.0 with its defaults promises.
 */
export function freshnessOf(document: unknown, line: TempoLine): SearchFreshness {
  const keys = FRESHNESS_KEYS[line];
  const queryEndCutoffMs = durationAt(document, keys.cutoff);
  const traceIdleMs = durationAt(document, keys.idle);
  const flushCheckPeriodMs = durationAt(document, keys.flushCheck);
  const withinMs = Math.max(queryEndCutoffMs + END_TRUNCATION_MS, traceIdleMs + flushCheckPeriodMs);
  return { queryEndCutoffMs, traceIdleMs, flushCheckPeriodMs, withinMs };
}

function durationAt(document: unknown, key: FreshnessKey): number {
  let value: unknown = document;
  for (const name of key.path) {
    value =
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)[name]
        : undefined;
  }
  if (value === undefined) {
    return key.defaultMs;
  }
  if (typeof value !== "string") {
    throw new Error(`${key.path.join(".")}: expected a Go duration string, got ${JSON.stringify(value)}`);
  }
  return goDurationMs(value, key.path.join("."));
}
