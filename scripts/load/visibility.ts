import { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { CheckDeps } from "../verify/checks";
import { searchLists } from "../verify/checks/search";
import { findTrace } from "../verify/checks/traceStored";
import { Headers } from "../verify/headers";
import { Attempt, pollUntil } from "../verify/poll";
import { BatchOutcome } from "./exporting";
import { SAMPLE_ATTRIBUTE } from "./traffic";

export interface VisibilitySettings {
  readonly tempoUrl: string;
  readonly tempoHeaders: Headers;
  readonly serviceName: string;
  readonly spansPerTrace: number;
  /** How long after its export a sample may take. */
  readonly timeoutMs: number;
  /** What the deployed tempo.yaml promises: the search window reaches back this far, plus headroom. */
  readonly searchWithinMs: number;
  readonly searchPollMs: number;
}

/** One sampled trace and what became of it. */
export interface Sample {
  readonly key: string;
  readonly traceId: string;
  /** Unix ms when it was generated. */
  readonly sentAtMs: number;
  /** Spans not yet through the exporter. */
  pending: number;
  /** Some of its spans were refused or failed: not followed. */
  lost: boolean;
  /** `clock.now()` when its last span was accepted. */
  acceptedAt?: number;
  /** Milliseconds from acceptance until readable by id / listed by search; undefined: not (yet). */
  byIdMs?: number;
  searchMs?: number;
  /** Followed to the end: visible both ways, or timed out. */
  done: boolean;
}

/** Reads by id are cheap: asked often, so the time reported is close to the real one. */
const BY_ID_POLL_MS = 100;
/** Clock differences between this machine and Tempo, on top of the promise, for the window start. */
const WINDOW_MARGIN_S = 5;

/**
 * Follows sampled traces from the moment all their spans were accepted until Tempo returns them
 * by id and lists them in a TraceQL search, each on its own, while the load goes on.
 */
export class SampleWatcher {
  readonly samples: Sample[] = [];
  private readonly byTraceId = new Map<string, Sample>();
  private readonly watches: Promise<void>[] = [];
  /** A broken link met while watching (the query API refused the credentials); ends the run. */
  failure: unknown;

  constructor(
    private readonly settings: VisibilitySettings,
    private readonly deps: CheckDeps,
  ) {}

  /** Registers a trace that is about to be emitted. */
  add(key: string, traceId: string): void {
    const sample: Sample = {
      key,
      traceId,
      sentAtMs: this.deps.clock.wallNow(),
      pending: this.settings.spansPerTrace,
      lost: false,
      done: false,
    };
    this.samples.push(sample);
    this.byTraceId.set(traceId, sample);
  }

  /** From the exporter: a batch finished; samples whose last span was accepted start being followed. */
  onBatch(spans: readonly ReadableSpan[], outcome: BatchOutcome): void {
    if (this.byTraceId.size === 0) {
      return;
    }
    for (const span of spans) {
      const sample = this.byTraceId.get(span.spanContext().traceId);
      if (sample === undefined) {
        continue;
      }
      sample.pending -= 1;
      sample.lost ||= outcome.kind !== "accepted";
      if (sample.pending === 0) {
        this.byTraceId.delete(sample.traceId);
        if (sample.lost) {
          sample.done = true;
        } else {
          sample.acceptedAt = this.deps.clock.now();
          this.watches.push(this.follow(sample, sample.acceptedAt));
        }
      }
    }
  }

  /** Waits until every followed sample is visible or out of time. */
  async settle(): Promise<void> {
    // Watches may still be added while earlier ones settle.
    for (let i = 0; i < this.watches.length; i++) {
      await this.watches[i];
    }
  }

  /** Samples still being followed. */
  get following(): number {
    return this.samples.filter((sample) => sample.acceptedAt !== undefined && !sample.done).length;
  }

  private async follow(sample: Sample, acceptedAt: number): Promise<void> {
    const deadline = acceptedAt + this.settings.timeoutMs;
    const lookup = { ...this.settings, traceId: sample.traceId, deadline };
    const timed = async <T>(attempt: () => Promise<Attempt<T>>, interval: number): Promise<number | undefined> => {
      const result = await pollUntil(attempt, deadline, this.deps.clock, interval);
      return result.done ? this.deps.clock.now() - acceptedAt : undefined;
    };
    // The window reaches back past the cutoff, so Tempo never widens it to its 15-minute default.
    const windowStartS =
      Math.floor(sample.sentAtMs / 1000) - Math.ceil(this.settings.searchWithinMs / 1000) - WINDOW_MARGIN_S;
    const query = `{resource.service.name=${JSON.stringify(this.settings.serviceName)} && span.${SAMPLE_ATTRIBUTE}=${JSON.stringify(sample.key)}}`;
    try {
      const [byIdMs, searchMs] = await Promise.all([
        timed(() => findTrace(lookup, JSON.stringify(sample.key), this.deps), BY_ID_POLL_MS),
        timed(() => searchLists({ ...lookup, windowStartS }, query, this.deps), this.settings.searchPollMs),
      ]);
      sample.byIdMs = byIdMs;
      sample.searchMs = searchMs;
    } catch (error) {
      this.failure ??= error;
    } finally {
      sample.done = true;
    }
  }
}
