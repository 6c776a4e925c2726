import { ENDPOINT_FLAGS, Resolved } from "./cli";
import { GrafanaCredentials } from "./checks/grafana";
import { parseFlags } from "./flags";
import { DEFAULTS } from "../../config/stack/stackConfig";
import { DEFAULT_SEARCH_WITHIN_MS, SEARCH_HEADROOM_MS, visibilityBudget } from "./freshness";
import { seconds } from "./format";
import { Headers, parseHeaderFlags, parseOtlpHeadersEnv } from "./headers";
import { PulumiRunner, StackEndpoints, readStackOutputs } from "./stackOutputs";
import { UsageError } from "./usageError";

/** Everything one verify run needs, resolved from flags, environment and stack outputs. */
export interface VerifyOptions {
  /** OTLP HTTP base URL; the span goes to `<otlpUrl>/v1/traces`. */
  readonly otlpUrl: string;
  /** Tempo's query API base URL (`/ready`, `/api/...`). */
  readonly tempoUrl: string;
  /** Grafana's base URL; without it the Grafana step is skipped. */
  readonly grafanaUrl?: string;
  /** Without them the data source check is skipped. */
  readonly grafanaCredentials?: GrafanaCredentials;
  readonly otlpHeaders: Headers;
  readonly tempoHeaders: Headers;
  /** How long after its export the trace may take to become visible (by id and in search). */
  readonly timeoutMs: number;
  /** Why `timeoutMs` is what it is: `--timeout`, or the promise it was derived from. */
  readonly timeoutSource: string;
  /** What the deployed tempo.yaml promises for search (Tempo 3.0's default promise if unknown). */
  readonly searchWithinMs: number;
  /** Between two searches; follows from the promise. */
  readonly searchPollMs: number;
  /** How long to wait for Tempo's `/ready`. */
  readonly readyWaitMs: number;
  readonly serviceName: string;
  /** The stack named with --stack, for the fix messages. */
  readonly stack?: string;
}

export type Command = Resolved<VerifyOptions>;

/** Without --timeout and without the stack's promise: Tempo 3.0's default promise (31 s) plus headroom (5 s). */
export const DEFAULT_TIMEOUT_SECONDS = (DEFAULT_SEARCH_WITHIN_MS + SEARCH_HEADROOM_MS) / 1000;
/** Tempo 3.x is ready within a second of starting; waiting longer only delays a real failure. */
export const MAX_READY_WAIT_MS = 5000;
/** Grafana's own default admin login name. */
export const DEFAULT_GRAFANA_USER = "admin";

export const USAGE = `usage: npm run verify -- --stack <name>
       npm run verify -- --otlp <url> --tempo <url> [--grafana <url>] [options]

Sends a test span and follows it from the OTLP endpoint to Tempo and Grafana.
With --stack (or no endpoints at all), endpoints come from \`pulumi stack output\`; flags override them.

  --stack <name>              read endpoints and the Grafana login from this stack's outputs
  --otlp <url>                OTLP HTTP base URL (the span goes to <url>/v1/traces)
  --tempo <url>               Tempo query API base URL
  --grafana <url>             Grafana base URL (step 6 is skipped without it)
  --grafana-user <name>       Grafana login (default: stack output, else ${DEFAULT_GRAFANA_USER})
  --grafana-password <pw>     Grafana password (or env GRAFANA_PASSWORD)
  --otlp-header Name=Value    header for the OTLP endpoint, repeatable (also env OTEL_EXPORTER_OTLP_HEADERS)
  --tempo-header Name=Value   header for the Tempo query API, repeatable
  --timeout <seconds>         how long the trace may take to become visible, by id and in search
                              (default: the stack's tempoSearchWithinSeconds + ${seconds(SEARCH_HEADROOM_MS)}, else ${DEFAULT_TIMEOUT_SECONDS})
  --service-name <name>       service.name of the test span (default: the stack's, else ${DEFAULTS.serviceName})
  -h, --help                  show this help`;

type Environment = Readonly<Record<string, string | undefined>>;

/** Parses the command line and fills the gaps from the environment and the stack's outputs. */
export async function resolveCommand(
  argv: readonly string[],
  env: Environment,
  pulumi: PulumiRunner,
): Promise<Command> {
  const values = parseFlags(argv, VERIFY_FLAGS);
  if (values.help) {
    return { kind: "help" };
  }
  const flagsComplete = values.otlp !== undefined && values.tempo !== undefined;
  const stack = values.stack !== undefined || !flagsComplete ? await readStackOutputs(pulumi, values.stack) : undefined;
  if (!flagsComplete && stack === undefined) {
    throw new UsageError("no --otlp and --tempo given, and no Pulumi CLI to read them from the stack's outputs");
  }
  const from = stack ?? {};
  const grafanaUrl = optionalUrl("--grafana", values.grafana ?? from.grafanaUrl);
  return {
    kind: "run",
    options: {
      otlpUrl: requiredUrl("--otlp", "otlpHttpEndpoint", values.otlp ?? from.otlpHttpEndpoint),
      tempoUrl: requiredUrl("--tempo", "tempoQueryUrl", values.tempo ?? from.tempoQueryUrl),
      ...(grafanaUrl ? { grafanaUrl } : {}),
      ...credentials(values, env, from),
      // Flags win over the environment, as a command line usually does.
      otlpHeaders: {
        ...parseOtlpHeadersEnv(from.otlpHeaders),
        ...parseOtlpHeadersEnv(env.OTEL_EXPORTER_OTLP_HEADERS),
        ...parseHeaderFlags("--otlp-header", values["otlp-header"] ?? []),
      },
      // Behind the prod ingress proxy the query API takes the agents' token too.
      tempoHeaders: {
        ...parseOtlpHeadersEnv(from.otlpHeaders),
        ...parseHeaderFlags("--tempo-header", values["tempo-header"] ?? []),
      },
      ...timeouts(values.timeout, from.tempoSearchWithinSeconds),
      serviceName: values["service-name"] ?? from.serviceName ?? DEFAULTS.serviceName,
      ...(values.stack ? { stack: values.stack } : {}),
    },
  };
}

const VERIFY_FLAGS = {
  ...ENDPOINT_FLAGS,
  grafana: { type: "string" },
  "grafana-user": { type: "string" },
  "grafana-password": { type: "string" },
} as const;

type Flags = ReturnType<typeof parseFlags<typeof VERIFY_FLAGS>>;

function credentials(
  values: Flags,
  env: Environment,
  from: StackEndpoints,
): { grafanaCredentials?: GrafanaCredentials } {
  const password = values["grafana-password"] ?? env.GRAFANA_PASSWORD ?? from.grafanaAdminPassword;
  if (!password) {
    return {};
  }
  const user = values["grafana-user"] ?? from.grafanaAdminUser ?? DEFAULT_GRAFANA_USER;
  return { grafanaCredentials: { user, password } };
}

function timeouts(
  flag: string | undefined,
  stackWithinSeconds: number | undefined,
): Pick<VerifyOptions, "timeoutMs" | "timeoutSource" | "searchWithinMs" | "searchPollMs" | "readyWaitMs"> {
  const budget = visibilityBudget(flag, stackWithinSeconds);
  return {
    timeoutMs: budget.timeoutMs,
    timeoutSource: budget.source,
    searchWithinMs: budget.searchWithinMs,
    searchPollMs: budget.searchPollMs,
    readyWaitMs: Math.min(budget.timeoutMs, MAX_READY_WAIT_MS),
  };
}

export function requiredUrl(flag: string, output: string, value: string | undefined): string {
  const url = optionalUrl(flag, value);
  if (!url) {
    throw new UsageError(`no ${flag} given and the stack has no ${output} output`);
  }
  return url;
}

export function optionalUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected an http(s) URL`);
  }
  return value.replace(/\/+$/, "");
}
