/**
 * A broken link in the trace path: what failed, in words a developer can act on, and the fix
 * from the guide's troubleshooting list. Thrown by a check; the runner prints it without a
 * stack trace, since it is an expected outcome, not a bug.
 */
export class BrokenLink extends Error {
  /** The link that failed, e.g. "trace not stored". */
  public readonly link: string;
  /** What was observed, e.g. "Tempo did not return trace 4bf9… within 30 s (last answer: HTTP 404)". */
  public readonly problem: string;
  /** The likely fix. */
  public readonly fix: string;

  constructor(link: string, problem: string, fix: string) {
    super(`${link}: ${problem}`);
    this.name = "BrokenLink";
    this.link = link;
    this.problem = problem;
    this.fix = fix;
  }
}

/** The fixes, in one place so docs/verify-and-load.md's table and the messages cannot drift apart. */
export const FIXES = {
  stackDown: (stack: string) =>
    `is the stack up? \`pulumi up -s ${stack}\`; check the port and bind address (tracing:otlpHttpPort, tracing:tempoPort, tracing:bindAddress)`,
  tempoNotReady: "Tempo is still starting or has crashed: wait a few seconds and re-run; `docker logs tracing-tempo`",
  otlpCredentials: "the OTLP endpoint rejected the request: check --otlp-header / OTEL_EXPORTER_OTLP_HEADERS",
  otlpPath:
    "nothing accepts POST /v1/traces there: pass the OTLP base URL (without /v1/traces) and check the receiver's http protocol",
  traceNotStored:
    "check the OTLP endpoint/receiver config (distributor.receivers.otlp.protocols.http) and `docker logs tracing-tempo`",
  tempoCredentials: "the Tempo query API rejected the request: check --tempo-header",
  searchEmpty:
    "check the service name (--service-name, OTEL_SERVICE_NAME) and that Tempo's search is enabled; the index can lag: re-run with a larger --timeout; `docker logs tracing-tempo`",
  metricsEmpty:
    "the overview dashboard needs TraceQL metrics: Tempo 3.0 answers them itself; Tempo 2.10 needs the metrics generator's local-blocks processor (overrides.defaults.metrics_generator.processors, which this project's tempo.yaml sets) and query_frontend.metrics.max_duration covering the range; `docker logs tracing-tempo`",
  grafanaDown: "is Grafana running? `docker logs tracing-grafana`; check the port and bind address",
  grafanaCredentials:
    "check --grafana-user and --grafana-password (`pulumi stack output grafanaAdminPassword --show-secrets`)",
  datasourceMissing:
    'check provisioning: provisioning/datasources/tempo.yaml must define uid "tempo" of type tempo; `docker logs tracing-grafana`',
} as const;
