import * as http from "node:http";
import { AddressInfo } from "node:net";
import { Clock } from "../verify/poll";
import { GcsError, permissionDenied } from "./errors";
import { Faults } from "./faults";
import { DiskMirror, ObjectStore } from "./objectStore";
import { CountedRequest, OperationCounter, OperationsReport } from "./operations";
import { OPERATION_CLASS } from "./pricing";
import { Route, routeOf } from "./routes";
import { Answer, Served, StorageApi, errorAnswer } from "./storageApi";
import { ResumableSessions } from "./uploads";

export interface EmulatorSettings {
  /** Port on `host`; 0 picks a free one. */
  readonly port: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** The buckets that exist; any other answers 404, as GCS does. */
  readonly buckets: readonly string[];
  /** Keep objects here (and start from what is here) rather than in memory only. */
  readonly dir?: string;
  /** Refuse every storage request with 403 for this long after start. @default 0 */
  readonly denyForMs?: number;
  /** Delay every storage answer by this much. @default 0 */
  readonly latencyMs?: number;
  /** Who the 403s name. */
  readonly principal: string;
  /** Write one line per storage request. @default false */
  readonly log?: boolean;
}

export interface EmulatorDeps {
  /** Deny windows and latency run on it. */
  readonly clock: Clock;
  /** Unix milliseconds, for generations and timestamps. */
  readonly wallNow: () => number;
  /** Where the request log goes. */
  readonly write: (line: string) => void;
}

/** Where the admin endpoints live: no GCS path starts here (bucket names start with a letter or digit). */
export const ADMIN_PREFIX = "/_emulator/";

/**
 * A GCS stand-in for Tempo: the JSON API subset Tempo's GCS backend uses (see routes.ts), on
 * plain node:http, counting every request by JSON API method and pricing class (pricing.ts), with
 * deny windows and latency for fault runs. Admin endpoints, never counted, never denied:
 *
 *   GET  /_emulator/operations            the counts (operations.ts)
 *   POST /_emulator/reset[?objects=true]  counts back to zero (and every object dropped)
 *   POST /_emulator/deny?seconds=N        refuse every storage request for N s from now (0 ends it)
 *   GET  /_emulator/objects               every object: bucket, name, size, generation, updated
 */
export class GcsEmulator {
  private readonly counter: OperationCounter;
  private readonly faults: Faults;
  private readonly store: ObjectStore;
  private readonly sessions = new ResumableSessions();
  private readonly api: StorageApi;

  private constructor(
    private readonly server: http.Server,
    private readonly settings: EmulatorSettings,
    private readonly deps: EmulatorDeps,
  ) {
    this.counter = new OperationCounter(deps.wallNow);
    this.faults = new Faults(deps.clock, settings.denyForMs ?? 0, settings.latencyMs ?? 0);
    this.store = new ObjectStore(
      settings.buckets,
      deps.wallNow,
      settings.dir ? new DiskMirror(settings.dir) : undefined,
    );
    this.api = new StorageApi(this.store, this.sessions, deps.wallNow());
  }

  /** Listens, and starts any deny window, now. */
  static async start(settings: EmulatorSettings, deps: EmulatorDeps): Promise<GcsEmulator> {
    const server = http.createServer();
    // Longer than Go's idle connection timeout (90 s), so the client, not the emulator, closes idle
    // connections: a POST on a connection the server has just closed would fail in Tempo.
    server.keepAliveTimeout = 120_000;
    server.headersTimeout = 125_000;
    const emulator = new GcsEmulator(server, settings, deps);
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      emulator.handle(req, res).catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(settings.port, settings.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return emulator;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  }

  /** What Tempo's `storage.trace.gcs.endpoint` must be (with `insecure: true`). */
  get endpoint(): string {
    return `${this.url}/storage/v1/`;
  }

  operations(): OperationsReport {
    return this.counter.snapshot();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const started = this.deps.clock.now();
    const url = new URL(req.url ?? "/", "http://emulator");
    if (url.pathname.startsWith(ADMIN_PREFIX)) {
      send(res, this.admin(req.method ?? "GET", url));
      return;
    }
    const baseUrl = `http://${req.headers.host ?? new URL(this.url).host}`;
    let route: Route = { action: "unknown" };
    let served: Served;
    let denied = false;
    try {
      route = routeOf(req.method ?? "GET", url);
      denied = route.action !== "unknown" && this.faults.isDenied();
      served =
        route.action !== "unknown" && denied
          ? this.deny(route)
          : this.api.serve(route, { url, headers: req.headers, body, baseUrl });
    } catch (error) {
      if (!(error instanceof GcsError)) {
        throw error;
      }
      served = { answer: errorAnswer(error), operation: true };
    }
    await this.faults.delay();
    const method = route.action === "unknown" ? undefined : route.method;
    const counted: CountedRequest = {
      ...(method ? { method } : {}),
      operation: served.operation,
      status: served.answer.status,
      denied,
      ...(served.resumable ? { resumable: served.resumable } : {}),
    };
    this.counter.record(counted);
    send(res, served.answer);
    if (this.settings.log) {
      this.deps.write(logLine(req.method ?? "GET", req.url ?? "/", counted, this.deps.clock.now() - started));
    }
  }

  /** GCS's answer while the principal's binding has not propagated. */
  private deny(route: Exclude<Route, { action: "unknown" }>): Served {
    const answer = errorAnswer(permissionDenied(this.settings.principal, route.method));
    if (route.action === "upload" && route.uploadType === "resumable") {
      return { answer, operation: false, resumable: "start" };
    }
    return route.action === "uploadChunk"
      ? { answer, operation: false, resumable: "chunk" }
      : { answer, operation: true };
  }

  private admin(method: string, url: URL): Answer {
    const path = url.pathname.slice(ADMIN_PREFIX.length);
    if (method === "GET" && path === "operations") {
      return { status: 200, body: this.counter.snapshot() };
    }
    if (method === "POST" && path === "reset") {
      this.counter.reset();
      const objects = url.searchParams.get("objects") === "true";
      if (objects) {
        this.store.clear();
        this.sessions.clear();
      }
      return { status: 200, body: { reset: true, objectsDropped: objects } };
    }
    if (method === "POST" && path === "deny") {
      const seconds = Number(url.searchParams.get("seconds") ?? "");
      if (url.searchParams.get("seconds") === "" || !Number.isFinite(seconds) || seconds < 0) {
        return {
          status: 400,
          body: { message: "POST /_emulator/deny?seconds=<N>: N is a number of seconds, 0 or more" },
        };
      }
      this.faults.denyFor(seconds * 1000);
      return { status: 200, body: { deniedForSeconds: seconds } };
    }
    if (method === "GET" && path === "objects") {
      const objects = this.store.all().map((object) => ({
        bucket: object.bucket,
        name: object.name,
        size: object.data.length,
        generation: String(object.generation),
        updated: new Date(object.created).toISOString(),
      }));
      return { status: 200, body: { objects } };
    }
    return {
      status: 404,
      body: { message: `no admin endpoint ${method} ${url.pathname}; see GET operations, objects, POST reset, deny` },
    };
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, answer: Answer): void {
  const { status, headers = {}, body } = answer;
  const bytes =
    body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body), "utf8");
  const type = body === undefined || Buffer.isBuffer(body) ? {} : { "Content-Type": "application/json; charset=UTF-8" };
  res.writeHead(status, { ...type, ...headers, "Content-Length": String(bytes.length) });
  res.end(bytes);
}

/** `GET /storage/v1/b/x/o?... storage.objects.list A 200 3ms`. */
function logLine(httpMethod: string, path: string, counted: CountedRequest, elapsedMs: number): string {
  const method = counted.method ?? "-";
  const operationClass = counted.method ? OPERATION_CLASS[counted.method] : "-";
  const notes = [
    counted.resumable ? `resumable ${counted.resumable}${counted.operation ? ", completes the upload" : ""}` : "",
    counted.denied ? "denied" : "",
  ].filter(Boolean);
  const note = notes.length > 0 ? ` (${notes.join("; ")})` : "";
  return `${httpMethod} ${path} ${method} ${operationClass}${note} ${counted.status} ${Math.round(elapsedMs)}ms`;
}
