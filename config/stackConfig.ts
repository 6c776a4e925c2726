import { PROJECT_ID, REGION, SERVICE_ACCOUNT_EMAIL, bucketNameProblem, hostNameProblem, isCidr } from "./gcpNames";
import { ConfigReader } from "./reader";
import { ConfigSource } from "./source";
import { DEFAULT_TEMPO_VERSION, TEMPO_RELEASES, TempoRelease, findTempoRelease } from "./tempoReleases";

/** The config namespace of this project (`tracing:<key>` in Pulumi.<stack>.yaml). */
export const CONFIG_NAMESPACE = "tracing";

export const PLATFORMS = ["docker", "gcp"] as const;
export type Platform = (typeof PLATFORMS)[number];

export const LOCAL_MODES = ["split", "lgtm"] as const;
/** `split`: Tempo and Grafana containers; `lgtm`: the all-in-one grafana/otel-lgtm image. */
export type LocalMode = (typeof LOCAL_MODES)[number];

/** Grafana roles an anonymous visitor may get. `Admin` is never offered. */
export const ANONYMOUS_ROLES = ["none", "Viewer", "Editor"] as const;
export type AnonymousRole = (typeof ANONYMOUS_ROLES)[number];

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
  /** When set, a Cloud Armor policy admits only these source ranges. */
  readonly allowedSourceRanges: readonly string[] | undefined;
}

export interface GcpStackConfig extends SharedConfig {
  readonly platform: "gcp";
  readonly project: string;
  readonly region: string;
  readonly bucket: { readonly name: string; readonly location: string; readonly prefix: string };
  /** Tempo container limits: CPU always allocated, so at least one whole vCPU. */
  readonly tempoResources: { readonly cpu: string; readonly memory: string };
  readonly tempoIngress: IngressSetting;
  readonly grafanaIngress: IngressSetting;
  /** Direct VPC egress for Grafana, so it reaches Tempo's internal ingress. */
  readonly vpc: { readonly network: string; readonly subnetwork: string } | undefined;
  /** Service accounts of agents (the django-monolith) allowed to read the OTLP headers secret. */
  readonly agentServiceAccounts: readonly string[];
  /** The HTTPS load balancer, or undefined when off. */
  readonly loadBalancer: LoadBalancerConfig | undefined;
}

export type StackConfig = DockerStackConfig | GcpStackConfig;

/** Every default, in one place. The README's config reference lists the same values. */
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
  ingress: "internal-and-cloud-load-balancing" as IngressSetting,
} as const;

/** Ten years: a guard against typos such as 3650000, not a product limit. */
const MAX_RETENTION_DAYS = 3650;
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * Reads and validates the whole stack configuration. Throws a ConfigError naming every bad
 * key, its value and what would be valid; index.ts calls it before registering any resource.
 */
export function loadStackConfig(source: ConfigSource): StackConfig {
  const reader = new ConfigReader(source, CONFIG_NAMESPACE);
  const platform = reader.oneOf("platform", PLATFORMS, DEFAULTS.platform);
  const shared = readShared(reader);
  const config = platform === "gcp" ? readGcp(reader, shared) : readDocker(reader, shared);
  reader.finish();
  return config;
}

function readShared(reader: ConfigReader): SharedConfig {
  const versions = TEMPO_RELEASES.map((release) => release.version);
  const version = reader.oneOf("tempoVersion", versions, DEFAULTS.tempoVersion);
  const tempo = findTempoRelease(version) ?? TEMPO_RELEASES[0];
  return {
    tempo,
    retentionDays: reader.wholeNumber("retentionDays", DEFAULTS.retentionDays, 1, MAX_RETENTION_DAYS, " of days"),
    metricsRemoteWriteUrl: reader.optionalHttpUrl("metricsRemoteWriteUrl"),
    usageReporting: reader.boolean("usageReporting", DEFAULTS.usageReporting),
    serviceName: reader.string(
      "serviceName",
      DEFAULTS.serviceName,
      SERVICE_NAME,
      "letters, digits, '.', '_' or '-', at most 63 characters",
    ),
    deploymentEnvironment: reader.string(
      "deploymentEnvironment",
      DEFAULTS.deploymentEnvironment,
      ENVIRONMENT_NAME,
      "letters, digits, '.', '_' or '-', at most 63 characters (the guide uses DEBUG and DEPLOYED_SERVICE)",
    ),
    grafanaAnonymousRole: readAnonymousRole(reader),
  };
}

function readAnonymousRole(reader: ConfigReader): AnonymousRole {
  if (reader.raw("grafanaAnonymousRole") === "Admin") {
    reader.fail(
      "grafanaAnonymousRole",
      "Admin",
      `one of ${ANONYMOUS_ROLES.map((r) => JSON.stringify(r)).join(", ")}; anonymous Admin would let anyone who reaches Grafana change its data sources and users`,
    );
    return DEFAULTS.grafanaAnonymousRole;
  }
  return reader.oneOf("grafanaAnonymousRole", ANONYMOUS_ROLES, DEFAULTS.grafanaAnonymousRole);
}

function readDocker(reader: ConfigReader, shared: SharedConfig): DockerStackConfig {
  const mode = reader.oneOf("mode", LOCAL_MODES, DEFAULTS.mode);
  const hostPorts: HostPorts = {
    grafana: reader.port("grafanaPort", DEFAULTS.hostPorts.grafana),
    tempo: reader.port("tempoPort", DEFAULTS.hostPorts.tempo),
    otlpGrpc: reader.port("otlpGrpcPort", DEFAULTS.hostPorts.otlpGrpc),
    otlpHttp: reader.port("otlpHttpPort", DEFAULTS.hostPorts.otlpHttp),
  };
  rejectSharedPorts(reader, hostPorts);
  return {
    ...shared,
    platform: "docker",
    mode,
    bindAddress: reader.ipv4("bindAddress", DEFAULTS.bindAddress),
    hostPorts,
  };
}

const PORT_KEYS: Record<keyof HostPorts, string> = {
  grafana: "grafanaPort",
  tempo: "tempoPort",
  otlpGrpc: "otlpGrpcPort",
  otlpHttp: "otlpHttpPort",
};

function rejectSharedPorts(reader: ConfigReader, ports: HostPorts): void {
  const seen = new Map<number, string>();
  for (const [name, key] of Object.entries(PORT_KEYS) as [keyof HostPorts, string][]) {
    const port = ports[name];
    const owner = seen.get(port);
    if (owner !== undefined) {
      reader.fail(key, String(port), `a port no other key uses (${reader.key(owner)} already publishes ${port})`);
    } else {
      seen.set(port, key);
    }
  }
}

const CPU_VALUES = ["1", "2", "4", "6", "8"] as const;
const MEMORY = /^(\d+)(Mi|Gi)$/;
const BUCKET_PREFIX = /^([A-Za-z0-9._-]+\/)+$/;

function readGcp(reader: ConfigReader, shared: SharedConfig): GcpStackConfig {
  const project = reader.required(
    "gcp:project",
    "a GCP project id such as diagramik-prod (pulumi config set gcp:project ...)",
    PROJECT_ID,
  );
  const region = reader.required(
    "gcp:region",
    "a GCP region such as us-central1 (pulumi config set gcp:region ...)",
    REGION,
  );
  if (shared.grafanaAnonymousRole !== "none") {
    reader.fail(
      "grafanaAnonymousRole",
      shared.grafanaAnonymousRole,
      '"none" on gcp: anonymous access is for the loopback-only local stack',
    );
  }
  if (reader.raw("mode") !== undefined && reader.raw("mode") !== "split") {
    reader.fail(
      "mode",
      reader.raw("mode"),
      '"split" or unset on gcp: the all-in-one LGTM image is for the local stack',
    );
  }
  const bucketName = reader.required("bucketName", "a GCS bucket name such as diagramik-traces");
  const bucketProblem = bucketName === "" ? undefined : bucketNameProblem(bucketName);
  if (bucketProblem) {
    reader.fail("bucketName", bucketName, `a valid GCS bucket name: ${bucketProblem}`);
  }
  const cpu = reader.oneOf("tempoCpu", CPU_VALUES, DEFAULTS.tempoCpu);
  const memory = readMemory(reader, Number(cpu));
  const vpc = readVpc(reader);
  const loadBalancer = readLoadBalancer(reader);
  const config: GcpStackConfig = {
    ...shared,
    platform: "gcp",
    project,
    region,
    bucket: {
      name: bucketName,
      location: reader.string(
        "bucketLocation",
        region.toUpperCase(),
        /^[A-Za-z0-9-]+$/,
        "a GCS location such as US-CENTRAL1 or EU",
      ),
      prefix: reader.string(
        "bucketPrefix",
        DEFAULTS.bucketPrefix,
        BUCKET_PREFIX,
        'an object prefix of path segments ending in "/", e.g. traces/',
      ),
    },
    tempoResources: { cpu, memory },
    tempoIngress: reader.oneOf("tempoIngress", INGRESS_SETTINGS, DEFAULTS.ingress),
    grafanaIngress: reader.oneOf("grafanaIngress", INGRESS_SETTINGS, DEFAULTS.ingress),
    vpc,
    agentServiceAccounts: readServiceAccounts(reader),
    loadBalancer,
  };
  rejectUnreachable(reader, config);
  return config;
}

function readMemory(reader: ConfigReader, cpu: number): string {
  const value = reader.raw("tempoMemory") ?? DEFAULTS.tempoMemory;
  const match = MEMORY.exec(value);
  const mebibytes = match ? Number(match[1]) * (match[2] === "Gi" ? 1024 : 1) : NaN;
  const max = cpu * 4096;
  if (!(mebibytes >= 512 && mebibytes <= max)) {
    reader.fail("tempoMemory", value, `a size from 512Mi to ${max / 1024}Gi for ${cpu} vCPU, e.g. 2Gi`);
    return DEFAULTS.tempoMemory;
  }
  return value;
}

function readVpc(reader: ConfigReader): GcpStackConfig["vpc"] {
  const network = reader.raw("vpcNetwork");
  const subnetwork = reader.raw("vpcSubnetwork");
  if ((network === undefined) !== (subnetwork === undefined)) {
    const missing = network === undefined ? "vpcNetwork" : "vpcSubnetwork";
    reader.fail(missing, undefined, "set together with its pair: Direct VPC egress needs a network and a subnetwork");
    return undefined;
  }
  return network !== undefined && subnetwork !== undefined ? { network, subnetwork } : undefined;
}

function readServiceAccounts(reader: ConfigReader): string[] {
  const value = reader.json(
    "agentServiceAccounts",
    'a JSON list of service account emails, e.g. ["monolith@p.iam.gserviceaccount.com"]',
  );
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && SERVICE_ACCOUNT_EMAIL.test(item))) {
    reader.fail(
      "agentServiceAccounts",
      JSON.stringify(value),
      "a list of service account emails (name@project.iam.gserviceaccount.com)",
    );
    return [];
  }
  return value as string[];
}

/** Cloud Armor takes at most 10 ranges in one rule. */
const MAX_SOURCE_RANGES = 10;

const ROUTES_EXPECTED =
  'an object {"routes": [{"host": "tempo.example.com", "service": "tempo"}], "allowedSourceRanges": ["203.0.113.0/24"]}';

function readLoadBalancer(reader: ConfigReader): LoadBalancerConfig | undefined {
  const value = reader.json("loadBalancer", ROUTES_EXPECTED);
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    reader.fail("loadBalancer", JSON.stringify(value), ROUTES_EXPECTED);
    return undefined;
  }
  const { routes, allowedSourceRanges } = value as { routes?: unknown; allowedSourceRanges?: unknown };
  if (!Array.isArray(routes) || routes.length === 0) {
    reader.fail("loadBalancer", JSON.stringify(value), `at least one route: ${ROUTES_EXPECTED}`);
    return undefined;
  }
  const parsed: Route[] = [];
  const hosts = new Set<string>();
  for (const route of routes as unknown[]) {
    const { host, service } = (typeof route === "object" && route !== null ? route : {}) as {
      host?: unknown;
      service?: unknown;
    };
    const shown = JSON.stringify(route);
    const hostProblem = typeof host === "string" ? hostNameProblem(host) : "a host name";
    if (hostProblem) {
      reader.fail("loadBalancer", shown, `a route host that is ${hostProblem}`);
      continue;
    }
    const known = ROUTED_SERVICES.find((candidate) => candidate === service);
    if (known === undefined) {
      reader.fail(
        "loadBalancer",
        shown,
        `a route service of ${ROUTED_SERVICES.map((s) => JSON.stringify(s)).join(" or ")}`,
      );
      continue;
    }
    if (hosts.has(host as string)) {
      reader.fail("loadBalancer", shown, `each host once (${String(host)} is routed twice)`);
      continue;
    }
    hosts.add(host as string);
    parsed.push({ host: host as string, service: known });
  }
  if (
    allowedSourceRanges !== undefined &&
    !(
      Array.isArray(allowedSourceRanges) &&
      allowedSourceRanges.length > 0 &&
      allowedSourceRanges.length <= MAX_SOURCE_RANGES &&
      allowedSourceRanges.every((r) => typeof r === "string" && isCidr(r))
    )
  ) {
    reader.fail(
      "loadBalancer",
      JSON.stringify(allowedSourceRanges),
      `allowedSourceRanges as a list of 1 to ${MAX_SOURCE_RANGES} CIDR ranges, e.g. ["203.0.113.0/24"]`,
    );
  }
  return { routes: parsed, allowedSourceRanges: allowedSourceRanges as string[] | undefined };
}

/** Routes and ingress settings that would deploy fine and then leave a service unreachable. */
function rejectUnreachable(reader: ConfigReader, config: GcpStackConfig): void {
  const routed = new Set(config.loadBalancer?.routes.map((route) => route.service) ?? []);
  for (const service of ROUTED_SERVICES) {
    const key = service === "tempo" ? "tempoIngress" : "grafanaIngress";
    const ingress = service === "tempo" ? config.tempoIngress : config.grafanaIngress;
    if (routed.has(service) && ingress === "internal") {
      reader.fail(
        key,
        ingress,
        `"internal-and-cloud-load-balancing" or "all": the load balancer routes to ${service}, and internal ingress refuses it`,
      );
    }
  }
  if (config.tempoIngress !== "all" && !routed.has("tempo") && config.vpc === undefined) {
    reader.fail(
      "vpcSubnetwork",
      undefined,
      "a VPC network and subnetwork (tracing:vpcNetwork, tracing:vpcSubnetwork) for Grafana's egress, a load-balancer route to tempo, or tracing:tempoIngress \"all\": otherwise Grafana cannot reach Tempo's internal ingress",
    );
  }
}
