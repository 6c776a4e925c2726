import { Context, Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ReadableSpan,
  Span,
  SpanExporter,
  SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import * as diagnostics from "node:diagnostics_channel";
import * as http from "node:http";
import * as https from "node:https";
import { Headers } from "../verify/headers";
import { joinUrl } from "../verify/http";
import { Clock } from "../verify/poll";
import { EXPORT_TIMEOUT_MS, describeExportError } from "../verify/sendSpan";
import { increment } from "./stats";

export interface PipelineSettings {
  readonly otlpUrl: string;
  readonly headers: Headers;
  readonly serviceName: string;
  /** `deployment.environment` on every span's resource, as the agent reports it; none when unset. */
  readonly deploymentEnvironment?: string;
  /** Parallel pipelines; the BatchSpanProcessor has one export in flight at a time. */
  readonly exporters: number;
  readonly batchSize: number;
  /** Spans offered per second, to size the queues. */
  readonly rate: number;
}

/** How each batch ended, after the exporter's own retries. */
export type BatchOutcome =
  | { readonly kind: "accepted" }
  | { readonly kind: "refused"; readonly status: number; readonly reason: string }
  | { readonly kind: "failed"; readonly reason: string };

/** Called for every batch once its export has finished, however it ended. */
export type BatchListener = (spans: readonly ReadableSpan[], outcome: BatchOutcome) => void;

/** Counts of what the SDK did, kept up to date while the run goes on. */
export class ExportCounts {
  /** Spans ended by the generator, handed to the SDK. */
  offered = 0;
  /** Spans the SDK dropped because its queue was full: the exports could not keep up. Never sent. */
  dropped = 0;
  /** Spans handed to an exporter, answered or not yet. */
  exporting = 0;
  accepted = 0;
  /** Answered with an HTTP error status after the exporter's retries, by status. */
  readonly refused = new Map<number, number>();
  /** No answer (connection refused, timeout), by reason. */
  readonly failed = new Map<string, number>();
  /** Every HTTP answer to `POST /v1/traces`, retries included, by status. */
  readonly answers = new Map<number, number>();
  /** Milliseconds from handing a batch to the exporter to its result, retries included. */
  readonly latencies: number[] = [];
  /** The first few reasons a batch was refused or failed, for the report. */
  readonly reasons: string[] = [];

  get refusedTotal(): number {
    return sum(this.refused);
  }

  get failedTotal(): number {
    return sum(this.failed);
  }

  /** Spans waiting in the SDK's queues. */
  get queued(): number {
    return this.offered - this.dropped - this.exporting;
  }
}

/** Queue room per pipeline: this much of the offered rate, at least a few batches. */
const QUEUE_SECONDS = 2;
/** How long a span waits for a full batch before it is sent anyway. */
const SCHEDULED_DELAY_MS = 200;
/** Keep the first reasons only: the same refusal repeats thousands of times. */
const MAX_REASONS = 5;

/**
 * The OpenTelemetry JS SDK as an agent uses it (BasicTracerProvider, BatchSpanProcessor,
 * OTLPTraceExporter over OTLP/HTTP JSON, which retries 429 and 502-504 itself), with several
 * processors side by side so one slow export does not stall the whole offered rate. Each
 * trace's spans go to one pipeline.
 */
export class ExportPipelines {
  readonly counts = new ExportCounts();
  readonly tracer: Tracer;
  private readonly provider: BasicTracerProvider;
  private readonly stopWatching: () => void;

  /** `clock` times each export. */
  constructor(settings: PipelineSettings, clock: Clock, onBatch: BatchListener) {
    const url = joinUrl(settings.otlpUrl, "v1/traces");
    const queue = Math.max(settings.batchSize * 4, Math.ceil((settings.rate * QUEUE_SECONDS) / settings.exporters));
    const lastAnswers = new Map<http.Agent, number>();
    const pipelines = Array.from({ length: settings.exporters }, () => {
      const queueCounts: QueueCounts = { forwarded: 0, handed: 0, dropped: 0 };
      // Its own agent, so the answers seen on the wire can be told apart by pipeline.
      const agent = url.startsWith("https:")
        ? new https.Agent({ keepAlive: true })
        : new http.Agent({ keepAlive: true });
      const otlp = new OTLPTraceExporter({
        url,
        headers: { ...settings.headers },
        timeoutMillis: EXPORT_TIMEOUT_MS,
        httpAgentOptions: () => agent,
      });
      const exporter = new CountingExporter(
        otlp,
        clock,
        this.counts,
        queueCounts,
        () => lastAnswers.get(agent),
        onBatch,
      );
      const processor = new BatchSpanProcessor(exporter, {
        maxExportBatchSize: settings.batchSize,
        maxQueueSize: queue,
        scheduledDelayMillis: SCHEDULED_DELAY_MS,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS * 2,
      });
      return { processor, queue: queueCounts, capacity: queue };
    });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        "service.name": settings.serviceName,
        ...(settings.deploymentEnvironment !== undefined
          ? { "deployment.environment": settings.deploymentEnvironment }
          : {}),
      }),
      // Explicit, so an OTEL_TRACES_SAMPLER in the environment cannot thin the load.
      sampler: new AlwaysOnSampler(),
      spanProcessors: [new TraceRouter(pipelines, this.counts)],
      forceFlushTimeoutMillis: EXPORT_TIMEOUT_MS * 3,
    });
    this.tracer = this.provider.getTracer("diagram-agent-load");
    this.stopWatching = watchAnswers(new URL(url), this.counts.answers, lastAnswers);
  }

  /** Exports everything still queued and waits for every export to finish. */
  async flush(): Promise<void> {
    try {
      await this.provider.forceFlush();
    } catch {
      // A failed export rejects the flush; the counts already say what failed.
    }
  }

  async shutdown(): Promise<void> {
    await this.flush();
    try {
      await this.provider.shutdown();
    } finally {
      this.stopWatching();
    }
  }
}

/** One BatchSpanProcessor and what went through its queue. */
interface Pipeline {
  readonly processor: SpanProcessor;
  readonly queue: QueueCounts;
  readonly capacity: number;
}

/** A processor's queue holds `forwarded - handed` spans. */
interface QueueCounts {
  /** Passed on to the processor. */
  forwarded: number;
  /** Taken from the queue into an export. */
  handed: number;
  /** Not passed on: the queue was full. */
  dropped: number;
}

/**
 * Sends each ended span to one pipeline, by trace id, so a trace travels in one. A span that
 * would find its processor's queue full is dropped here, exactly where the processor would
 * drop it (its own check: queue length at capacity), so the drops can be counted.
 */
class TraceRouter implements SpanProcessor {
  constructor(
    private readonly pipelines: readonly Pipeline[],
    private readonly counts: ExportCounts,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.pick(span).processor.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const pipeline = this.pick(span);
    const { queue } = pipeline;
    this.counts.offered += 1;
    if (queue.forwarded - queue.handed >= pipeline.capacity) {
      queue.dropped += 1;
      this.counts.dropped += 1;
      return;
    }
    queue.forwarded += 1;
    pipeline.processor.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.pipelines.map(({ processor }) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.pipelines.map(({ processor }) => processor.shutdown()));
  }

  private pick(span: ReadableSpan): Pipeline {
    const traceId = span.spanContext().traceId;
    return this.pipelines[Number.parseInt(traceId.slice(-6), 16) % this.pipelines.length];
  }
}

type ExportResult = Parameters<Parameters<SpanExporter["export"]>[1]>[0];

/** ExportResultCode.SUCCESS of @opentelemetry/core, which is not a direct dependency. */
const EXPORT_SUCCESS: ExportResult["code"] = 0;

/** Times and classifies each batch's export, then passes the result on unchanged. */
class CountingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly clock: Clock,
    private readonly counts: ExportCounts,
    private readonly queue: QueueCounts,
    /** The status of the last answer on this pipeline's connection. */
    private readonly lastAnswer: () => number | undefined,
    private readonly onBatch: BatchListener,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const start = this.clock.now();
    this.queue.handed += spans.length;
    this.counts.exporting += spans.length;
    this.inner.export(spans, (result) => {
      this.counts.latencies.push(this.clock.now() - start);
      const outcome = classify(result, this.lastAnswer());
      if (outcome.kind === "accepted") {
        this.counts.accepted += spans.length;
      } else {
        if (outcome.kind === "refused") {
          increment(this.counts.refused, outcome.status, spans.length);
        } else {
          increment(this.counts.failed, outcome.reason, spans.length);
        }
        if (this.counts.reasons.length < MAX_REASONS && !this.counts.reasons.includes(outcome.reason)) {
          this.counts.reasons.push(outcome.reason);
        }
      }
      this.onBatch(spans, outcome);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** The statuses OTLPTraceExporter retries (otlp-exporter-base `isExportHTTPErrorRetryable`). */
const RETRIED_STATUSES: readonly number[] = [429, 502, 503, 504];

/**
 * A batch the exporter gave up on after retrying an HTTP status carries no status of its own
 * ("Export failed with retryable status"): the last answer on its connection says which.
 */
function classify(result: ExportResult, lastAnswer: number | undefined): BatchOutcome {
  if (result.code === EXPORT_SUCCESS) {
    return { kind: "accepted" };
  }
  const { reason, httpStatus } = describeExportError(result.error);
  if (httpStatus !== undefined) {
    return { kind: "refused", status: httpStatus, reason };
  }
  const error = result.error;
  const errno = error !== undefined && "code" in error && typeof error.code === "string";
  if (
    error?.name === "OTLPExporterError" &&
    !errno &&
    lastAnswer !== undefined &&
    RETRIED_STATUSES.includes(lastAnswer)
  ) {
    return {
      kind: "refused",
      status: lastAnswer,
      reason: `HTTP ${lastAnswer} on every attempt, the exporter's retries used up`,
    };
  }
  return { kind: "failed", reason };
}

/**
 * Counts every HTTP answer to the OTLP endpoint, the exporter's retries included, through
 * Node's `http.client.response.finish` diagnostics channel: the exporter itself only reports
 * each batch's final result.
 */
function watchAnswers(url: URL, answers: Map<number, number>, lastAnswers: Map<http.Agent, number>): () => void {
  const channel = "http.client.response.finish";
  const listener = (message: unknown) => {
    const { request, response } = message as { request: http.ClientRequest; response: http.IncomingMessage };
    if (request.method === "POST" && request.path === url.pathname && request.getHeader("host") === url.host) {
      const status = response.statusCode ?? 0;
      increment(answers, status);
      // `agent` is public on ClientRequest at run time, missing from @types/node 20.
      const agent = (request as http.ClientRequest & { agent?: http.Agent }).agent;
      if (agent !== undefined) {
        lastAnswers.set(agent, status);
      }
    }
  };
  diagnostics.subscribe(channel, listener);
  return () => diagnostics.unsubscribe(channel, listener);
}

function sum(counts: ReadonlyMap<unknown, number>): number {
  let total = 0;
  for (const count of counts.values()) {
    total += count;
  }
  return total;
}
