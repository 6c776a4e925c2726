import { BrokenLink, FIXES } from "../failures";
import { duration, seconds } from "../format";
import { describeAnswer, httpGet, joinUrl } from "../http";
import { isRecord, parseJson } from "../json";
import { Attempt, pollUntil } from "../poll";
import { SearchTarget } from "./search";
import { CheckDeps, StepDone, rejectsCredentials, tempoRejected, timeLeft } from "./types";

/** What the metrics step needs: the search step's target, without the trace id. */
export type MetricsTarget = Pick<
  SearchTarget,
  "tempoUrl" | "tempoHeaders" | "serviceName" | "sentAtMs" | "exportedAt" | "deadline" | "timeoutMs" | "searchPollMs"
>;

/**
 * How far back the query reaches, and its step: a few minutes in one-second steps. Tempo counts
 * a span in its step only once that step has ended, so a 15 s step made the span count up to 15 s
 * later (measured on Tempo 3.0.3: 3.6 to 16 s with 15 s steps, 1.3 to 2.1 s with 1 s steps).
 */
const RANGE_BACK_S = 300;
const RANGE_AHEAD_S = 60;
const STEP = "1s";

/** The metrics query verify asks: the service's spans counted, as the overview dashboard's panels do. */
export function metricsQuery(serviceName: string): string {
  return `{resource.service.name=${JSON.stringify(serviceName)}} | count_over_time()`;
}

/**
 * Step 5: TraceQL metrics over the last minutes return a series with the span in it. The
 * overview dashboard is made of such queries: a Tempo that cannot answer them (2.10 without the
 * metrics generator's local-blocks processor, a query frontend refusing the range) fails here.
 */
export async function checkMetrics(target: MetricsTarget, deps: CheckDeps): Promise<StepDone<void>> {
  const query = metricsQuery(target.serviceName);
  const sentS = Math.floor(target.sentAtMs / 1000);
  const params = new URLSearchParams({
    q: query,
    start: String(sentS - RANGE_BACK_S),
    end: String(sentS + RANGE_AHEAD_S),
    step: STEP,
  });
  const url = joinUrl(target.tempoUrl, `api/metrics/query_range?${params.toString()}`);
  const attempt = async (): Promise<Attempt<number>> => {
    const answer = await httpGet(deps.http, url, {
      headers: target.tempoHeaders,
      timeoutMs: timeLeft(target.deadline, deps),
    });
    if (rejectsCredentials(answer)) {
      throw tempoRejected(url, answer);
    }
    if (!answer.reached || answer.status !== 200) {
      return { done: false, miss: describeAnswer(answer) };
    }
    const total = sampleTotal(parseJson(answer.body));
    return total > 0 ? { done: true, value: total } : { done: false, miss: "HTTP 200 with no series" };
  };
  const result = await pollUntil(attempt, target.deadline, deps.clock, target.searchPollMs);
  if (!result.done) {
    throw new BrokenLink(
      "TraceQL metrics empty",
      `${query} over the last ${RANGE_BACK_S / 60} minutes returned no series within ${seconds(target.timeoutMs)} (last answer: ${result.miss})`,
      FIXES.metricsEmpty,
    );
  }
  const after = duration(deps.clock.now() - target.exportedAt);
  return { value: undefined, notes: [`${query} counts ${result.value} span(s), ${after} after the export`] };
}

/** The sum of every sample of every series of a QueryRangeResponse (pkg/tempopb). */
export function sampleTotal(body: unknown): number {
  if (!isRecord(body) || !Array.isArray(body.series)) {
    return 0;
  }
  let total = 0;
  for (const series of body.series as unknown[]) {
    const samples = isRecord(series) && Array.isArray(series.samples) ? (series.samples as unknown[]) : [];
    for (const sample of samples) {
      const value = isRecord(sample) ? Number(sample.value) : Number.NaN;
      total += Number.isFinite(value) ? value : 0;
    }
  }
  return total;
}
