import * as http from "node:http";
import { gunzipSync } from "node:zlib";
import { tempoSettingsFor } from "../../config/stack/stackFiles";
import { SearchFreshness, searchFreshness } from "../../config/files/tempoFreshness";
import { loadStackConfig } from "../../config/stack/stackConfig";
import { stackFileSource } from "../../config/stack/stackFile";

/**
 * In-process stand-ins for the three services verify and load talk to, each on its own port of
 * 127.0.0.1 as in the local stack: Tempo's OTLP/HTTP receiver, Tempo's query API and Grafana.
 * They speak just enough of each API, and each link can be broken on purpose.
 *
 * Search behaves like Tempo 3.0.3's query frontend and live-store (read from modules/frontend,
 * pkg/api/http.go and modules/livestore at v3.0.3; see config/files/tempoFreshness.ts): every
 * window's end is cut to now − `queryEndCutoffMs` and sent in whole seconds, and a trace is only
 * searchable once the live-store has cut it into its head block, on the first flush-check tick
 * more than `traceIdleMs` after its last span arrived. Reads by id see a trace at once, as
 * Tempo's do. Time comes from an injectable clock, so tests can run half a minute in no time.
 */
export interface StubBehaviour {
  /** Status of `POST /v1/traces`; the spans are kept only on 200. @default 200 */
  otlpStatus: number;
  /** `/ready` answers 200; otherwise 503 "Ingester not ready", as Tempo does while starting. @default true */
  tempoReady: boolean;
  /** Accepted spans become readable by id. @default true */
  storeTraces: boolean;
  /** `/api/v2/traces/<id>` is served; otherwise only `/api/traces/<id>`, as in older Tempo. @default true */
  serveV2: boolean;
  /** Stored traces are found by `/api/search` at all. @default true */
  indexSearch: boolean;
  /**
   * `/api/metrics/query_range` counts stored spans, as Tempo 3.0 (or 2.10 with the local-blocks
   * processor) answers TraceQL metrics; otherwise it answers 200 with no series. @default true
   */
  serveMetrics: boolean;
  /** `query_frontend.query_end_cutoff`. @default what the rendered local tempo.yaml sets (Tempo's default if absent) */
  queryEndCutoffMs: number;
  /** `live_store.max_trace_idle`. @default as above */
  traceIdleMs: number;
  /** `live_store.flush_check_period`; 0 cuts on every look. @default as above */
  flushCheckPeriodMs: number;
  /**
   * Spans accepted per second of the stub's clock; a request that would go above it is refused
   * whole with 429, as Tempo's distributor refuses a push over the tenant's ingestion limit.
   * @default no limit
   */
  ingestSpansPerSecond: number;
  /** `Retry-After` on a 429 (the OTLP exporters honour it). @default none */
  retryAfter: string | undefined;
  /** The receiver answers this much later, on the stub's clock. @default 0 */
  otlpDelayMs: number;
  /** `/api/health` answers 200 with `database: "ok"`; otherwise 503 `database: "failing"`. @default true */
  grafanaHealthy: boolean;
  /** `/api/datasources/uid/tempo` exists. @default true */
  provisionDatasource: boolean;
  /** The one Grafana login that works. @default admin / s3cret */
  grafanaLogin: { readonly user: string; readonly password: string };
  /** Headers every OTLP request must carry, else 401. @default none */
  requiredOtlpHeaders: Readonly<Record<string, string>>;
  /** Headers every query API request must carry, else 401. @default none */
  requiredTempoHeaders: Readonly<Record<string, string>>;
}

/** The search freshness the project's local tempo.yaml promises, from the same builder the stack uses. */
export const LOCAL_FRESHNESS: SearchFreshness = searchFreshness(
  tempoSettingsFor(loadStackConfig(stackFileSource("local"))),
);

/** A Tempo whose search lists a trace as soon as the whole-second window allows. */
export const INSTANT_SEARCH: Pick<StubBehaviour, "queryEndCutoffMs" | "traceIdleMs" | "flushCheckPeriodMs"> = {
  queryEndCutoffMs: 0,
  traceIdleMs: 0,
  flushCheckPeriodMs: 0,
};

/** Tempo 3.0.3 with its own defaults (`modules/frontend/config.go`, `modules/livestore/config.go`). */
export const TEMPO_DEFAULT_SEARCH: Pick<StubBehaviour, "queryEndCutoffMs" | "traceIdleMs" | "flushCheckPeriodMs"> = {
  queryEndCutoffMs: 30_000,
  traceIdleMs: 5_000,
  flushCheckPeriodMs: 5_000,
};

export const DEFAULT_BEHAVIOUR: StubBehaviour = {
  otlpStatus: 200,
  tempoReady: true,
  storeTraces: true,
  serveV2: true,
  indexSearch: true,
  serveMetrics: true,
  queryEndCutoffMs: LOCAL_FRESHNESS.queryEndCutoffMs,
  traceIdleMs: LOCAL_FRESHNESS.traceIdleMs,
  flushCheckPeriodMs: LOCAL_FRESHNESS.flushCheckPeriodMs,
  ingestSpansPerSecond: Number.POSITIVE_INFINITY,
  retryAfter: undefined,
  otlpDelayMs: 0,
  grafanaHealthy: true,
  provisionDatasource: true,
  grafanaLogin: { user: "admin", password: "s3cret" },
  requiredOtlpHeaders: {},
  requiredTempoHeaders: {},
};

/** The query frontend's default lookback when a clamped window would start after its end. */
const DEFAULT_LOOKBACK_MS = 15 * 60_000;
/** `query_frontend.search.default_result_limit`. */
const DEFAULT_SEARCH_LIMIT = 20;

export interface StubOptions {
  /** The stub's wall clock, Unix milliseconds. @default Date.now */
  readonly now?: () => number;
  /** How the stub waits out its delays, on the same clock. @default a real timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One span as the receiver decoded it from OTLP/JSON. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: number | undefined;
  readonly serviceName: string | undefined;
  readonly resource: Readonly<Record<string, unknown>>;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly startMs: number;
  readonly endMs: number;
}

/** OTLP/JSON key-value attributes, the subset of value kinds the JS SDK writes. */
interface OtlpKeyValue {
  readonly key: string;
  readonly value: {
    readonly stringValue?: string;
    readonly boolValue?: boolean;
    readonly intValue?: number | string;
    readonly doubleValue?: number;
  };
}

interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind?: number;
  readonly startTimeUnixNano?: string | number;
  readonly endTimeUnixNano?: string | number;
  readonly attributes?: readonly OtlpKeyValue[];
}

interface OtlpScopeSpans {
  readonly scope?: unknown;
  readonly spans?: readonly OtlpSpan[];
}

interface OtlpResourceSpans {
  readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
  readonly scopeSpans?: readonly OtlpScopeSpans[];
}

/** A trace as the stub holds it: its spans, its raw batches (served back by id), and its times. */
interface StoredTrace {
  readonly id: string;
  readonly spans: ReceivedSpan[];
  readonly batches: OtlpResourceSpans[];
  startMs: number;
  endMs: number;
  /** Stub clock time the last span arrived: the live-store's idle timer starts here. */
  lastReceivedAt: number;
}

/** One `scope.name = value` condition of a TraceQL spanset filter. */
interface Condition {
  readonly scope: "resource" | "span";
  readonly key: string;
  readonly value: string | number | boolean;
}

export class TracingStub {
  public readonly behaviour: StubBehaviour;
  /** Every span the receiver accepted, in order. */
  public readonly spans: ReceivedSpan[] = [];
  /** Path and query of every request to the query API, in order. */
  public readonly tempoRequests: string[] = [];
  /** Status of every answered `POST /v1/traces`, in order. */
  public readonly otlpStatuses: number[] = [];
  private readonly stored = new Map<string, StoredTrace>();
  private readonly servers: http.Server[] = [];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The live-store's flush-check ticks count from here. */
  private readonly startedAt: number;
  private ingestWindow = { second: Number.NaN, spans: 0 };

  private constructor(behaviour: Partial<StubBehaviour>, options: StubOptions) {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...behaviour };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.startedAt = this.now();
  }

  /** Starts the three servers on free ports. */
  static async start(
    behaviour: Partial<StubBehaviour> = {},
    options: StubOptions = {},
  ): Promise<TracingStub & StubUrls> {
    const stub = new TracingStub(behaviour, options);
    const [otlpUrl, tempoUrl, grafanaUrl] = await Promise.all([
      stub.listen((req, body) => stub.otlp(req, body)),
      stub.listen((req) => stub.tempo(req)),
      stub.listen((req) => stub.grafana(req)),
    ]);
    return Object.assign(stub, { otlpUrl, tempoUrl, grafanaUrl });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  }

  /** The trace ids stored so far, lower case as received. */
  traceIds(): string[] {
    return [...this.stored.keys()];
  }

  private async listen(handle: (req: http.IncomingMessage, body: Buffer) => Answer | Promise<Answer>): Promise<string> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        void Promise.resolve(handle(req, Buffer.concat(chunks))).then((answer) => {
          const type = typeof answer.body === "string" ? "text/plain" : "application/json";
          res.writeHead(answer.status, { "Content-Type": type, ...answer.headers });
          res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
        });
      });
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return urlOf(server);
  }

  /** Tempo's OTLP/HTTP receiver: only `POST /v1/traces`, JSON encoded. */
  private async otlp(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    const answer = this.receiveRequest(req, body);
    if (req.method === "POST" && req.url === "/v1/traces") {
      this.otlpStatuses.push(answer.status);
    }
    if (this.behaviour.otlpDelayMs > 0) {
      await this.sleep(this.behaviour.otlpDelayMs);
    }
    return answer;
  }

  private receiveRequest(req: http.IncomingMessage, body: Buffer): Answer {
    if (req.method !== "POST" || req.url !== "/v1/traces") {
      return { status: 404, body: "404 page not found" };
    }
    if (!carries(req, this.behaviour.requiredOtlpHeaders)) {
      return { status: 401, body: { message: "missing credentials" } };
    }
    if (!String(req.headers["content-type"]).startsWith("application/json")) {
      return { status: 415, body: { message: "this stub decodes OTLP/JSON only" } };
    }
    if (this.behaviour.otlpStatus !== 200) {
      return { status: this.behaviour.otlpStatus, body: { message: "rejected by the stub" } };
    }
    const raw = req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body;
    const request = JSON.parse(raw.toString("utf8")) as { resourceSpans?: OtlpResourceSpans[] };
    const batches = request.resourceSpans ?? [];
    if (!this.admit(countSpans(batches))) {
      const retryAfter = this.behaviour.retryAfter;
      return {
        status: 429,
        headers: retryAfter === undefined ? {} : { "Retry-After": retryAfter },
        body: {
          message: `RATE_LIMITED: ingestion rate limit (local: ${this.behaviour.ingestSpansPerSecond} spans/s) exceeded. consider increasing the limit or reducing ingestion rate.`,
        },
      };
    }
    for (const resourceSpans of batches) {
      this.receive(resourceSpans);
    }
    return { status: 200, body: {} };
  }

  /** The per-second ingestion limit: the whole request fits in this second's budget, or none of it. */
  private admit(spans: number): boolean {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.ingestWindow.second) {
      this.ingestWindow = { second, spans: 0 };
    }
    if (this.ingestWindow.spans + spans > this.behaviour.ingestSpansPerSecond) {
      return false;
    }
    this.ingestWindow.spans += spans;
    return true;
  }

  private receive(resourceSpans: OtlpResourceSpans): void {
    const resource = attributeMap(resourceSpans.resource?.attributes);
    const serviceName = typeof resource["service.name"] === "string" ? resource["service.name"] : undefined;
    const receivedAt = this.now();
    for (const scope of resourceSpans.scopeSpans ?? []) {
      const byTrace = new Map<string, OtlpSpan[]>();
      for (const span of scope.spans ?? []) {
        const received: ReceivedSpan = {
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          name: span.name,
          kind: span.kind,
          serviceName,
          resource,
          attributes: attributeMap(span.attributes),
          startMs: Number(span.startTimeUnixNano ?? 0) / 1e6,
          endMs: Number(span.endTimeUnixNano ?? 0) / 1e6,
        };
        this.spans.push(received);
        if (!this.behaviour.storeTraces) {
          continue;
        }
        const key = span.traceId.toLowerCase();
        const trace = this.stored.get(key) ?? this.newTrace(key, received);
        trace.spans.push(received);
        trace.startMs = Math.min(trace.startMs, received.startMs);
        trace.endMs = Math.max(trace.endMs, received.endMs);
        trace.lastReceivedAt = receivedAt;
        byTrace.set(key, [...(byTrace.get(key) ?? []), span]);
      }
      // Each trace is served back with its own spans only, under the batch's resource.
      for (const [key, spans] of byTrace) {
        this.stored
          .get(key)
          ?.batches.push({ resource: resourceSpans.resource, scopeSpans: [{ scope: scope.scope, spans }] });
      }
    }
  }

  private newTrace(key: string, first: ReceivedSpan): StoredTrace {
    const trace: StoredTrace = {
      id: key,
      spans: [],
      batches: [],
      startMs: first.startMs,
      endMs: first.endMs,
      lastReceivedAt: this.now(),
    };
    this.stored.set(key, trace);
    return trace;
  }

  /** Tempo's query API: `/ready`, traces by id (v2 and v1) and TraceQL search. */
  private tempo(req: http.IncomingMessage): Answer {
    const url = new URL(req.url ?? "/", "http://stub");
    this.tempoRequests.push(`${url.pathname}${url.search}`);
    if (!carries(req, this.behaviour.requiredTempoHeaders)) {
      return { status: 401, body: "Unauthorized" };
    }
    if (url.pathname === "/ready") {
      return this.behaviour.tempoReady
        ? { status: 200, body: "ready" }
        : { status: 503, body: "Ingester not ready: waiting for 15s after being ready" };
    }
    const byId = /^\/api(\/v2)?\/traces\/([0-9a-fA-F]+)$/.exec(url.pathname);
    if (byId) {
      const v2 = byId[1] !== undefined;
      if (v2 && !this.behaviour.serveV2) {
        return { status: 404, body: "404 page not found" };
      }
      const trace = this.stored.get(byId[2].toLowerCase().padStart(32, "0"));
      if (!trace) {
        return { status: 404, body: "trace not found" };
      }
      return { status: 200, body: v2 ? { trace: { resourceSpans: trace.batches } } : { batches: trace.batches } };
    }
    if (url.pathname === "/api/search") {
      return this.search(url.searchParams);
    }
    if (url.pathname === "/api/metrics/query_range") {
      return this.metricsQueryRange(url.searchParams);
    }
    return { status: 404, body: "404 page not found" };
  }

  /**
   * TraceQL spanset filters of `scope.key = value` conditions joined by `&&` (what the guide and
   * the load command use). Trace ids come back without leading zeros, as Tempo prints them.
   */
  private search(params: URLSearchParams): Answer {
    const query = params.get("q") ?? "";
    const conditions = parseTraceQL(query);
    if (conditions === undefined) {
      return { status: 400, body: `invalid TraceQL query: this stub parses {scope.key=value && ...} only: ${query}` };
    }
    const window = this.window(params);
    const limit = Number(params.get("limit") ?? DEFAULT_SEARCH_LIMIT) || DEFAULT_SEARCH_LIMIT;
    const traces: object[] = [];
    if (this.behaviour.indexSearch) {
      for (const trace of this.stored.values()) {
        if (traces.length >= limit) {
          break;
        }
        const inWindow = trace.startMs <= window.endS * 1000 && trace.endMs >= window.startS * 1000;
        if (inWindow && this.cut(trace) && trace.spans.some((span) => conditions.every((c) => holds(span, c)))) {
          const root = trace.spans.find((span) => span.parentSpanId === undefined) ?? trace.spans[0];
          traces.push({
            traceID: trace.id.replace(/^0+/, ""),
            rootServiceName: root.serviceName ?? "",
            rootTraceName: root.name,
            startTimeUnixNano: String(Math.round(trace.startMs * 1e6)),
            durationMs: Math.round(trace.endMs - trace.startMs),
          });
        }
      }
    }
    return { status: 200, body: { traces, metrics: { inspectedTraces: this.stored.size } } };
  }

  /**
   * `{conditions} | count_over_time()`, as Tempo's query frontend answers it (QueryRangeResponse,
   * pkg/tempopb at v3.0.3): one series of per-step counts of the matching spans of traces the
   * live-store has cut; timestamps are step starts in Unix ms. The range is aligned to the step,
   * and an end past now − query_end_cutoff is pulled back to it and aligned down to a step
   * (modules/frontend/metrics_query_range_handler.go, pkg/traceql AlignRequest and
   * AlignEndToLeft): a span counts once the step it falls in has ended before the cutoff.
   * Other functions are beyond this stub (400, as Tempo answers a query it cannot run).
   */
  private metricsQueryRange(params: URLSearchParams): Answer {
    const query = params.get("q") ?? "";
    const match = /^(.*\})\s*\|\s*count_over_time\(\)\s*$/.exec(query);
    const conditions = match ? parseTraceQL(match[1]) : undefined;
    if (conditions === undefined) {
      return { status: 400, body: `invalid TraceQL query: this stub answers {...} | count_over_time() only: ${query}` };
    }
    const requested = { startS: Number(params.get("start") ?? 0), endS: Number(params.get("end") ?? 0) };
    const stepS = Math.max(
      1,
      Math.round(goStepSeconds(params.get("step")) ?? (requested.endS - requested.startS) / 240),
    );
    const startS = requested.startS - (requested.startS % stepS);
    const alignedEndS = Math.ceil(requested.endS / stepS) * stepS;
    const maxEndS = (this.now() - this.behaviour.queryEndCutoffMs) / 1000;
    const endS = alignedEndS > maxEndS ? maxEndS - (maxEndS % stepS) : alignedEndS;
    const window = { startS, endS };
    const counts = new Map<number, number>();
    if (this.behaviour.serveMetrics) {
      for (const trace of this.stored.values()) {
        if (!this.cut(trace)) {
          continue;
        }
        for (const span of trace.spans) {
          const startS = span.startMs / 1000;
          if (startS >= window.startS && startS < window.endS && conditions.every((c) => holds(span, c))) {
            const bucket = window.startS + Math.floor((startS - window.startS) / stepS) * stepS;
            counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
          }
        }
      }
    }
    const samples = [...counts]
      .sort(([a], [b]) => a - b)
      .map(([bucket, value]) => ({ timestampMs: String(bucket * 1000), value }));
    const series =
      samples.length === 0
        ? []
        : [{ labels: [{ key: "__name__", value: { stringValue: "count_over_time" } }], samples }];
    return { status: 200, body: { series, metrics: { inspectedTraces: this.stored.size } } };
  }

  /**
   * The window the query frontend passes on (`ClampDateRangeReq`): the end cut to
   * now − cutoff, a start after that end replaced by the default lookback, in whole seconds.
   */
  private window(params: URLSearchParams): { startS: number; endS: number } {
    const now = this.now();
    const maxEndMs = now - this.behaviour.queryEndCutoffMs;
    const start = params.get("start");
    const end = params.get("end");
    if (start === null || end === null) {
      return { startS: Math.floor((now - DEFAULT_LOOKBACK_MS) / 1000), endS: Math.floor(maxEndMs / 1000) };
    }
    let startMs = Number(start) * 1000;
    let endMs = Number(end) * 1000;
    if (maxEndMs < endMs) {
      endMs = maxEndMs;
      if (startMs > endMs) {
        startMs = now - DEFAULT_LOOKBACK_MS;
      }
    }
    return { startS: Math.floor(startMs / 1000), endS: Math.floor(endMs / 1000) };
  }

  /** Whether the live-store has cut the trace into its head block, where search reads. */
  private cut(trace: StoredTrace): boolean {
    const idleSince = trace.lastReceivedAt + this.behaviour.traceIdleMs;
    const period = this.behaviour.flushCheckPeriodMs;
    if (period <= 0) {
      return this.now() >= idleSince;
    }
    // The first tick strictly after the trace went idle.
    const tick = this.startedAt + (Math.floor((idleSince - this.startedAt) / period) + 1) * period;
    return this.now() >= tick;
  }

  /** Grafana: `/api/health`, and the data source by uid behind basic auth. */
  private grafana(req: http.IncomingMessage): Answer {
    if (req.url === "/api/health") {
      return this.behaviour.grafanaHealthy
        ? { status: 200, body: { commit: "stub", database: "ok", version: "12.1.0" } }
        : { status: 503, body: { commit: "stub", database: "failing", version: "12.1.0" } };
    }
    if (req.url === "/api/datasources/uid/tempo") {
      const { user, password } = this.behaviour.grafanaLogin;
      if (req.headers.authorization !== `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`) {
        return { status: 401, body: { message: "Invalid username or password" } };
      }
      return this.behaviour.provisionDatasource
        ? { status: 200, body: { id: 1, uid: "tempo", name: "Tempo", type: "tempo", url: "http://tempo:3200" } }
        : { status: 404, body: { message: "Data source not found" } };
    }
    return { status: 404, body: { message: "Not found" } };
  }
}

export interface StubUrls {
  readonly otlpUrl: string;
  readonly tempoUrl: string;
  readonly grafanaUrl: string;
}

interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as text, anything else as JSON. */
  readonly body: string | object;
}

/** `{resource.service.name="x" && span.agent.has_history=true}` to its conditions; undefined if not of that form. */
/** A step as Tempo takes it: seconds, or a Go duration such as `15s` or `1m`. */
function goStepSeconds(step: string | null): number | undefined {
  if (step === null || step === "") {
    return undefined;
  }
  const match = /^(\d+)(s|m|h)?$/.exec(step);
  if (!match) {
    return undefined;
  }
  return Number(match[1]) * (match[2] === "m" ? 60 : match[2] === "h" ? 3600 : 1);
}

export function parseTraceQL(query: string): Condition[] | undefined {
  const inner = /^\s*\{(.*)\}\s*$/.exec(query)?.[1];
  if (inner === undefined) {
    return undefined;
  }
  const conditions: Condition[] = [];
  for (const part of inner.split("&&")) {
    const match = /^\s*(resource|span)\.([A-Za-z0-9_.]+)\s*=\s*("(?:[^"\\]|\\.)*"|true|false|-?\d+(?:\.\d+)?)\s*$/.exec(
      part,
    );
    if (!match) {
      return undefined;
    }
    const literal = match[3];
    const value: Condition["value"] = literal.startsWith('"')
      ? (JSON.parse(literal) as string)
      : literal === "true" || literal === "false"
        ? literal === "true"
        : Number(literal);
    conditions.push({ scope: match[1] === "resource" ? "resource" : "span", key: match[2], value });
  }
  return conditions;
}

function holds(span: ReceivedSpan, condition: Condition): boolean {
  const attributes = condition.scope === "resource" ? span.resource : span.attributes;
  const actual = attributes[condition.key];
  return typeof condition.value === "number" ? Number(actual) === condition.value : actual === condition.value;
}

function countSpans(batches: readonly OtlpResourceSpans[]): number {
  let count = 0;
  for (const batch of batches) {
    for (const scope of batch.scopeSpans ?? []) {
      count += scope.spans?.length ?? 0;
    }
  }
  return count;
}

function carries(req: http.IncomingMessage, required: Readonly<Record<string, string>>): boolean {
  return Object.entries(required).every(([name, value]) => req.headers[name.toLowerCase()] === value);
}

function attributeMap(attributes: readonly OtlpKeyValue[] | undefined): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (const { key, value } of attributes ?? []) {
    map[key] = value.stringValue ?? value.boolValue ?? value.intValue ?? value.doubleValue;
  }
  return map;
}

function urlOf(server: http.Server): string {
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("the stub server is not listening on a TCP port");
  }
  return `http://127.0.0.1:${address.port}`;
}

/** A URL on 127.0.0.1 where nothing listens: the port was free a moment ago. */
export async function unusedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = urlOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}
