import {
  GRAFANA_PATHS,
  TempoDatasourceSettings,
  renderDashboardProvider,
  renderDatasources,
  renderTracesDashboard,
} from "./grafanaProvisioning";
import { TEMPO_PORTS } from "./ports";
import { StackConfig } from "./stackConfig";
import { TempoSettings, renderTempoYaml } from "./tempoConfig";

/** Tempo's name on the local Docker network. */
export const TEMPO_HOSTNAME = "tempo";

/** The Tempo settings of a stack: the one mapping from stack config to tempo.yaml. */
export function tempoSettingsFor(config: StackConfig): TempoSettings {
  return {
    release: config.tempo,
    backend: { kind: "local" },
    retentionDays: config.retentionDays,
    durability: "standard",
    externalLabels: { source: "tempo", environment: config.deploymentEnvironment },
    metricsRemoteWriteUrl: config.metricsRemoteWriteUrl,
    usageReporting: config.usageReporting,
  };
}

/** How Grafana reaches Tempo in a stack. */
export function datasourceFor(_config: StackConfig): TempoDatasourceSettings {
  return { url: `http://${TEMPO_HOSTNAME}:${TEMPO_PORTS.http}` };
}

/** The Grafana provisioning files every stack with its own Grafana carries. */
export interface GrafanaFiles {
  readonly datasources: string;
  readonly dashboardProvider: string;
  readonly dashboard: string;
}

export function grafanaFilesFor(config: StackConfig): GrafanaFiles {
  return {
    datasources: renderDatasources(datasourceFor(config)),
    dashboardProvider: renderDashboardProvider(),
    dashboard: renderTracesDashboard(config.serviceName),
  };
}

/** A file the stack generates, by its path relative to the render output directory. */
export interface StackFile {
  readonly path: string;
  readonly content: string;
}

/**
 * Every file a stack generates, exactly as the components deploy them. In `lgtm` mode the
 * bundled image brings its own Tempo and data source, so only the dashboards are ours.
 */
export function renderStackFiles(config: StackConfig): StackFile[] {
  const grafana = grafanaFilesFor(config);
  const dashboards: StackFile[] = [
    { path: "grafana/provisioning/dashboards/diagram-agent.yaml", content: grafana.dashboardProvider },
    { path: `grafana/dashboards/${basename(GRAFANA_PATHS.dashboard)}`, content: grafana.dashboard },
  ];
  if (config.mode === "lgtm") {
    return dashboards;
  }
  return [
    { path: "tempo.yaml", content: renderTempoYaml(tempoSettingsFor(config)) },
    { path: "grafana/provisioning/datasources/tempo.yaml", content: grafana.datasources },
    ...dashboards,
  ];
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
