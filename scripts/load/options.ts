import { ENDPOINT_FLAGS, Resolved } from "../verify/cli";
import { numberFlag, parseFlags } from "../verify/flags";
import { DEFAULT_SEARCH_WITHIN_MS, SEARCH_HEADROOM_MS, visibilityBudget } from "../verify/freshness";
import { seconds } from "../verify/format";
import { Headers, parseHeaderFlags, parseOtlpHeadersEnv } from "../verify/headers";
import { optionalUrl, requiredUrl } from "../verify/options";
import { PulumiRunner, readStackOutputs } from "../verify/stackOutputs";
import { UsageError } from "../verify/usageError";
import { DEFAULT_SPANS_PER_TRACE, MAX_SPANS_PER_TRACE } from "./traffic";

/** Everything one load run needs, resolved from flags, environment and stack outputs. */
export interface LoadOptions {
  readonly otlpUrl: string;
  readonly tempoUrl: string;
  readonly otlpHeaders: Headers;
  readonly tempoHeaders: Headers;
  /** Spans offered per second. */
  readonly rate: number;
  readonly durationMs: number;
  readonly spansPerTrace: number;
  readonly serviceName: string;
  /** `deployment.environment` of the traffic's resource, for the overview dashboard's variable. */
  readonly deploymentEnvironment?: string;
  /** Parallel BatchSpanProcessor + OTLPTraceExporter pipelines. */
  readonly exporters: number;
  /** Spans per export request. */
  readonly batchSize: number;
  /** A sampled trace every this often. */
  readonly sampleEveryMs: number;
  /** How long after its export a sampled trace may take to be readable by id and listed by search. */
  readonly timeoutMs: number;
  /** Why `timeoutMs` is what it is. */
  readonly timeoutSource: string;
  /** What the deployed tempo.yaml promises for search. */
  readonly searchWithinMs: number;
  readonly searchPollMs: number;
  /** Print one JSON document on stdout (progress goes to stderr). */
  readonly json: boolean;
  /** `npm run gcs-emulator`'s URL: the bucket operations the run caused are read from it. */
  readonly gcsEmulatorUrl?: string;
  /** How long to keep counting bucket operations after the run: uploads and compaction lag. */
  readonly settleMs: number;
  /** The stack named with --stack, for the fix messages. */
  readonly stack?: string;
}

export type LoadCommand = Resolved<LoadOptions>;

export const LOAD_DEFAULTS = {
  rate: 1000,
  durationSeconds: 60,
  spansPerTrace: DEFAULT_SPANS_PER_TRACE,
  /** Not the agent's `diagram-agent`, so load traffic stays out of the agent's dashboards. */
  serviceName: "diagram-agent-load",
  exporters: 4,
  batchSize: 2048,
  sampleEverySeconds: 2,
} as const;

export const LOAD_USAGE = `usage: npm run load -- --stack <name> [options]
       npm run load -- --otlp <url> --tempo <url> [options]

Sends diagram-agent-shaped traces at a steady rate through the OpenTelemetry JS SDK and reports
what Tempo accepted and refused, export latency, and how soon sampled traces became readable by
id and listed by TraceQL search. Exit 0 when every accepted sample became visible, 1 when
something did not (or nothing was accepted), 2 when called wrongly.

  --stack <name>              read the endpoints, headers and the search promise from this stack's outputs
  --otlp <url>                OTLP HTTP base URL (spans go to <url>/v1/traces)
  --tempo <url>               Tempo query API base URL
  --otlp-header Name=Value    header for the OTLP endpoint, repeatable (also env OTEL_EXPORTER_OTLP_HEADERS)
  --tempo-header Name=Value   header for the Tempo query API, repeatable
  --rate <spans/s>            spans offered per second (default ${LOAD_DEFAULTS.rate})
  --duration <seconds>        how long to send (default ${LOAD_DEFAULTS.durationSeconds})
  --spans-per-trace <n>       spans in each trace, root included, 1 to ${MAX_SPANS_PER_TRACE} (default ${LOAD_DEFAULTS.spansPerTrace})
  --service-name <name>       service.name of the traffic (default ${LOAD_DEFAULTS.serviceName})
  --deployment-environment <name>
                              deployment.environment of the traffic's resource (default: none)
  --sample-every <seconds>    follow one trace this often until visible by id and in search (default ${LOAD_DEFAULTS.sampleEverySeconds})
  --timeout <seconds>         how long a sample may take to become visible after its export
                              (default: the stack's tempoSearchWithinSeconds + ${seconds(SEARCH_HEADROOM_MS)}, else ${(DEFAULT_SEARCH_WITHIN_MS + SEARCH_HEADROOM_MS) / 1000})
  --exporters <n>             parallel export pipelines, each one request in flight (default ${LOAD_DEFAULTS.exporters})
  --batch-size <spans>        spans per export request (default ${LOAD_DEFAULTS.batchSize})
  --gcs-emulator <url>        the npm run gcs-emulator Tempo writes to: report the bucket operations the
                              run caused, by pricing class, and per day at that rate (docs/cost.md)
  --settle <seconds>          with --gcs-emulator, keep counting this long after the run (default 0)
  --json                      print the result as one JSON document on stdout; progress goes to stderr
  -h, --help                  show this help`;

type Environment = Readonly<Record<string, string | undefined>>;

/** Parses the command line and fills the gaps from the environment and the stack's outputs. */
export async function resolveLoadCommand(
  argv: readonly string[],
  env: Environment,
  pulumi: PulumiRunner,
): Promise<LoadCommand> {
  const values = parseFlags(argv, {
    ...ENDPOINT_FLAGS,
    rate: { type: "string" },
    duration: { type: "string" },
    "spans-per-trace": { type: "string" },
    "sample-every": { type: "string" },
    exporters: { type: "string" },
    "batch-size": { type: "string" },
    "gcs-emulator": { type: "string" },
    "deployment-environment": { type: "string" },
    settle: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    return { kind: "help" };
  }
  // Checked before any stack is read: a wrong number should not wait for Pulumi.
  const rate = numberFlag("--rate", values.rate, LOAD_DEFAULTS.rate, { min: 1, max: 1_000_000 });
  const durationSeconds = numberFlag("--duration", values.duration, LOAD_DEFAULTS.durationSeconds, {
    min: 0.1,
    max: 86_400,
  });
  const spansPerTrace = numberFlag("--spans-per-trace", values["spans-per-trace"], LOAD_DEFAULTS.spansPerTrace, {
    min: 1,
    max: MAX_SPANS_PER_TRACE,
    whole: true,
  });
  const exporters = numberFlag("--exporters", values.exporters, LOAD_DEFAULTS.exporters, {
    min: 1,
    max: 64,
    whole: true,
  });
  const batchSize = numberFlag("--batch-size", values["batch-size"], LOAD_DEFAULTS.batchSize, {
    min: 1,
    max: 65_536,
    whole: true,
  });
  const sampleEverySeconds = numberFlag("--sample-every", values["sample-every"], LOAD_DEFAULTS.sampleEverySeconds, {
    min: 0.01,
    max: 86_400,
  });
  const settleSeconds = numberFlag("--settle", values.settle, 0, { min: 0, max: 86_400 });
  if (values.settle !== undefined && values["gcs-emulator"] === undefined) {
    throw new UsageError("--settle counts bucket operations after the run: give --gcs-emulator too");
  }

  const flagsComplete = values.otlp !== undefined && values.tempo !== undefined;
  const stack = values.stack !== undefined || !flagsComplete ? await readStackOutputs(pulumi, values.stack) : undefined;
  if (!flagsComplete && stack === undefined) {
    throw new UsageError("no --otlp and --tempo given, and no Pulumi CLI to read them from the stack's outputs");
  }
  const from = stack ?? {};
  const budget = visibilityBudget(values.timeout, from.tempoSearchWithinSeconds);
  return {
    kind: "run",
    options: {
      otlpUrl: requiredUrl("--otlp", "otlpHttpEndpoint", values.otlp ?? from.otlpHttpEndpoint),
      tempoUrl: requiredUrl("--tempo", "tempoQueryUrl", values.tempo ?? from.tempoQueryUrl),
      // As verify: flags win over the environment, the stack's token goes to both sides.
      otlpHeaders: {
        ...parseOtlpHeadersEnv(from.otlpHeaders),
        ...parseOtlpHeadersEnv(env.OTEL_EXPORTER_OTLP_HEADERS),
        ...parseHeaderFlags("--otlp-header", values["otlp-header"] ?? []),
      },
      tempoHeaders: {
        ...parseOtlpHeadersEnv(from.otlpHeaders),
        ...parseHeaderFlags("--tempo-header", values["tempo-header"] ?? []),
      },
      rate,
      durationMs: durationSeconds * 1000,
      spansPerTrace,
      serviceName: values["service-name"] ?? LOAD_DEFAULTS.serviceName,
      ...(values["deployment-environment"] !== undefined
        ? { deploymentEnvironment: values["deployment-environment"] }
        : {}),
      exporters,
      batchSize,
      sampleEveryMs: sampleEverySeconds * 1000,
      timeoutMs: budget.timeoutMs,
      timeoutSource: budget.source,
      searchWithinMs: budget.searchWithinMs,
      searchPollMs: budget.searchPollMs,
      json: values.json ?? false,
      ...(values["gcs-emulator"] !== undefined
        ? { gcsEmulatorUrl: optionalUrl("--gcs-emulator", values["gcs-emulator"]) }
        : {}),
      settleMs: settleSeconds * 1000,
      ...(values.stack ? { stack: values.stack } : {}),
    },
  };
}
