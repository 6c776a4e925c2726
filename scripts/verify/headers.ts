import { UsageError } from "./usageError";

export type Headers = Readonly<Record<string, string>>;

/** `Name=Value` from a repeatable flag; the value may itself contain `=`. */
export function parseHeaderFlags(flag: string, values: readonly string[]): Headers {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf("=");
    const name = at > 0 ? value.slice(0, at).trim() : "";
    if (!name) {
      throw new UsageError(`${flag} ${JSON.stringify(value)}: expected Name=Value`);
    }
    headers[name] = value.slice(at + 1).trim();
  }
  return headers;
}

/**
 * OTEL_EXPORTER_OTLP_HEADERS: comma-separated `key=value` pairs whose values may be
 * percent-encoded, as the OpenTelemetry specification defines it. Malformed pairs are skipped,
 * as the SDKs do.
 */
export function parseOtlpHeadersEnv(value: string | undefined): Headers {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? "").split(",")) {
    const at = pair.indexOf("=");
    const name = at > 0 ? pair.slice(0, at).trim() : "";
    if (name) {
      headers[name] = decode(pair.slice(at + 1).trim());
    }
  }
  return headers;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
