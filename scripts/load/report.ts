import { duration } from "../verify/format";
import { BucketOperations } from "./bucketOperations";
import { Percentiles } from "./stats";

/** The outcome of one load run: what `--json` prints, and what the text report is made from. */
export interface LoadResult {
  /** Bumped when a field changes meaning. */
  readonly version: 1;
  /** Every accepted sample became visible both ways, and something was accepted. */
  readonly passed: boolean;
  readonly failure?: { readonly link: string; readonly problem: string; readonly fix: string };
  readonly target: {
    readonly otlpUrl: string;
    readonly tempoUrl: string;
    readonly serviceName: string;
    readonly runId: string;
  };
  readonly settings: {
    readonly spansPerSecond: number;
    readonly durationSeconds: number;
    readonly spansPerTrace: number;
    readonly exporters: number;
    readonly batchSize: number;
    readonly sampleEverySeconds: number;
    readonly timeoutSeconds: number;
    readonly timeoutSource: string;
    readonly searchWithinSeconds: number;
  };
  readonly elapsedSeconds: {
    /** Generating and handing spans to the SDK. */
    readonly sending: number;
    /** Until the last export was answered: the denominator of the accepted and refused rates. */
    readonly exported: number;
    /** Until the last sample was settled. */
    readonly total: number;
  };
  readonly spans: {
    readonly offered: number;
    readonly accepted: number;
    /** Answered with an HTTP error after the exporter's retries (429 above Tempo's limits). */
    readonly refused: number;
    /** No answer: connection refused, timeout. */
    readonly failed: number;
    /** Dropped by the SDK, its queue full: the exports could not keep up. */
    readonly dropped: number;
    readonly refusedByStatus: Readonly<Record<string, number>>;
    readonly failedByReason: Readonly<Record<string, number>>;
  };
  readonly traces: { readonly offered: number };
  readonly perSecond: { readonly offered: number; readonly accepted: number; readonly refused: number };
  /** With --gcs-emulator: what the run caused in the bucket. */
  readonly bucketOperations?: BucketOperations;
  /** Every answer to POST /v1/traces by HTTP status, the exporter's retries included. */
  readonly httpAnswers: Readonly<Record<string, number>>;
  /** Per export request (batch), from handing it to the exporter to its final result, retries included. */
  readonly exportLatencyMs: Percentiles;
  readonly visibility: {
    readonly samples: number;
    /** Samples whose every span was accepted: the ones followed. */
    readonly followed: number;
    /** Samples with a refused or failed span: not followed. */
    readonly notAccepted: number;
    /** From the acceptance of a sample's last span. */
    readonly byId: VisibilityStats;
    readonly search: VisibilityStats;
  };
  readonly generator: {
    /** Offered at least 97 % of the requested rate. */
    readonly keptUp: boolean;
    readonly cpuPercentOfOneCore: number;
    /**
     * CPU time of this process per span offered (creating, batching, serialising, sending):
     * one core offers at most about 1e6 / this many spans/s.
     */
    readonly cpuMicrosecondsPerSpan: number;
    readonly maxRssMb: number;
  };
  /** The first distinct reasons an export was refused or failed. */
  readonly exportErrors: readonly string[];
}

export interface VisibilityStats {
  readonly visible: number;
  /** Followed, but not visible within the timeout. */
  readonly never: number;
  readonly ms: Percentiles;
}

/** The text report's closing block. */
export function formatResult(result: LoadResult): string[] {
  const { spans, perSecond, visibility } = result;
  const lines = [
    "result:",
    row(
      "offered",
      `${count(perSecond.offered)} spans/s`,
      `${count(spans.offered)} spans in ${count(result.traces.offered)} traces`,
    ),
    row("accepted", `${count(perSecond.accepted)} spans/s`, `${count(spans.accepted)} spans`),
    row(
      "refused",
      `${count(perSecond.refused)} spans/s`,
      `${count(spans.refused)} spans${byKey(spans.refusedByStatus, "HTTP ")}`,
    ),
    row("failed", "", `${count(spans.failed)} spans (no answer)`),
    row("dropped", "", `${count(spans.dropped)} spans (the SDK's queue was full)`),
    row("HTTP answers", "", byKey(result.httpAnswers, "", " ×").replace(/^ \(|\)$/g, "") || "none"),
    row("export latency", percentilesText(result.exportLatencyMs), `(${result.exportLatencyMs.count} requests)`),
    row("readable by id", visibilityText(visibility.byId, visibility.followed), ""),
    row("listed by search", visibilityText(visibility.search, visibility.followed), ""),
  ];
  if (visibility.notAccepted > 0) {
    lines.push(
      row(
        "",
        "",
        `${visibility.notAccepted} of ${visibility.samples} samples not followed: some of their spans were refused`,
      ),
    );
  }
  const generator = result.generator;
  lines.push(
    row(
      "generator",
      `${generator.cpuPercentOfOneCore} % of one core, ${generator.cpuMicrosecondsPerSpan} µs CPU per span`,
      `RSS ${generator.maxRssMb} MB, ${generator.keptUp ? "kept up" : "FELL BEHIND the requested rate: run several in parallel"}`,
    ),
  );
  const bucket = result.bucketOperations;
  if (bucket !== undefined) {
    lines.push(
      row(
        "bucket ops",
        `Class A ${count(bucket.classA)}, Class B ${count(bucket.classB)}, free ${count(bucket.free)}`,
        `in ${duration(bucket.seconds * 1000)}: ${count(bucket.perDay.classA)} A and ${count(bucket.perDay.classB)} B a day at this rate`,
      ),
    );
  }
  result.exportErrors.forEach((reason) => lines.push(`  export error: ${reason}`));
  return lines;
}

/** The last line: passed, with the headline numbers, or the broken link. */
export function formatVerdict(result: LoadResult): string[] {
  if (result.failure) {
    return [
      `✘ ${result.failure.link}: ${result.failure.problem}`,
      `    fix: ${result.failure.fix}`,
      `load FAILED: ${result.failure.link}`,
    ];
  }
  const search = result.visibility.search.ms;
  const listed =
    search.max !== undefined
      ? `; every sample listed by search within ${duration(search.max)}`
      : "; no sample followed";
  return [
    `load passed: ${count(result.perSecond.accepted)} spans/s accepted of ${count(result.perSecond.offered)} offered, ` +
      `${count(result.perSecond.refused)}/s refused${listed}`,
  ];
}

function visibilityText(stats: VisibilityStats, followed: number): string {
  const times = stats.ms.count > 0 ? `: ${percentilesText(stats.ms)}` : "";
  return `${stats.visible}/${followed} samples${times}; never: ${stats.never}`;
}

export function percentilesText(p: Percentiles): string {
  if (p.count === 0 || p.p50 === undefined || p.p90 === undefined || p.p99 === undefined || p.max === undefined) {
    return "none";
  }
  return `p50 ${duration(p.p50)}, p90 ${duration(p.p90)}, p99 ${duration(p.p99)}, max ${duration(p.max)}`;
}

function row(label: string, main: string, detail: string): string {
  return `  ${label.padEnd(18)}${main}${main && detail ? "   " : ""}${detail}`.trimEnd();
}

function byKey(counts: Readonly<Record<string, number>>, prefix: string, joiner = ": "): string {
  const parts = Object.entries(counts).map(([key, value]) => `${prefix}${key}${joiner}${count(value)}`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

export function count(value: number): string {
  return Math.round(value).toString();
}
