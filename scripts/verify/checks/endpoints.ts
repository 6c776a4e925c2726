import { BrokenLink, FIXES } from "../failures";
import { duration } from "../format";
import { HttpOutcome, describeAnswer, httpGet, joinUrl } from "../http";
import { pollUntil } from "../poll";
import { CheckDeps, StepDone, rejectsCredentials, tempoRejected } from "./types";

export interface EndpointsTarget {
  readonly otlpUrl: string;
  readonly tempoUrl: string;
  readonly tempoHeaders: Readonly<Record<string, string>>;
  readonly readyWaitMs: number;
  /** For the fix: `pulumi up -s <stack>`. */
  readonly stack: string;
}

/** A short wait for the base URL: anything listening answers at once. */
const REACHABLE_TIMEOUT_MS = 3000;

/**
 * Step 1: something answers HTTP at the OTLP endpoint (any status: the base URL has no route),
 * and Tempo's `/ready` answers 200, polled briefly since Tempo may still be starting.
 */
export async function checkEndpoints(target: EndpointsTarget, deps: CheckDeps): Promise<StepDone<void>> {
  const otlp = await httpGet(deps.http, target.otlpUrl, { timeoutMs: REACHABLE_TIMEOUT_MS });
  if (!otlp.reached) {
    const problem = `${target.otlpUrl}: ${otlp.reason}`;
    throw new BrokenLink("OTLP endpoint unreachable", problem, FIXES.stackDown(target.stack));
  }

  const readyUrl = joinUrl(target.tempoUrl, "ready");
  const ready = await pollUntil<void, HttpOutcome>(
    async () => {
      const answer = await httpGet(deps.http, readyUrl, { headers: target.tempoHeaders });
      if (rejectsCredentials(answer)) {
        throw tempoRejected(readyUrl, answer);
      }
      return answer.reached && answer.status === 200 ? { done: true, value: undefined } : { done: false, miss: answer };
    },
    deps.clock.now() + target.readyWaitMs,
    deps.clock,
  );
  if (!ready.done) {
    const problem = `${readyUrl}: ${describeAnswer(ready.miss)} (waited ${duration(ready.elapsedMs)})`;
    throw ready.miss.reached
      ? new BrokenLink("Tempo not ready", problem, FIXES.tempoNotReady)
      : new BrokenLink("Tempo query API unreachable", problem, FIXES.stackDown(target.stack));
  }
  return {
    value: undefined,
    notes: [`OTLP ${target.otlpUrl} answers (HTTP ${otlp.status})`, `Tempo ${readyUrl}: ready`],
  };
}
