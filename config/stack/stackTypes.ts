/** The types of the stack configuration, and every default in one place. */
import { DEFAULT_TEMPO_VERSION, TempoRelease } from "../constants/tempoReleases";
import { AnonymousRole } from "../files/grafanaEnv";
import { BlockUploadInterval, DEFAULT_BLOCK_UPLOAD } from "../files/tempoConfig";

/** The config namespace of this project (`tracing:<key>` in Pulumi.<stack>.yaml). */
export const CONFIG_NAMESPACE = "tracing";

export const PLATFORMS = ["docker", "gcp"] as const;
export type Platform = (typeof PLATFORMS)[number];

export const LOCAL_MODES = ["split", "lgtm"] as const;
/** `split`: Tempo and Grafana containers; `lgtm`: the all-in-one grafana/otel-lgtm image. */
export type LocalMode = (typeof LOCAL_MODES)[number];

export { ANONYMOUS_ROLES, AnonymousRole } from "../files/grafanaEnv";

/** Settings every stack has. */
export interface SharedConfig {
  /** The Tempo release: its image and its tempo.yaml dialect. */
  readonly tempo: TempoRelease;
  /** Days a trace block is kept (Tempo's block retention, and the bucket's lifecycle in GCS). */
  readonly retentionDays: number;
  /** Prometheus remote-write URL for the metrics generator; no metrics are generated without it. */
  readonly metricsRemoteWriteUrl: string | undefined;
  /** Whether Tempo sends anonymous usage statistics to Grafana Labs. */
  readonly usageReporting: boolean;
  /** `OTEL_SERVICE_NAME` the agent reports under; also the dashboards' filter. */
  readonly serviceName: string;
  /** `DEPLOYMENT_ENVIRONMENT` handed to the agent and used as Tempo's `environment` label. */
  readonly deploymentEnvironment: string;
  /** Role of anonymous Grafana visitors, or `none` for login only. */
  readonly grafanaAnonymousRole: AnonymousRole;
}

/** Host ports published by the local containers. */
export interface HostPorts {
  readonly grafana: number;
  readonly tempo: number;
  readonly otlpGrpc: number;
  readonly otlpHttp: number;
}

export interface DockerStackConfig extends SharedConfig {
  readonly platform: "docker";
  readonly mode: LocalMode;
  /** Host address the published ports bind to. */
  readonly bindAddress: string;
  readonly hostPorts: HostPorts;
}

/**
 * Who may connect to a Cloud Run service (its `ingress`). Named settings here, Cloud Run's
 * enum values in INGRESS_VALUES: the provider takes any string, so a typo would only fail
 * at deploy time.
 */
export const INGRESS_SETTINGS = ["internal", "internal-and-cloud-load-balancing", "all"] as const;
export type IngressSetting = (typeof INGRESS_SETTINGS)[number];
export const INGRESS_VALUES: Record<IngressSetting, string> = {
  internal: "INGRESS_TRAFFIC_INTERNAL_ONLY",
  "internal-and-cloud-load-balancing": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
  all: "INGRESS_TRAFFIC_ALL",
};

export const ROUTED_SERVICES = ["tempo", "grafana"] as const;
export type RoutedService = (typeof ROUTED_SERVICES)[number];

/** One host of the HTTPS load balancer and the service it reaches. */
export interface Route {
  readonly host: string;
  readonly service: RoutedService;
}

export interface LoadBalancerConfig {
  readonly routes: readonly Route[];
  /** When set, a Cloud Armor policy on the Grafana backend admits only these source ranges. */
  readonly allowedSourceRanges: readonly string[] | undefined;
}

/**
 * Grafana's Direct VPC egress, which lets it reach Tempo when Tempo's ingress is internal: a
 * network and subnetwork this stack manages (Private Google Access on), or an existing pair
 * given by name (checked before anything is registered). With Tempo's ingress `all` (the
 * default), Grafana reaches Tempo's public URL with the token and needs none.
 */
export type VpcConfig =
  | { readonly kind: "none" }
  | { readonly kind: "managed"; readonly range: string }
  | { readonly kind: "given"; readonly network: string; readonly subnetwork: string };

/** Roles a person IAP admits gets in Grafana unless named an admin. */
export const GRAFANA_PEOPLE_ROLES = ["Viewer", "Editor"] as const;
export type GrafanaPeopleRole = (typeof GRAFANA_PEOPLE_ROLES)[number];

/**
 * A custom OAuth client for IAP, made once in the console: IAP's Google-managed client admits
 * only users of the project's organization (cloud.google.com/iap/docs/custom-oauth-configuration).
 */
export interface OauthClient {
  readonly clientId: string;
  /** Held encrypted in the stack; handed to IAP as a Pulumi secret. */
  readonly clientSecret: string;
}

export interface GcpStackConfig extends SharedConfig {
  readonly platform: "gcp";
  readonly project: string;
  readonly region: string;
  readonly bucket: { readonly name: string; readonly location: string; readonly prefix: string };
  /** Tempo container limits: CPU always allocated, so at least one whole vCPU. */
  readonly tempoResources: { readonly cpu: string; readonly memory: string };
  /** How often Tempo 3.0 cuts and uploads a block while traffic flows: bucket writes against replacement loss. */
  readonly tempoBlockUpload: BlockUploadInterval;
  readonly tempoIngress: IngressSetting;
  readonly grafanaIngress: IngressSetting;
  /** Direct VPC egress for Grafana, when Tempo's ingress is internal. */
  readonly vpc: VpcConfig;
  /** Principals IAP admits to Grafana (`group:team@example.com`, ...); empty: no IAP. */
  readonly grafanaIapMembers: readonly string[];
  /** IAP's OAuth client when it cannot be Google's own (no organization, or principals outside it). */
  readonly grafanaOauthClient: OauthClient | undefined;
  /** The Grafana role of a person IAP admits. */
  readonly grafanaDefaultRole: GrafanaPeopleRole;
  /** Emails of the people who are Grafana admins (from `user:` principals), lower case. */
  readonly grafanaAdmins: readonly string[];
  /** Service accounts of agents (the django-monolith) allowed to read the OTLP headers secret. */
  readonly agentServiceAccounts: readonly string[];
  /** The HTTPS load balancer, or undefined when off. */
  readonly loadBalancer: LoadBalancerConfig | undefined;
}

export type StackConfig = DockerStackConfig | GcpStackConfig;

/** Every default, in one place. docs/configuration.md lists the same values. */
export const DEFAULTS = {
  platform: "docker" as Platform,
  mode: "split" as LocalMode,
  tempoVersion: DEFAULT_TEMPO_VERSION,
  retentionDays: 30,
  usageReporting: false,
  serviceName: "diagram-agent",
  deploymentEnvironment: "DEBUG",
  grafanaAnonymousRole: "none" as AnonymousRole,
  bindAddress: "127.0.0.1",
  hostPorts: { grafana: 3000, tempo: 3200, otlpGrpc: 4317, otlpHttp: 4318 } as HostPorts,
  bucketPrefix: "traces/",
  tempoCpu: "1",
  tempoMemory: "2Gi",
  tempoBlockUpload: DEFAULT_BLOCK_UPLOAD,
  /** Grafana's ingress without IAP in front, and any Cloud Run service's unless told. */
  ingress: "internal-and-cloud-load-balancing" as IngressSetting,
  /**
   * Tempo's ingress: open, with the ingress proxy's bearer token as the gate, as hosted OTLP
   * endpoints are. Agents on Cloud Run with default egress, and anything outside Google Cloud,
   * reach it; internal ingress would admit only callers whose egress goes through a VPC.
   */
  tempoIngress: "all" as IngressSetting,
  /** Grafana's ingress when IAP guards it and no load-balancer route reaches it: people open its run.app URL. */
  grafanaIngressBehindIap: "all" as IngressSetting,
  grafanaIapMembers: [] as readonly string[],
  grafanaDefaultRole: "Viewer" as GrafanaPeopleRole,
  grafanaAdmins: [] as readonly string[],
  /** The range of the subnetwork the prod stack manages for Direct VPC egress (Cloud Run needs /26 or larger). */
  vpcSubnetRange: "10.8.0.0/24",
} as const;
