import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { GRAFANA_ADMIN_USER, grafanaEnvironment, toEnvList } from "../config/files/grafanaEnv";
import { LGTM_TEMPO } from "../config/files/lgtmTempoConfig";
import { GRAFANA_PORT, TEMPO_PORTS } from "../config/constants/ports";
import { AnonymousRole, DEFAULTS } from "../config/stack/stackConfig";
import { DASHBOARD_KEYS, GRAFANA_PATHS, GrafanaFiles } from "../config/files/grafanaProvisioning";
import { createAdminPassword } from "./adminPassword";
import { goDuration } from "../config/files/goDuration";
import { hostFor, publish } from "./docker/ports";

/**
 * Paths inside grafana/otel-lgtm 0.31.0, read from its `docker/` sources: the Dockerfile
 * (WORKDIR /otel-lgtm, `CMD ["/otel-lgtm/run-all.sh"]`), `run-grafana.sh` (which exports
 * GF_PATHS_DATA and GF_PATHS_PLUGINS under /data and starts `./bin/grafana server` in
 * /otel-lgtm/grafana) and `run-tempo.sh` (`--config.file=./tempo-config.yaml`). Everything
 * the image keeps lives under /data: Grafana's database and plugins, Loki, Prometheus,
 * Pyroscope, and with our tempo.yaml all of Tempo.
 */
export const LGTM_PATHS = {
  /** The image's working directory; run-all.sh starts each component from here. */
  home: "/otel-lgtm",
  /** Grafana's home (its `conf/defaults.ini`), where run-grafana.sh starts the server. */
  grafanaHome: "/otel-lgtm/grafana",
  dashboardProvider: "/otel-lgtm/grafana/conf/provisioning/dashboards/diagram-agent.yaml",
  tempoConfig: LGTM_TEMPO.configFile,
  data: "/data",
  /** Grafana's data directory (its SQLite database, grafana.db), as run-grafana.sh sets it. */
  grafanaData: "/data/grafana/data",
  grafanaPlugins: "/data/grafana/plugins",
} as const;

/**
 * Seconds run-all.sh waits for its components after SIGTERM before it kills them
 * (`LGTM_SHUTDOWN_TIMEOUT_SECONDS`, default 5). Tempo 3.0 takes about 30 s to stop cleanly,
 * so the image's 5 s would kill it; Docker waits a little longer than run-all.sh.
 */
const SHUTDOWN_TIMEOUT_SECONDS = 40;
const STOP_TIMEOUT_SECONDS = 45;

/** Where run-all.sh's MCP bootstrap is sent instead of Grafana: nothing listens there. */
export const LGTM_MCP_BOOTSTRAP_DISABLED_URL = "http://127.0.0.1:1";

export interface LgtmStartPaths {
  readonly home: string;
  readonly grafanaHome: string;
  /** The uploaded file holding the admin password. */
  readonly adminPasswordFile: string;
}

/**
 * The container's command: set Grafana's admin password from the uploaded file, then start
 * the image's own entry point. Grafana takes GF_SECURITY_ADMIN_PASSWORD only when it creates
 * the admin user in an empty database (`ensureMainOrgAndAdminUser` returns early once any user
 * exists); the database is on the /data volume, which outlives `pulumi destroy`, while the
 * password is generated anew by the next `pulumi up`. So at every start the supported
 * `grafana cli admin reset-admin-password --password-from-stdin` writes the current one. It
 * runs before the server, on the same database (GF_PATHS_DATA in the environment), so nothing
 * else holds it. On an empty database the command's start-up builds the same SQL store as the
 * server's, which migrates it and creates the admin with GF_SECURITY_ADMIN_PASSWORD (the same
 * password). Should the reset fail for any reason, the server still starts, and an empty
 * database still gets that password from the server.
 */
export function lgtmStartScript(paths: LgtmStartPaths): string {
  const q = shellQuote;
  return [
    `if (cd ${q(paths.grafanaHome)} && ./bin/grafana cli --homepath ${q(paths.grafanaHome)} \\`,
    `    admin reset-admin-password --password-from-stdin < ${q(paths.adminPasswordFile)}); then`,
    `  echo ${q(`lgtm: Grafana admin password set from ${paths.adminPasswordFile}`)}`,
    "else",
    `  echo ${q("lgtm: Grafana admin password not reset; a new database takes it from GF_SECURITY_ADMIN_PASSWORD")} >&2`,
    "fi",
    `cd ${q(paths.home)} && exec ./run-all.sh`,
    "",
  ].join("\n");
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface LgtmServiceArgs {
  /** The pinned grafana/otel-lgtm image. */
  readonly image: string;
  /** Only the dashboards are used: the image provisions its own Tempo data source (uid `tempo`). */
  readonly files: Pick<GrafanaFiles, "dashboardProvider" | "dashboards">;
  /** The tempo.yaml for the image's Tempo (config/files/lgtmTempoConfig.ts). */
  readonly tempoConfigYaml: string;
  /**
   * Whether the bundled Loki and Pyroscope report anonymous usage statistics to Grafana Labs
   * (Tempo's own setting is in tempo.yaml). @default false
   */
  readonly usageReporting?: boolean;
  /** @default "none" */
  readonly anonymousRole?: AnonymousRole;
  /** The volume mounted at /data (TraceStorage). */
  readonly volumeName: pulumi.Input<string>;
  readonly networkName: pulumi.Input<string>;
  /** @default "127.0.0.1" */
  readonly bindAddress?: string;
  readonly hostPorts: {
    readonly grafana: number;
    readonly tempo: number;
    readonly otlpGrpc: number;
    readonly otlpHttp: number;
  };
}

/**
 * The guide's option A: grafana/otel-lgtm runs Grafana, Tempo, Loki, Prometheus, Pyroscope and
 * an OpenTelemetry Collector in one container. Its Tempo runs the builder's tempo.yaml with
 * every path on the /data volume; its Grafana defaults to anonymous Admin, which is switched
 * off here like in the split mode, and its admin login follows the stack's password.
 */
export class LgtmService extends pulumi.ComponentResource {
  public readonly grafanaUrl: pulumi.Output<string>;
  public readonly queryUrl: pulumi.Output<string>;
  public readonly otlpHttpEndpoint: pulumi.Output<string>;
  public readonly otlpGrpcEndpoint: pulumi.Output<string>;
  public readonly adminUser: pulumi.Output<string>;
  /** A Pulumi secret. */
  public readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: LgtmServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tracing:lgtm:LgtmService", name, {}, opts);
    const child = { parent: this };
    const bindAddress = args.bindAddress ?? DEFAULTS.bindAddress;
    const usageReporting = args.usageReporting ?? DEFAULTS.usageReporting;
    const host = hostFor(bindAddress);
    const grafanaUrl = `http://${host}:${args.hostPorts.grafana}`;
    const password = createAdminPassword(name, this);
    const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, child);
    const env = {
      ...grafanaEnvironment({
        anonymousRole: args.anonymousRole ?? DEFAULTS.grafanaAnonymousRole,
        adminPasswordFile: GRAFANA_PATHS.adminPassword,
        rootUrl: grafanaUrl,
      }),
      // run-grafana.sh exports the same values for the server; the start script's
      // `grafana cli` needs them to open the same database.
      GF_PATHS_DATA: LGTM_PATHS.grafanaData,
      GF_PATHS_PLUGINS: LGTM_PATHS.grafanaPlugins,
      LGTM_SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
      // Once everything is up, run-all.sh logs in to GRAFANA_URL as GF_SECURITY_ADMIN_USER with
      // GF_SECURITY_ADMIN_PASSWORD (here a `$__file{}` reference, not the password) to make an
      // MCP service account: two failed admin logins per start, and Grafana blocks a login after
      // five failures in five minutes. A closed loopback port skips that bootstrap, unused here.
      GRAFANA_URL: LGTM_MCP_BOOTSTRAP_DISABLED_URL,
      // Extra flags run-loki.sh and run-pyroscope.sh pass on (Loki v3.7.6 `-reporting.enabled`,
      // Pyroscope v2.2.1 `-usage-stats.enabled`; both default to true).
      ...(usageReporting
        ? {}
        : { LOKI_EXTRA_ARGS: "-reporting.enabled=false", PYROSCOPE_EXTRA_ARGS: "-usage-stats.enabled=false" }),
    };

    new docker.Container(
      name,
      {
        name,
        image: image.imageId,
        command: [
          "bash",
          "-c",
          lgtmStartScript({
            home: LGTM_PATHS.home,
            grafanaHome: LGTM_PATHS.grafanaHome,
            adminPasswordFile: GRAFANA_PATHS.adminPassword,
          }),
        ],
        envs: toEnvList(env),
        uploads: [
          { file: LGTM_PATHS.tempoConfig, content: args.tempoConfigYaml },
          { file: LGTM_PATHS.dashboardProvider, content: args.files.dashboardProvider },
          ...DASHBOARD_KEYS.map((key) => ({
            file: GRAFANA_PATHS.dashboards[key],
            content: args.files.dashboards[key],
          })),
          { file: GRAFANA_PATHS.adminPassword, content: password },
        ],
        volumes: [{ volumeName: args.volumeName, containerPath: LGTM_PATHS.data }],
        networksAdvanced: [{ name: args.networkName }],
        ports: publish(bindAddress, [
          { internal: GRAFANA_PORT, external: args.hostPorts.grafana },
          { internal: TEMPO_PORTS.http, external: args.hostPorts.tempo },
          { internal: TEMPO_PORTS.otlpGrpc, external: args.hostPorts.otlpGrpc },
          { internal: TEMPO_PORTS.otlpHttp, external: args.hostPorts.otlpHttp },
        ]),
        restart: "unless-stopped",
        stopTimeout: STOP_TIMEOUT_SECONDS,
        destroyGraceSeconds: STOP_TIMEOUT_SECONDS,
        healthcheck: {
          // The image ships curl (curl-minimal), not wget.
          tests: [
            "CMD-SHELL",
            `curl -fsS -o /dev/null http://127.0.0.1:${GRAFANA_PORT}/api/health && curl -fsS -o /dev/null http://127.0.0.1:${TEMPO_PORTS.http}/ready`,
          ],
          interval: goDuration({ seconds: 10 }),
          timeout: goDuration({ seconds: 5 }),
          retries: 12,
          startPeriod: goDuration({ minutes: 1 }),
        },
        wait: true,
        waitTimeout: 300,
      },
      child,
    );

    this.grafanaUrl = pulumi.output(grafanaUrl);
    this.queryUrl = pulumi.output(`http://${host}:${args.hostPorts.tempo}`);
    this.otlpHttpEndpoint = pulumi.output(`http://${host}:${args.hostPorts.otlpHttp}`);
    this.otlpGrpcEndpoint = pulumi.output(`http://${host}:${args.hostPorts.otlpGrpc}`);
    this.adminUser = pulumi.output(GRAFANA_ADMIN_USER);
    this.adminPassword = password;
    this.registerOutputs({
      grafanaUrl: this.grafanaUrl,
      queryUrl: this.queryUrl,
      otlpHttpEndpoint: this.otlpHttpEndpoint,
      otlpGrpcEndpoint: this.otlpGrpcEndpoint,
      adminUser: this.adminUser,
      adminPassword: this.adminPassword,
    });
  }
}
