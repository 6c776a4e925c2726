import { BrokenLink, FIXES } from "../failures";
import { Fetch, HttpOutcome, REQUEST_TIMEOUT_MS, describeAnswer } from "../http";
import { Clock } from "../poll";

/** What every check gets injected. */
export interface CheckDeps {
  readonly http: Fetch;
  readonly clock: Clock;
}

/** A check that passed: what it found, and lines worth showing under its step. */
export interface StepDone<T> {
  readonly value: T;
  readonly notes: readonly string[];
}

/** An endpoint that refuses the request itself will not start accepting it by waiting. */
export function rejectsCredentials(outcome: HttpOutcome): boolean {
  return outcome.reached && (outcome.status === 401 || outcome.status === 403);
}

/** Thrown at once, not polled on: Tempo's query API (or its ingress) refused the credentials. */
export function tempoRejected(url: string, answer: HttpOutcome): BrokenLink {
  return new BrokenLink(
    "Tempo query API rejected the request",
    `${url}: ${describeAnswer(answer)}`,
    FIXES.tempoCredentials,
  );
}

/** A request inside a poll may use what is left of the deadline, within sane bounds. */
export function timeLeft(deadline: number, deps: CheckDeps): number {
  return Math.min(REQUEST_TIMEOUT_MS, Math.max(250, Math.round(deadline - deps.clock.now())));
}
