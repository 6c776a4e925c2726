import { BrokenLink, FIXES } from "../failures";
import { duration, seconds } from "../format";
import { Headers } from "../headers";
import { describeAnswer, httpGet, joinUrl } from "../http";
import { isRecord, parseJson, stringField } from "../json";
import { Attempt, pollUntil } from "../poll";
import { sameTraceId } from "../traceId";
import { CheckDeps, StepDone, rejectsCredentials, tempoRejected, timeLeft } from "./types";

export interface SearchTarget {
  readonly tempoUrl: string;
  readonly tempoHeaders: Headers;
  readonly serviceName: string;
  readonly traceId: string;
  /** Unix milliseconds when the span was sent: the search window is around it. */
  readonly sentAtMs: number;
  /** `clock.now()` when the export was accepted: visibility is timed from here. */
  readonly exportedAt: number;
  readonly deadline: number;
  readonly timeoutMs: number;
  /** What the deployed tempo.yaml promises, for the report. */
  readonly searchWithinMs: number;
  /** Between two searches. */
  readonly searchPollMs: number;
}

/** Slack on both sides of the window, for clock skew between this machine and Tempo. */
const WINDOW_SLACK_S = 60;
/** Above Tempo's default of 20, so other recent traces of the service do not crowd ours out. */
const SEARCH_LIMIT = 100;

/** The guide's example TraceQL queries that must find the agent's span. */
export function guideQueries(serviceName: string): string[] {
  const service = `resource.service.name=${JSON.stringify(serviceName)}`;
  return [`{${service}}`, `{${service} && span.agent.has_history=true}`];
}

/**
 * Step 4: each of the guide's TraceQL searches lists the trace. Polled until the deadline:
 * Tempo lists a trace only once its search window (which ends `query_end_cutoff` in the past)
 * reaches the trace and the live-store has cut it into a block.
 */
export async function checkSearch(target: SearchTarget, deps: CheckDeps): Promise<StepDone<void>> {
  const notes: string[] = [];
  for (const query of guideQueries(target.serviceName)) {
    const windowStartS = Math.floor(target.sentAtMs / 1000) - WINDOW_SLACK_S;
    const search = () => searchLists({ ...target, windowStartS }, query, deps);
    const result = await pollUntil(search, target.deadline, deps.clock, target.searchPollMs);
    if (!result.done) {
      throw new BrokenLink(
        "search empty",
        `TraceQL ${query} did not list trace ${target.traceId} within ${seconds(target.timeoutMs)} (last answer: ${result.miss})`,
        FIXES.searchEmpty,
      );
    }
    const after = duration(deps.clock.now() - target.exportedAt);
    const promise = `promised within ${seconds(target.searchWithinMs)}, searched every ${seconds(target.searchPollMs)}`;
    notes.push(`${query} lists it, ${after} after the export (${promise})`);
  }
  return { value: undefined, notes };
}

/** One search for one trace: its id, and where the window starts. */
export interface TraceSearch {
  readonly tempoUrl: string;
  readonly tempoHeaders: Headers;
  readonly traceId: string;
  /** Unix seconds. The end is always after now: Tempo cuts it to now − query_end_cutoff. */
  readonly windowStartS: number;
  /** A `clock.now()` value: the request may take what is left until then. */
  readonly deadline: number;
}

/**
 * One TraceQL search: done when it lists the trace. Rejected credentials throw a BrokenLink,
 * since waiting will not change them.
 */
export async function searchLists(target: TraceSearch, query: string, deps: CheckDeps): Promise<Attempt<void>> {
  const params = new URLSearchParams({
    q: query,
    start: String(target.windowStartS),
    end: String(Math.ceil(deps.clock.wallNow() / 1000) + WINDOW_SLACK_S),
    limit: String(SEARCH_LIMIT),
  });
  const url = joinUrl(target.tempoUrl, `api/search?${params.toString()}`);
  const timeoutMs = timeLeft(target.deadline, deps);
  const answer = await httpGet(deps.http, url, { headers: target.tempoHeaders, timeoutMs });
  if (rejectsCredentials(answer)) {
    throw tempoRejected(url, answer);
  }
  if (!answer.reached || answer.status !== 200) {
    return { done: false, miss: describeAnswer(answer) };
  }
  const ids = traceIds(parseJson(answer.body));
  if (ids.some((id) => sameTraceId(id, target.traceId))) {
    return { done: true, value: undefined };
  }
  return { done: false, miss: `HTTP 200 with ${ids.length} other trace(s)` };
}

/** `traceID`s of a search answer `{ traces: [{ traceID }] }`; anything else counts as none. */
export function traceIds(body: unknown): string[] {
  const traces = isRecord(body) && Array.isArray(body.traces) ? (body.traces as unknown[]) : [];
  return traces.flatMap((trace) => stringField(trace, "traceID") ?? []);
}
