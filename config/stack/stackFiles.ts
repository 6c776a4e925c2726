/**
 * Each stack's settings for the file builders in config/files: the one place where stack
 * config becomes builder settings, so the builders stay plain and the stacks cannot drift.
 */
import {
  DASHBOARD_KEYS,
  GRAFANA_PATHS,
  GrafanaFiles,
  TEMPO_URL_VARIABLE,
  TempoDatasourceSettings,
  renderGrafanaFiles,
} from "../files/grafanaProvisioning";
import { TEMPO_HOSTNAME, TEMPO_PORTS } from "../constants/ports";
import { PROD_PROXY, renderProxyConfig } from "../files/proxyConfig";
import { DockerStackConfig, StackConfig } from "./stackConfig";
import { LGTM_PLACEMENT, LGTM_TEMPO } from "../files/lgtmTempoConfig";
import { PROD_GCS_TUNING, TempoSettings, TraceBackend, renderTempoYaml } from "../files/tempoConfig";

/** The Tempo settings of a stack: the one mapping from stack config to tempo.yaml. */
export function tempoSettingsFor(config: StackConfig): TempoSettings {
  const backend: TraceBackend =
    config.platform === "gcp"
      ? { kind: "gcs", ...PROD_GCS_TUNING, bucketName: config.bucket.name, prefix: config.bucket.prefix }
      : { kind: "local" };
  return {
    release: config.tempo,
    backend,
    retentionDays: config.retentionDays,
    // On Cloud Run the disk vanishes with the instance; locally a volume keeps the WAL.
    durability: config.platform === "gcp" ? "ephemeral" : "standard",
    ...(config.platform === "gcp" ? { blockUpload: config.tempoBlockUpload } : {}),
    externalLabels: { source: "tempo", environment: config.deploymentEnvironment },
    metricsRemoteWriteUrl: config.metricsRemoteWriteUrl,
    usageReporting: config.usageReporting,
  };
}

/**
 * lgtm mode's Tempo settings: the same as the split mode's, placed inside the image (its
 * listeners, every path on its /data volume), and with no `metricsRemoteWriteUrl` the metrics
 * generator writes to the Prometheus bundled in the image, as the image's own Tempo does (its
 * Grafana draws the service graph from there).
 */
export function lgtmTempoSettingsFor(config: DockerStackConfig): TempoSettings {
  return {
    ...tempoSettingsFor(config),
    placement: LGTM_PLACEMENT,
    metricsRemoteWriteUrl: config.metricsRemoteWriteUrl ?? LGTM_TEMPO.prometheusRemoteWriteUrl,
  };
}

/** lgtm mode's tempo.yaml, from the one builder. */
export function lgtmTempoYamlFor(config: DockerStackConfig): string {
  return renderTempoYaml(lgtmTempoSettingsFor(config));
}

/**
 * How Grafana reaches Tempo. Locally by name on the Docker network; on Cloud Run through
 * Tempo's ingress proxy, whose URL is only known once deployed (so Grafana reads it from its
 * environment) and which wants the bearer token (read from a mounted secret file).
 */
export function datasourceFor(config: StackConfig): TempoDatasourceSettings {
  if (config.platform === "gcp") {
    return {
      url: `\${${TEMPO_URL_VARIABLE}}`,
      authHeader: { name: "Authorization", valueExpression: `$__file{${GRAFANA_PATHS.tempoAuthorization}}` },
    };
  }
  return { url: `http://${TEMPO_HOSTNAME}:${TEMPO_PORTS.http}` };
}

export function grafanaFilesFor(config: StackConfig): GrafanaFiles {
  return renderGrafanaFiles({
    datasource: datasourceFor(config),
    serviceName: config.serviceName,
    // The stack's own environment, and the guide's two.
    environments: [config.deploymentEnvironment, "DEPLOYED_SERVICE", "DEBUG"],
  });
}

/** A file the stack generates, by its path relative to the render output directory. */
export interface StackFile {
  readonly path: string;
  readonly content: string;
}

/**
 * Every file a stack generates, exactly as the components deploy them. In `lgtm` mode the
 * bundled image brings its own data source, so tempo.yaml (placed for the image) and the
 * dashboards are ours.
 */
export function renderStackFiles(config: StackConfig): StackFile[] {
  const grafana = grafanaFilesFor(config);
  const dashboards: StackFile[] = [
    { path: "grafana/provisioning/dashboards/diagram-agent.yaml", content: grafana.dashboardProvider },
    ...DASHBOARD_KEYS.map((key) => ({
      path: `grafana/dashboards/${basename(GRAFANA_PATHS.dashboards[key])}`,
      content: grafana.dashboards[key],
    })),
  ];
  if (config.platform === "docker" && config.mode === "lgtm") {
    return [{ path: "tempo.yaml", content: lgtmTempoYamlFor(config) }, ...dashboards];
  }
  const proxy: StackFile[] =
    config.platform === "gcp" ? [{ path: "proxy/tempo.conf", content: renderProxyConfig(PROD_PROXY) }] : [];
  return [
    { path: "tempo.yaml", content: renderTempoYaml(tempoSettingsFor(config)) },
    { path: "grafana/provisioning/datasources/tempo.yaml", content: grafana.datasources },
    ...dashboards,
    ...proxy,
  ];
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
