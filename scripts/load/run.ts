import { randomBytes } from "node:crypto";
import { CheckDeps, checkEndpoints } from "../verify/checks";
import { BrokenLink, FIXES } from "../verify/failures";
import { seconds } from "../verify/format";
import { MAX_READY_WAIT_MS } from "../verify/options";
import { Write } from "../verify/report";
import { EXIT } from "../verify/cli";
import { ExportCounts, ExportPipelines } from "./exporting";
import { LoadOptions } from "./options";
import { LoadResult, count, formatResult, formatVerdict, percentilesText } from "./report";
import { countsOf, percentiles } from "./stats";
import { emitTrace } from "./traffic";
import { Sample, SampleWatcher } from "./visibility";
import { BucketOperations, bucketOperationsBetween, readEmulatorCounts } from "./bucketOperations";

export interface LoadDeps extends CheckDeps {
  /** The report, or the JSON document with --json. */
  readonly write: Write;
  /** Progress lines with --json, and usage errors. */
  readonly writeError: Write;
  /** Aborted (Ctrl-C): stop sending early, then report what was measured. */
  readonly stop?: AbortSignal;
}

/** The generator wakes this often and emits what is due. */
const TICK_MS = 5;
/** At most this much of a second's traces in one tick, so exports get the event loop too. */
const MAX_TICK_SHARE = 0.05;
/** Below this share of the requested rate the generator did not keep up. */
const KEPT_UP_SHARE = 0.97;

/** Sends the load, follows the samples, prints the report; returns the exit code. */
export async function runLoad(options: LoadOptions, deps: LoadDeps): Promise<number> {
  const log = options.json ? deps.writeError : deps.write;
  const runId = randomBytes(4).toString("hex");
  const tracesPerSecond = options.rate / options.spansPerTrace;
  log(
    `load: ${options.rate} spans/s for ${seconds(options.durationMs)} (${round1(tracesPerSecond)} traces/s of ` +
      `${options.spansPerTrace} spans) to ${options.otlpUrl} as ${options.serviceName}, run ${runId}; ` +
      `${options.exporters} exporters, batches of ${options.batchSize}`,
  );
  log(
    `  a sample every ${seconds(options.sampleEveryMs)}, followed at ${options.tempoUrl} for ` +
      `${seconds(options.timeoutMs)} (${options.timeoutSource})`,
  );

  const preflight = await checkPreflight(options, deps);
  if (preflight) {
    return finish(options, deps, log, { failure: preflight });
  }

  const bucketBefore =
    options.gcsEmulatorUrl === undefined ? undefined : await readEmulatorCounts(options.gcsEmulatorUrl, deps);
  const watcher = new SampleWatcher(options, deps);
  const pipelines = new ExportPipelines({ ...options, headers: options.otlpHeaders }, deps.clock, (spans, outcome) =>
    watcher.onBatch(spans, outcome),
  );
  const cpuAtStart = process.cpuUsage();
  const start = deps.clock.now();
  const sent = await sendAtRate(options, deps, log, { runId, start, pipelines, watcher });
  const sendingMs = deps.clock.now() - start;
  await pipelines.flush();
  const exportedMs = deps.clock.now() - start;
  const waiting = watcher.following;
  if (waiting > 0) {
    log(
      `sent for ${seconds(round1k(sendingMs))}, every export answered after ${seconds(round1k(exportedMs))}; waiting up to ${seconds(options.timeoutMs)} for ${waiting} samples`,
    );
  }
  await watcher.settle();
  await pipelines.shutdown();
  let bucketOperations: BucketOperations | undefined;
  if (options.gcsEmulatorUrl !== undefined && bucketBefore !== undefined) {
    if (options.settleMs > 0) {
      log(`counting bucket operations for ${seconds(options.settleMs)} more`);
      await deps.clock.sleep(options.settleMs);
    }
    const after = await readEmulatorCounts(options.gcsEmulatorUrl, deps);
    bucketOperations = bucketOperationsBetween(
      options.gcsEmulatorUrl,
      bucketBefore,
      after,
      (deps.clock.now() - start) / 1000,
    );
  }
  const rssMax = Math.max(sent.rssMax, process.memoryUsage().rss);
  const cpu = process.cpuUsage(cpuAtStart);
  const totalMs = deps.clock.now() - start;

  const counts = pipelines.counts;
  const followed = watcher.samples.filter((sample) => sample.acceptedAt !== undefined);
  const byId = followed.flatMap((sample) => (sample.byIdMs === undefined ? [] : [sample.byIdMs]));
  const search = followed.flatMap((sample) => (sample.searchMs === undefined ? [] : [sample.searchMs]));
  const offeredPerSecond = counts.offered / (sendingMs / 1000);
  return finish(options, deps, log, {
    runId,
    failure:
      watcherFailure(watcher.failure) ?? visibilityFailure(options, followed) ?? nothingAccepted(options, counts),
    elapsedSeconds: {
      sending: round1k(sendingMs) / 1000,
      exported: round1k(exportedMs) / 1000,
      total: round1k(totalMs) / 1000,
    },
    spans: {
      offered: counts.offered,
      accepted: counts.accepted,
      refused: counts.refusedTotal,
      failed: counts.failedTotal,
      dropped: counts.dropped,
      refusedByStatus: countsOf(counts.refused),
      failedByReason: countsOf(counts.failed),
    },
    traces: { offered: sent.traces },
    perSecond: {
      offered: Math.round(offeredPerSecond),
      accepted: Math.round(counts.accepted / (exportedMs / 1000)),
      refused: Math.round(counts.refusedTotal / (exportedMs / 1000)),
    },
    httpAnswers: countsOf(counts.answers),
    ...(bucketOperations ? { bucketOperations } : {}),
    exportLatencyMs: percentiles(counts.latencies),
    visibility: {
      samples: watcher.samples.length,
      followed: followed.length,
      notAccepted: watcher.samples.filter((sample) => sample.lost).length,
      byId: { visible: byId.length, never: followed.length - byId.length, ms: percentiles(byId) },
      search: { visible: search.length, never: followed.length - search.length, ms: percentiles(search) },
    },
    generator: {
      keptUp: offeredPerSecond >= options.rate * KEPT_UP_SHARE,
      cpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / totalMs) * 100),
      cpuMicrosecondsPerSpan: counts.offered > 0 ? Math.round(((cpu.user + cpu.system) / counts.offered) * 10) / 10 : 0,
      maxRssMb: Math.round(rssMax / 1e6),
    },
    exportErrors: [...counts.reasons],
  });
}

interface Sending {
  readonly runId: string;
  /** `clock.now()` at the start. */
  readonly start: number;
  readonly pipelines: ExportPipelines;
  readonly watcher: SampleWatcher;
}

/**
 * The steady rate: every tick, emit each trace due by now (at most a twentieth of a second's
 * worth, so the exports get the event loop too), every `sampleEveryMs` one marked as a sample.
 * Stops at the duration, on a broken link met by the watcher, or when `deps.stop` aborts.
 */
async function sendAtRate(
  options: LoadOptions,
  deps: LoadDeps,
  log: Write,
  { runId, start, pipelines, watcher }: Sending,
): Promise<{ readonly traces: number; readonly rssMax: number }> {
  const tracesPerSecond = options.rate / options.spansPerTrace;
  const shape = { spansPerTrace: options.spansPerTrace, runId };
  const maxPerTick = Math.max(1, Math.ceil(tracesPerSecond * MAX_TICK_SHARE));
  const progressEveryMs = Math.min(10_000, Math.max(1000, options.durationMs / 6));
  let rssMax = process.memoryUsage().rss;
  let emitted = 0;
  let samples = 0;
  let nextSampleAt = 0;
  let nextProgressAt = progressEveryMs;
  let last = { at: 0, offered: 0, accepted: 0, refused: 0 };
  for (;;) {
    const elapsed = deps.clock.now() - start;
    if (elapsed >= options.durationMs || watcher.failure !== undefined || deps.stop?.aborted) {
      return { traces: emitted, rssMax };
    }
    const due = Math.min(Math.floor((elapsed / 1000) * tracesPerSecond) + 1, emitted + maxPerTick);
    while (emitted < due) {
      if (elapsed >= nextSampleAt) {
        const key = `${runId}-${samples}`;
        watcher.add(key, emitTrace(pipelines.tracer, shape, emitted, deps.clock.wallNow(), key));
        samples += 1;
        nextSampleAt += options.sampleEveryMs;
      } else {
        emitTrace(pipelines.tracer, shape, emitted, deps.clock.wallNow());
      }
      emitted += 1;
    }
    if (elapsed >= nextProgressAt) {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      last = progress(log, pipelines.counts, watcher, elapsed, last);
      nextProgressAt += progressEveryMs;
    }
    await deps.clock.sleep(TICK_MS);
  }
}

/** Verify's step 1: the OTLP endpoint answers and Tempo is ready. */
async function checkPreflight(options: LoadOptions, deps: CheckDeps): Promise<LoadResult["failure"]> {
  try {
    const readyWaitMs = Math.min(options.timeoutMs, MAX_READY_WAIT_MS);
    await checkEndpoints({ ...options, readyWaitMs, stack: options.stack ?? "local" }, deps);
    return undefined;
  } catch (error) {
    return asFailure(error);
  }
}

type Measured = Omit<LoadResult, "version" | "passed" | "failure" | "target" | "settings">;

function finish(
  options: LoadOptions,
  deps: LoadDeps,
  log: Write,
  outcome: { readonly failure: LoadResult["failure"]; readonly runId?: string } & Partial<Measured>,
): number {
  const result: LoadResult = {
    version: 1,
    passed: outcome.failure === undefined,
    ...(outcome.failure ? { failure: outcome.failure } : {}),
    target: {
      otlpUrl: options.otlpUrl,
      tempoUrl: options.tempoUrl,
      serviceName: options.serviceName,
      runId: outcome.runId ?? "",
    },
    settings: {
      spansPerSecond: options.rate,
      durationSeconds: options.durationMs / 1000,
      spansPerTrace: options.spansPerTrace,
      exporters: options.exporters,
      batchSize: options.batchSize,
      sampleEverySeconds: options.sampleEveryMs / 1000,
      timeoutSeconds: options.timeoutMs / 1000,
      timeoutSource: options.timeoutSource,
      searchWithinSeconds: options.searchWithinMs / 1000,
    },
    ...emptyMeasurements(),
    ...withoutUndefined(outcome),
  };
  if (outcome.elapsedSeconds !== undefined) {
    formatResult(result).forEach((line) => log(line));
  }
  formatVerdict(result).forEach((line) => log(line));
  if (options.json) {
    deps.write(JSON.stringify(result, null, 2));
  }
  return result.passed ? EXIT.passed : EXIT.brokenLink;
}

/** What a run that stopped before sending reports. */
function emptyMeasurements(): Measured {
  const none = { visible: 0, never: 0, ms: { count: 0 } };
  return {
    elapsedSeconds: { sending: 0, exported: 0, total: 0 },
    spans: { offered: 0, accepted: 0, refused: 0, failed: 0, dropped: 0, refusedByStatus: {}, failedByReason: {} },
    traces: { offered: 0 },
    perSecond: { offered: 0, accepted: 0, refused: 0 },
    httpAnswers: {},
    exportLatencyMs: { count: 0 },
    visibility: { samples: 0, followed: 0, notAccepted: 0, byId: none, search: none },
    generator: { keptUp: false, cpuPercentOfOneCore: 0, cpuMicrosecondsPerSpan: 0, maxRssMb: 0 },
    exportErrors: [],
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A progress line: rates over the last interval, and the samples so far. */
function progress(
  log: Write,
  counts: ExportCounts,
  watcher: SampleWatcher,
  elapsed: number,
  last: { at: number; offered: number; accepted: number; refused: number },
): { at: number; offered: number; accepted: number; refused: number } {
  const now = { at: elapsed, offered: counts.offered, accepted: counts.accepted, refused: counts.refusedTotal };
  const perSecond = (key: "offered" | "accepted" | "refused") =>
    count(((now[key] - last[key]) * 1000) / (now.at - last.at));
  const followed = watcher.samples.filter((sample) => sample.acceptedAt !== undefined);
  const byId = followed.filter((sample) => sample.byIdMs !== undefined).length;
  const search = followed.filter((sample) => sample.searchMs !== undefined).length;
  log(
    `  ${seconds(Math.round(elapsed / 1000) * 1000).padStart(6)}: offered ${perSecond("offered")}/s, accepted ${perSecond("accepted")}/s, ` +
      `refused ${perSecond("refused")}/s, queued ${counts.queued}, dropped ${counts.dropped}; ` +
      `export ${percentilesText(percentiles(counts.latencies.slice(-1000)))}; ` +
      `samples ${followed.length}: ${byId} by id, ${search} by search`,
  );
  return now;
}

function watcherFailure(error: unknown): LoadResult["failure"] {
  return error === undefined ? undefined : asFailure(error);
}

function asFailure(error: unknown): NonNullable<LoadResult["failure"]> {
  if (error instanceof BrokenLink) {
    return { link: error.link, problem: error.problem, fix: error.fix };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    link: "unexpected error",
    problem: message,
    fix: "a bug in scripts/load; please report it with this output",
  };
}

/** A sample that was accepted but never became visible is a broken link. */
function visibilityFailure(options: LoadOptions, followed: readonly Sample[]): LoadResult["failure"] {
  const notStored = followed.filter((sample) => sample.byIdMs === undefined);
  if (notStored.length > 0) {
    return {
      link: "trace not stored",
      problem: `${notStored.length} of ${followed.length} accepted samples were never readable by id within ${seconds(options.timeoutMs)} (e.g. trace ${notStored[0].traceId})`,
      fix: FIXES.traceNotStored,
    };
  }
  const notListed = followed.filter((sample) => sample.searchMs === undefined);
  if (notListed.length > 0) {
    return {
      link: "search empty",
      problem: `${notListed.length} of ${followed.length} accepted samples were never listed by TraceQL search within ${seconds(options.timeoutMs)} (e.g. trace ${notListed[0].traceId})`,
      fix: FIXES.searchEmpty,
    };
  }
  return undefined;
}

/** Nothing got in: the endpoint refused every batch, or never answered. */
function nothingAccepted(options: LoadOptions, counts: ExportCounts): LoadResult["failure"] {
  if (counts.accepted > 0 || counts.offered === 0) {
    return undefined;
  }
  const statuses = [...counts.refused.keys()];
  const problem = `none of ${counts.offered} spans was accepted (${counts.reasons[0] ?? "no answer"})`;
  if (statuses.includes(401) || statuses.includes(403)) {
    return { link: "span export failed", problem, fix: FIXES.otlpCredentials };
  }
  if (statuses.includes(404) || statuses.includes(405)) {
    return { link: "span export failed", problem, fix: FIXES.otlpPath };
  }
  if (statuses.includes(429)) {
    return {
      link: "every span refused",
      problem,
      fix: "Tempo refused the whole rate (HTTP 429): it is above the tenant's ingestion limits; lower --rate, or raise the limits (overrides.defaults.ingestion)",
    };
  }
  return { link: "span export failed", problem, fix: FIXES.stackDown(options.stack ?? "local") };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Milliseconds rounded to tenths of a second. */
function round1k(ms: number): number {
  return Math.round(ms / 100) * 100;
}
