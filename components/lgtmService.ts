import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { GRAFANA_ADMIN_USER, grafanaEnvironment, toEnvList } from "../config/files/grafanaEnv";
import { GRAFANA_PATHS } from "../config/files/grafanaProvisioning";
import { GRAFANA_PORT, TEMPO_PORTS } from "../config/constants/ports";
import { AnonymousRole, DEFAULTS } from "../config/stack/stackConfig";
import { GrafanaFiles } from "../config/files/stackFiles";
import { createAdminPassword } from "./adminPassword";
import { hostFor, publish } from "./docker/ports";

/** Where the otel-lgtm image reads Grafana provisioning and keeps all its state. */
export const LGTM_PATHS = {
  dashboardProvider: "/otel-lgtm/grafana/conf/provisioning/dashboards/diagram-agent.yaml",
  data: "/data",
} as const;

export interface LgtmServiceArgs {
  /** The pinned grafana/otel-lgtm image. */
  readonly image: string;
  /** Only the dashboards are used: the image provisions its own Tempo data source (uid `tempo`). */
  readonly files: Pick<GrafanaFiles, "dashboardProvider" | "dashboard">;
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
 * The guide's option A: grafana/otel-lgtm runs Grafana, Tempo, Loki, Prometheus and an
 * OpenTelemetry Collector in one container. Its Grafana defaults to anonymous Admin; that is
 * switched off here like in the split mode.
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
    const host = hostFor(bindAddress);
    const grafanaUrl = `http://${host}:${args.hostPorts.grafana}`;
    const password = createAdminPassword(name, this);
    const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, child);
    const env = grafanaEnvironment({
      anonymousRole: args.anonymousRole ?? DEFAULTS.grafanaAnonymousRole,
      adminPasswordFile: GRAFANA_PATHS.adminPassword,
      rootUrl: grafanaUrl,
    });

    new docker.Container(
      name,
      {
        name,
        image: image.imageId,
        envs: toEnvList(env),
        uploads: [
          { file: LGTM_PATHS.dashboardProvider, content: args.files.dashboardProvider },
          { file: GRAFANA_PATHS.dashboard, content: args.files.dashboard },
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
        healthcheck: {
          // The image ships curl (curl-minimal), not wget.
          tests: [
            "CMD-SHELL",
            `curl -fsS -o /dev/null http://127.0.0.1:${GRAFANA_PORT}/api/health && curl -fsS -o /dev/null http://127.0.0.1:${TEMPO_PORTS.http}/ready`,
          ],
          interval: "10s",
          timeout: "5s",
          retries: 12,
          startPeriod: "60s",
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
