import { BrokenLink, FIXES } from "../failures";
import { duration, seconds } from "../format";
import { Headers } from "../headers";
import { HttpOutcome, describeAnswer, httpGet, joinUrl } from "../http";
import { Attempt, pollUntil } from "../poll";
import { TEST_SPAN } from "../sendSpan";
import { CheckDeps, StepDone, rejectsCredentials, tempoRejected, timeLeft } from "./types";

export interface TraceLookup {
  readonly tempoUrl: string;
  readonly tempoHeaders: Headers;
  readonly traceId: string;
  /** A `clock.now()` value: give up after it. */
  readonly deadline: number;
  readonly timeoutMs: number;
}

export interface StoredTrace {
  /** The route that answered: Tempo 2.x/3.x serve v2, older releases only v1. */
  readonly route: "/api/v2/traces" | "/api/traces";
  readonly elapsedMs: number;
}

/**
 * Step 3: Tempo returns the trace by id. Each attempt asks v2 first; a 404 there may mean
 * "not stored yet" or "no such route", so v1 is asked too, and both are polled to the deadline.
 */
export async function checkTraceStored(lookup: TraceLookup, deps: CheckDeps): Promise<StepDone<StoredTrace>> {
  const expected = JSON.stringify(TEST_SPAN.name);
  const result = await pollUntil(() => findTrace(lookup, expected, deps), lookup.deadline, deps.clock);
  if (!result.done) {
    throw new BrokenLink(
      "trace not stored",
      `Tempo did not return trace ${lookup.traceId} within ${seconds(lookup.timeoutMs)} (last answer: ${result.miss})`,
      FIXES.traceNotStored,
    );
  }
  const stored = { route: result.value, elapsedMs: result.elapsedMs };
  return { value: stored, notes: [`visible after ${duration(stored.elapsedMs)} at ${stored.route}/${lookup.traceId}`] };
}

/**
 * One read by id: done with the route that answered when a 200 carries `expected` (text the
 * trace must contain). Rejected credentials throw a BrokenLink.
 */
export async function findTrace(
  lookup: Pick<TraceLookup, "tempoUrl" | "tempoHeaders" | "traceId" | "deadline">,
  expected: string,
  deps: CheckDeps,
): Promise<Attempt<StoredTrace["route"]>> {
  const v2 = await fetchTrace(lookup, deps, "/api/v2/traces");
  if (holdsTrace(v2, expected)) {
    return { done: true, value: "/api/v2/traces" };
  }
  if (!(v2.reached && v2.status === 404)) {
    return { done: false, miss: `/api/v2/traces: ${describeAnswer(v2)}` };
  }
  const v1 = await fetchTrace(lookup, deps, "/api/traces");
  if (holdsTrace(v1, expected)) {
    return { done: true, value: "/api/traces" };
  }
  return { done: false, miss: `/api/v2/traces: ${describeAnswer(v2)}; /api/traces: ${describeAnswer(v1)}` };
}

async function fetchTrace(
  lookup: Pick<TraceLookup, "tempoUrl" | "tempoHeaders" | "traceId" | "deadline">,
  deps: CheckDeps,
  route: StoredTrace["route"],
): Promise<HttpOutcome> {
  const url = joinUrl(lookup.tempoUrl, `${route}/${lookup.traceId}`);
  const timeoutMs = timeLeft(lookup.deadline, deps);
  const answer = await httpGet(deps.http, url, { headers: lookup.tempoHeaders, timeoutMs });
  if (rejectsCredentials(answer)) {
    throw tempoRejected(url, answer);
  }
  return answer;
}

/** A 200 counts only with our span in it, so an empty or partial answer is polled again. */
function holdsTrace(answer: HttpOutcome, expected: string): boolean {
  return answer.reached && answer.status === 200 && answer.body.includes(expected);
}
