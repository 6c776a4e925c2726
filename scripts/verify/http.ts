/** The part of Node's global fetch the checks use; tests may pass their own. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** No single request may hang a check longer than this. */
export const REQUEST_TIMEOUT_MS = 5000;

export type HttpOutcome =
  | { readonly reached: true; readonly status: number; readonly body: string }
  | { readonly reached: false; readonly reason: string };

export interface GetOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/**
 * GET `url`. Any HTTP answer, whatever its status, comes back as `reached: true`; only a
 * connection that could not be made or answered (refused, DNS, timeout) is `reached: false`.
 */
export async function httpGet(http: Fetch, url: string, options: GetOptions = {}): Promise<HttpOutcome> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  try {
    const response = await http(url, {
      method: "GET",
      headers: { ...options.headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { reached: true, status: response.status, body: await response.text() };
  } catch (error) {
    return { reached: false, reason: describeNetworkError(error, timeoutMs) };
  }
}

/** "connection refused (ECONNREFUSED)" rather than fetch's bare "fetch failed". */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const code = errorCode(cause) ?? errorCode(error);
  if (code === "ECONNREFUSED") {
    return "connection refused (ECONNREFUSED)";
  }
  if (code === "ENOTFOUND") {
    return "host not found (ENOTFOUND)";
  }
  const message = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

function errorCode(value: unknown): string | undefined {
  if (typeof value === "object" && value !== null && "code" in value && typeof value.code === "string") {
    return value.code;
  }
  return undefined;
}

/** A short description of an answer for a failure message: `HTTP 503: Ingester not ready`. */
export function describeAnswer(outcome: HttpOutcome): string {
  return outcome.reached ? describeStatus(outcome.status, outcome.body) : outcome.reason;
}

/** The status and the start of the body, on one line. */
export function describeStatus(status: number, body: string): string {
  const text = body.trim().replace(/\s+/g, " ");
  const excerpt = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return excerpt ? `HTTP ${status}: ${excerpt}` : `HTTP ${status}`;
}

/** A URL on `base` (which may carry a path prefix, as behind an ingress) without doubled slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
