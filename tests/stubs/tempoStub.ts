import * as http from "node:http";
import { gunzipSync } from "node:zlib";

/**
 * In-process stand-ins for the three services verify talks to, each on its own port of
 * 127.0.0.1 as in the local stack: Tempo's OTLP/HTTP receiver, Tempo's query API and Grafana.
 * They speak just enough of each API, and each link can be broken on purpose.
 */
export interface StubBehaviour {
  /** Status of `POST /v1/traces`; the span is kept only on 200. @default 200 */
  otlpStatus: number;
  /** `/ready` answers 200; otherwise 503 "Ingester not ready", as Tempo does while starting. @default true */
  tempoReady: boolean;
  /** Accepted spans become readable by id. @default true */
  storeTraces: boolean;
  /** `/api/v2/traces/<id>` is served; otherwise only `/api/traces/<id>`, as in older Tempo. @default true */
  serveV2: boolean;
  /** Stored traces are found by `/api/search`. @default true */
  indexSearch: boolean;
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

/** One span as the receiver decoded it from OTLP/JSON. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly name: string;
  readonly serviceName: string | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export const DEFAULT_BEHAVIOUR: StubBehaviour = {
  otlpStatus: 200,
  tempoReady: true,
  storeTraces: true,
  serveV2: true,
  indexSearch: true,
  grafanaHealthy: true,
  provisionDatasource: true,
  grafanaLogin: { user: "admin", password: "s3cret" },
  requiredOtlpHeaders: {},
  requiredTempoHeaders: {},
};

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

interface OtlpResourceSpans {
  readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
  readonly scopeSpans?: readonly {
    readonly spans?: readonly { traceId: string; spanId: string; name: string; attributes?: readonly OtlpKeyValue[] }[];
  }[];
}

export class TracingStub {
  public readonly behaviour: StubBehaviour;
  /** Every span the receiver accepted, in order. */
  public readonly spans: ReceivedSpan[] = [];
  /** Path and query of every request to the query API, in order. */
  public readonly tempoRequests: string[] = [];
  /** The raw resourceSpans of each stored trace, by lower-case trace id, served back by id. */
  private readonly stored = new Map<string, OtlpResourceSpans[]>();
  private readonly servers: http.Server[] = [];

  private constructor(behaviour: Partial<StubBehaviour>) {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...behaviour };
  }

  /** Starts the three servers on free ports. */
  static async start(behaviour: Partial<StubBehaviour> = {}): Promise<TracingStub & StubUrls> {
    const stub = new TracingStub(behaviour);
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

  private async listen(handle: (req: http.IncomingMessage, body: Buffer) => Answer): Promise<string> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const answer = handle(req, Buffer.concat(chunks));
        const type = typeof answer.body === "string" ? "text/plain" : "application/json";
        res.writeHead(answer.status, { "Content-Type": type });
        res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
      });
    });
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return urlOf(server);
  }

  /** Tempo's OTLP/HTTP receiver: only `POST /v1/traces`, JSON encoded. */
  private otlp(req: http.IncomingMessage, body: Buffer): Answer {
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
    for (const resourceSpans of request.resourceSpans ?? []) {
      this.receive(resourceSpans);
    }
    return { status: 200, body: {} };
  }

  private receive(resourceSpans: OtlpResourceSpans): void {
    const serviceName = attributeMap(resourceSpans.resource?.attributes)["service.name"];
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        this.spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          name: span.name,
          serviceName: typeof serviceName === "string" ? serviceName : undefined,
          attributes: attributeMap(span.attributes),
        });
        if (this.behaviour.storeTraces) {
          const key = span.traceId.toLowerCase();
          this.stored.set(key, [...(this.stored.get(key) ?? []), resourceSpans]);
        }
      }
    }
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
      const batches = this.stored.get(byId[2].toLowerCase());
      if (!batches) {
        return { status: 404, body: "trace not found" };
      }
      return { status: 200, body: v2 ? { trace: { resourceSpans: batches } } : { batches } };
    }
    if (url.pathname === "/api/search") {
      return { status: 200, body: { traces: this.search(url.searchParams.get("q") ?? ""), metrics: {} } };
    }
    return { status: 404, body: "404 page not found" };
  }

  /**
   * Just the TraceQL the guide uses: a service name, optionally `&& span.agent.has_history=true`.
   * Trace ids come back without leading zeros, as Tempo prints them.
   */
  private search(query: string): { traceID: string; rootServiceName: string }[] {
    if (!this.behaviour.indexSearch) {
      return [];
    }
    const service = /resource\.service\.name="([^"]*)"/.exec(query)?.[1];
    const needsHistory = query.includes("span.agent.has_history=true");
    const matches = this.spans.filter(
      (span) =>
        this.stored.has(span.traceId.toLowerCase()) &&
        span.serviceName === service &&
        (!needsHistory || span.attributes["agent.has_history"] === true),
    );
    const ids = [...new Set(matches.map((span) => span.traceId.toLowerCase().replace(/^0+/, "")))];
    return ids.map((traceID) => ({ traceID, rootServiceName: service ?? "" }));
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
  /** A string is sent as text, anything else as JSON. */
  readonly body: string | object;
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
