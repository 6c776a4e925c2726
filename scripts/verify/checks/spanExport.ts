import { BrokenLink, FIXES } from "../failures";
import { Headers } from "../headers";
import { joinUrl } from "../http";
import { Clock } from "../poll";
import { SendSpan, TEST_SPAN } from "../sendSpan";
import { StepDone } from "./types";

export interface SentSpan {
  readonly traceId: string;
  /** Unix milliseconds just before the span started, for the search window. */
  readonly sentAtMs: number;
}

export interface ExportTarget {
  readonly otlpUrl: string;
  readonly otlpHeaders: Headers;
  readonly serviceName: string;
}

/** Step 2: the SDK exports the agent's span and the endpoint accepts it. */
export async function checkSpanExport(
  target: ExportTarget,
  sendSpan: SendSpan,
  clock: Clock,
): Promise<StepDone<SentSpan>> {
  const url = joinUrl(target.otlpUrl, "v1/traces");
  const { otlpUrl, otlpHeaders: headers, serviceName } = target;
  const result = await sendSpan({ otlpUrl, headers, serviceName, atMs: clock.wallNow() });
  if (!result.exported) {
    throw new BrokenLink("span export failed", `POST ${url}: ${result.reason}`, fixFor(result.httpStatus));
  }
  return {
    value: { traceId: result.traceId, sentAtMs: result.sentAtMs },
    notes: [`trace ${result.traceId}: ${TEST_SPAN.name}, service.name=${target.serviceName}, agent.has_history=true`],
  };
}

function fixFor(status: number | undefined): string {
  if (status === 401 || status === 403) {
    return FIXES.otlpCredentials;
  }
  if (status === 404 || status === 405) {
    return FIXES.otlpPath;
  }
  return FIXES.traceNotStored;
}
