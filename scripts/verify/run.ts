import { EXIT } from "./cli";
import {
  CheckDeps,
  checkEndpoints,
  checkGrafana,
  checkMetrics,
  checkSearch,
  checkSpanExport,
  checkTraceStored,
} from "./checks";
import { duration, seconds } from "./format";
import { VerifyOptions } from "./options";
import { Reporter, Write } from "./report";
import { SendSpan } from "./sendSpan";

export interface VerifyDeps extends CheckDeps {
  readonly sendSpan: SendSpan;
  readonly write: Write;
}

const STEPS = 6;
/** The stack named in fixes when none was given: the one a developer deploys locally. */
const DEFAULT_STACK = "local";

/** Follows one test span through every link; prints each step and returns the exit code. */
export async function runVerify(options: VerifyOptions, deps: VerifyDeps): Promise<number> {
  const report = new Reporter(deps.write, STEPS, deps.clock);
  const fail = (): number => {
    report.finish();
    return EXIT.brokenLink;
  };
  deps.write(
    `verify: service ${options.serviceName}; OTLP ${options.otlpUrl}, Tempo ${options.tempoUrl}, ` +
      `Grafana ${options.grafanaUrl ?? "unknown"}; timeout ${seconds(options.timeoutMs)} (${options.timeoutSource})`,
  );

  const endpoints = await report.step("OTLP endpoint reachable, Tempo ready", () =>
    checkEndpoints({ ...options, stack: options.stack ?? DEFAULT_STACK }, deps),
  );
  if (!endpoints.ok) {
    return fail();
  }

  const sent = await report.step("test span exported", () => checkSpanExport(options, deps.sendSpan, deps.clock));
  if (!sent.ok) {
    return fail();
  }

  // Visible by id and listed by search, each within the timeout of the export.
  const exportedAt = deps.clock.now();
  const deadline = exportedAt + options.timeoutMs;
  const visibility = { ...options, ...sent.value, exportedAt, deadline };
  const stored = await report.step("trace stored in Tempo", () => checkTraceStored(visibility, deps));
  if (!stored.ok) {
    return fail();
  }

  const found = await report.step("TraceQL search finds the trace", () => checkSearch(visibility, deps));
  if (!found.ok) {
    return fail();
  }

  const metrics = await report.step("TraceQL metrics count it", () => checkMetrics(visibility, deps));
  if (!metrics.ok) {
    return fail();
  }

  const grafanaTitle = "Grafana healthy, Tempo data source provisioned";
  if (options.grafanaUrl) {
    const { grafanaUrl, grafanaCredentials } = options;
    const target = { grafanaUrl, credentials: grafanaCredentials };
    const grafana = await report.step(grafanaTitle, () => checkGrafana(target, deps));
    if (!grafana.ok) {
      return fail();
    }
  } else {
    report.skip(grafanaTitle, "no Grafana URL (pass --grafana)");
  }

  report.finish(`trace ${sent.value.traceId} visible after ${duration(stored.value.elapsedMs)}`);
  return EXIT.passed;
}
