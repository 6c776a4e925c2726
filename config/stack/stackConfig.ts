import { readGcp } from "./gcpStackConfig";
import { CONFIG_KEYS, KeyScope, nearestKey, scopeOf } from "./keys";
import { ConfigReader } from "./reader";
import { ConfigSource } from "./source";
import {
  ANONYMOUS_ROLES,
  AnonymousRole,
  CONFIG_NAMESPACE,
  DEFAULTS,
  DockerStackConfig,
  HostPorts,
  LOCAL_MODES,
  PLATFORMS,
  Platform,
  SharedConfig,
  StackConfig,
} from "./stackTypes";
import { IMAGES, LGTM_BUNDLED } from "../constants/images";
import { TEMPO_RELEASES, TempoRelease, findTempoRelease } from "../constants/tempoReleases";

export * from "./stackTypes";

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
  rejectUnreadKeys(reader, platform);
  reader.finish();
  return config;
}

/**
 * Every key the stack sets in this namespace must have been read by now. A key of the other
 * platform is named as such; anything else is a typo that would silently do nothing, so it
 * is refused with the known key it is closest to.
 */
function rejectUnreadKeys(reader: ConfigReader, platform: Platform): void {
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const fullKey of reader.unreadKeys()) {
    const name = fullKey.slice(prefix.length);
    const scope: KeyScope | undefined = scopeOf(name);
    const value = reader.valueOf(fullKey);
    if (scope !== undefined && scope !== "shared") {
      reader.fail(
        name,
        value,
        `no such key on tracing:platform ${JSON.stringify(platform)}: ${fullKey} applies only to platform ${JSON.stringify(scope)}; remove it`,
      );
    } else {
      const usable = [...CONFIG_KEYS.shared, ...(platform === "gcp" ? CONFIG_KEYS.gcp : CONFIG_KEYS.docker)];
      reader.fail(
        name,
        value,
        `a key this program knows: did you mean ${prefix}${nearestKey(name, usable)}? (every key: docs/configuration.md)`,
      );
    }
  }
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
  if (mode === "lgtm") {
    rejectUnbundledTempo(reader, shared.tempo);
  }
  return {
    ...shared,
    platform: "docker",
    mode,
    bindAddress: reader.ipv4("bindAddress", DEFAULTS.bindAddress),
    hostPorts,
  };
}

/**
 * lgtm mode runs the Tempo inside grafana/otel-lgtm, not an image of `tempoVersion`, and Tempo
 * refuses a tempo.yaml of another line. So only the bundled Tempo's line can be honoured there.
 */
function rejectUnbundledTempo(reader: ConfigReader, tempo: TempoRelease): void {
  const bundledLine = LGTM_BUNDLED.tempo.split(".").slice(0, 2).join(".");
  if (tempo.line === bundledLine) {
    return;
  }
  const valid = TEMPO_RELEASES.filter((release) => release.line === bundledLine).map((r) => JSON.stringify(r.version));
  const image = `${IMAGES.lgtm} runs its own Tempo ${LGTM_BUNDLED.tempo}, which reads only a Tempo ${bundledLine} tempo.yaml`;
  reader.fail(
    "tempoVersion",
    reader.raw("tempoVersion"),
    valid.length > 0
      ? `${valid.join(" or ")} in lgtm mode: ${image}; Tempo ${tempo.version} needs tracing:mode split`
      : `a Tempo ${bundledLine} release in lgtm mode, and this program knows none: ${image}; use tracing:mode split`,
  );
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
