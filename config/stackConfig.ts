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

export type StackConfig = DockerStackConfig;

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
  if (platform === "gcp") {
    reader.fail("platform", platform, `"docker" (the gcp platform is not built yet)`);
  }
  const config = readDocker(reader, shared);
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
