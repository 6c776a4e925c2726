import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  ReadableSpan,
  SimpleSpanProcessor,
  SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { Headers } from "./headers";
import { describeNetworkError, describeStatus, joinUrl } from "./http";

/** The span the diagram agent emits for one request, as the guide describes it. */
export const TEST_SPAN = {
  name: "agent.generate_diagram",
  attributes: { "agent.has_history": true },
} as const;

/** The export may take this long, the exporter's own retries (429, 502-504) included. */
export const EXPORT_TIMEOUT_MS = 10_000;

export interface SpanRequest {
  /** OTLP HTTP base URL; the exporter posts to `<otlpUrl>/v1/traces`. */
  readonly otlpUrl: string;
  readonly headers: Headers;
  readonly serviceName: string;
  /** Unix milliseconds the span starts and ends at, from the caller's clock. */
  readonly atMs: number;
}

export type SpanResult =
  | { readonly exported: true; readonly traceId: string; readonly spanId: string; readonly sentAtMs: number }
  | { readonly exported: false; readonly traceId: string; readonly reason: string; readonly httpStatus?: number };

export type SendSpan = (request: SpanRequest) => Promise<SpanResult>;

type ExportResult = Parameters<Parameters<SpanExporter["export"]>[1]>[0];

/** ExportResultCode.SUCCESS of @opentelemetry/core, which is not a direct dependency. */
const EXPORT_SUCCESS: ExportResult["code"] = 0;

/**
 * Keeps the export's result: the span processors only hand a failure to the global error
 * handler, so force-flush alone cannot tell whether the span arrived.
 */
class RecordingExporter implements SpanExporter {
  public result: ExportResult | undefined;

  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      this.result = result;
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

/** Sends one span with the official SDK, the way the agent does, and reports the export result. */
export const sendTestSpan: SendSpan = async (request) => {
  const exporter = new RecordingExporter(
    new OTLPTraceExporter({
      url: joinUrl(request.otlpUrl, "v1/traces"),
      headers: { ...request.headers },
      timeoutMillis: EXPORT_TIMEOUT_MS,
    }),
  );
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": request.serviceName }),
    // Explicit, so an OTEL_TRACES_SAMPLER in the environment cannot drop the test span.
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    forceFlushTimeoutMillis: EXPORT_TIMEOUT_MS,
  });
  const sentAtMs = request.atMs;
  const tracer = provider.getTracer("diagram-agent-verify");
  const span = tracer.startSpan(TEST_SPAN.name, { attributes: TEST_SPAN.attributes, startTime: sentAtMs });
  const { traceId, spanId } = span.spanContext();
  span.end(sentAtMs);
  try {
    await provider.forceFlush();
  } catch {
    // It rejects with the export's errors; the recorded result below says the same, with the status.
  } finally {
    await provider.shutdown();
  }
  const result = exporter.result;
  if (result === undefined) {
    return { exported: false, traceId, reason: `the export did not finish within ${EXPORT_TIMEOUT_MS} ms` };
  }
  if (result.code === EXPORT_SUCCESS) {
    return { exported: true, traceId, spanId, sentAtMs };
  }
  return { exported: false, traceId, ...describeExportError(result.error) };
};

/** OTLPExporterError carries the HTTP status as a numeric `code` and the body as `data`. */
export function describeExportError(error: Error | undefined): { reason: string; httpStatus?: number } {
  if (error === undefined) {
    return { reason: "the exporter reported a failure without an error" };
  }
  const status = "code" in error && typeof error.code === "number" ? error.code : undefined;
  if (status === undefined) {
    return { reason: describeNetworkError(error, EXPORT_TIMEOUT_MS) };
  }
  const data = "data" in error && typeof error.data === "string" ? error.data : "";
  return { reason: describeStatus(status, data), httpStatus: status };
}
