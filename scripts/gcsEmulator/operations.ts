import { JsonApiMethod, OPERATION_CLASS, OperationClass } from "./pricing";

/** One storage request as the counter sees it. */
export interface CountedRequest {
  /** The JSON API method it belongs to; none for a path that is not the API. */
  readonly method?: JsonApiMethod;
  /**
   * Whether it is an operation of its own in Google's pricing (see pricing.ts): every request
   * but a resumable upload's start and chunks, of which only the one completing it counts.
   */
  readonly operation: boolean;
  readonly status: number;
  /** Answered 403 by a deny window rather than served. */
  readonly denied: boolean;
  readonly resumable?: "start" | "chunk";
}

/** `GET /_emulator/operations`. */
export interface OperationsReport {
  /** When counting started: the emulator's start or the last reset (ISO 8601). */
  readonly since: string;
  /** Storage requests received (the admin endpoints excluded). */
  readonly requests: number;
  /** Operations by pricing class, failed ones included. */
  readonly byClass: Record<OperationClass, number>;
  /** Operations by JSON API method, failed ones included. */
  readonly byMethod: Partial<Record<JsonApiMethod, number>>;
  /** Of those operations, the ones answered with a status outside 2xx. */
  readonly failed: Record<OperationClass, number>;
  /** Requests to resumable uploads: initiations answered 2xx, chunk requests, uploads completed. */
  readonly resumable: { readonly started: number; readonly chunkRequests: number; readonly completed: number };
  /** Requests answered 403 by a deny window. */
  readonly denied: number;
  /** Requests to paths that are not part of the JSON API (answered 404). */
  readonly unrouted: number;
}

export class OperationCounter {
  private report: Mutable;

  constructor(private readonly wallNow: () => number) {
    this.report = emptyReport(wallNow());
  }

  record(request: CountedRequest): void {
    const report = this.report;
    report.requests += 1;
    if (request.denied) {
      report.denied += 1;
    }
    if (request.method === undefined) {
      report.unrouted += 1;
      return;
    }
    const ok = request.status >= 200 && request.status < 300;
    if (request.resumable === "start" && ok) {
      report.resumable.started += 1;
    }
    if (request.resumable === "chunk") {
      report.resumable.chunkRequests += 1;
      if (request.operation && ok) {
        report.resumable.completed += 1;
      }
    }
    if (!request.operation) {
      return;
    }
    const operationClass = OPERATION_CLASS[request.method];
    report.byClass[operationClass] += 1;
    report.byMethod[request.method] = (report.byMethod[request.method] ?? 0) + 1;
    if (!ok) {
      report.failed[operationClass] += 1;
    }
  }

  snapshot(): OperationsReport {
    return JSON.parse(JSON.stringify(this.report)) as OperationsReport;
  }

  reset(): void {
    this.report = emptyReport(this.wallNow());
  }
}

interface Mutable {
  since: string;
  requests: number;
  byClass: Record<OperationClass, number>;
  byMethod: Partial<Record<JsonApiMethod, number>>;
  failed: Record<OperationClass, number>;
  resumable: { started: number; chunkRequests: number; completed: number };
  denied: number;
  unrouted: number;
}

function emptyReport(now: number): Mutable {
  return {
    since: new Date(now).toISOString(),
    requests: 0,
    byClass: { A: 0, B: 0, free: 0 },
    byMethod: {},
    failed: { A: 0, B: 0, free: 0 },
    resumable: { started: 0, chunkRequests: 0, completed: 0 },
    denied: 0,
    unrouted: 0,
  };
}
