/**
 * Go's durations, written as Go prints them and read as Go parses them: tempo.yaml's settings
 * (config/files/tempoFreshness.ts reads them back) and the Docker containers' health checks.
 *
 * Docker needs the printed form exactly. After creating a container the
 * provider reads it and stores each health-check duration as Go's `time.Duration.String()`
 * (terraform-provider-docker v4.5.0, the one @pulumi/docker 5.2.0 bundles:
 * `internal/provider/resource_docker_container_funcs.go`, `Interval.String()` and so on), with
 * no diff suppression. An input written any other way ("60s" for "1m0s") differs from the state
 * on every `pulumi up`: a perpetual diff. So every duration goes through `goDuration`.
 */

/** A length of time; the parts are added up. */
export interface DurationParts {
  readonly hours?: number;
  readonly minutes?: number;
  readonly seconds?: number;
  readonly milliseconds?: number;
}

const NANOS = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 } as const;

/** `{ minutes: 1 }` → "1m0s", `{ seconds: 10 }` → "10s": Go's `time.Duration.String()`. */
export function goDuration(parts: DurationParts): string {
  const nanos =
    (parts.hours ?? 0) * NANOS.h +
    (parts.minutes ?? 0) * NANOS.m +
    (parts.seconds ?? 0) * NANOS.s +
    (parts.milliseconds ?? 0) * NANOS.ms;
  return formatGoDuration(nanos);
}

/**
 * Go's `time.Duration.String()` for a whole, non-negative number of nanoseconds: "0s"; below a
 * second the largest of ns, µs and ms that fits, with a fraction ("1.5ms"); otherwise hours,
 * minutes and seconds, leading zero units left out and the seconds' fraction trimmed
 * ("1h0m0s", "1m30s", "2.5s").
 */
export function formatGoDuration(nanos: number): string {
  if (!Number.isSafeInteger(nanos) || nanos < 0) {
    throw new RangeError(`a duration must be a whole, non-negative number of nanoseconds, got ${nanos}`);
  }
  if (nanos === 0) {
    return "0s";
  }
  if (nanos < NANOS.s) {
    if (nanos < NANOS.us) {
      return `${nanos}ns`;
    }
    if (nanos < NANOS.ms) {
      return `${withFraction(nanos, NANOS.us)}µs`;
    }
    return `${withFraction(nanos, NANOS.ms)}ms`;
  }
  const wholeSeconds = Math.floor(nanos / NANOS.s);
  const seconds = `${withFraction((wholeSeconds % 60) * NANOS.s + (nanos % NANOS.s), NANOS.s)}s`;
  const totalMinutes = Math.floor(wholeSeconds / 60);
  if (totalMinutes === 0) {
    return seconds;
  }
  const hours = Math.floor(totalMinutes / 60);
  const minutes = `${totalMinutes % 60}m${seconds}`;
  return hours === 0 ? minutes : `${hours}h${minutes}`;
}

/** `value / unit` with the fraction's trailing zeros dropped, exactly (no floating point). */
function withFraction(value: number, unit: number): string {
  const whole = Math.floor(value / unit);
  const digits = String(unit).length - 1;
  const fraction = String(value % unit)
    .padStart(digits, "0")
    .replace(/0+$/, "");
  return fraction === "" ? String(whole) : `${whole}.${fraction}`;
}

const UNIT_NANOS: Readonly<Record<string, number>> = {
  ns: NANOS.ns,
  us: NANOS.us,
  µs: NANOS.us, // U+00B5 micro sign
  μs: NANOS.us, // U+03BC Greek mu
  ms: NANOS.ms,
  s: NANOS.s,
  m: NANOS.m,
  h: NANOS.h,
};

/**
 * Nanoseconds in a duration string as Go's `time.ParseDuration` reads it ("60s", "1m0s",
 * "1.5h", "300ms"); undefined for what Go would refuse. Negative durations are refused too:
 * Docker takes none.
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === "0") {
    return 0;
  }
  const body = text.startsWith("+") ? text.slice(1) : text;
  const part = /(\d*)(?:\.(\d*))?([a-zµμ]+)/gy;
  let total = 0;
  let end = 0;
  for (let match = part.exec(body); match !== null; match = part.exec(body)) {
    const [, whole, fraction = "", unit] = match;
    const scale = UNIT_NANOS[unit];
    if (scale === undefined || (whole === "" && fraction === "")) {
      return undefined;
    }
    total += Number(whole || "0") * scale + Math.round(Number(`0.${fraction || "0"}`) * scale);
    end = part.lastIndex;
  }
  return end === body.length && end > 0 && Number.isSafeInteger(total) ? total : undefined;
}

/** Milliseconds in a Go duration string; throws naming `what` for anything Go would refuse. */
export function goDurationMs(text: string, what = "duration"): number {
  const nanos = parseGoDuration(text);
  if (nanos === undefined) {
    throw new Error(`${what}: ${JSON.stringify(text)} is not a Go duration`);
  }
  return nanos / 1e6;
}
