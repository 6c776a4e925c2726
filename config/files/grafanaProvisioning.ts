import { stringify } from "yaml";
import { DASHBOARD_UIDS, TEMPO_DATASOURCE_UID } from "../constants/grafana";
import { renderOverviewDashboard } from "./overviewDashboard";

export { TEMPO_DATASOURCE_UID } from "../constants/grafana";

/**
 * Paths inside the Grafana container. Each file has a directory of its own, because Cloud Run
 * mounts one secret per directory; dashboards live outside the provisioning tree on purpose.
 */
export const GRAFANA_PATHS = {
  datasources: "/etc/grafana/provisioning/datasources/tempo.yaml",
  dashboardProvider: "/etc/grafana/provisioning/dashboards/diagram-agent.yaml",
  dashboardsDir: "/etc/grafana/dashboards",
  /** Each in a folder of its own under dashboardsDir, which Grafana's file provider walks. */
  dashboards: {
    traces: "/etc/grafana/dashboards/traces/diagram-agent-traces.json",
    overview: "/etc/grafana/dashboards/overview/diagram-agent-overview.json",
  },
  adminPassword: "/etc/grafana/secrets/admin/password",
  tempoAuthorization: "/etc/grafana/secrets/tempo/authorization",
} as const;

/** The variable holding Tempo's URL in Grafana's Cloud Run service (expanded by Grafana). */
export const TEMPO_URL_VARIABLE = "TEMPO_URL";

export interface TempoDatasourceSettings {
  /** Where Grafana's server reaches Tempo's query API. */
  readonly url: string;
  /**
   * A header Grafana adds to every request to Tempo, for an ingress that checks a credential.
   * The value is a Grafana expansion such as `$__file{...}`, never the secret itself.
   */
  readonly authHeader?: { readonly name: string; readonly valueExpression: string };
}

/** `provisioning/datasources/tempo.yaml`: Tempo as the default, read-only data source. */
export function renderDatasources(settings: TempoDatasourceSettings): string {
  const datasource = {
    name: "Tempo",
    type: "tempo",
    uid: TEMPO_DATASOURCE_UID,
    access: "proxy",
    url: settings.url,
    isDefault: true,
    editable: false,
    jsonData: {
      nodeGraph: { enabled: true },
      search: { hide: false },
      ...(settings.authHeader ? { httpHeaderName1: settings.authHeader.name } : {}),
    },
    ...(settings.authHeader ? { secureJsonData: { httpHeaderValue1: settings.authHeader.valueExpression } } : {}),
  };
  return stringify({ apiVersion: 1, prune: true, datasources: [datasource] });
}

/** `provisioning/dashboards/diagram-agent.yaml`: loads the dashboards directory, read-only. */
export function renderDashboardProvider(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: "diagram-agent",
        folder: "Diagram agent",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        options: { path: GRAFANA_PATHS.dashboardsDir },
      },
    ],
  });
}

/** The guide's example TraceQL searches (Part 3), for one service. */
export function exampleQueries(serviceName: string): { title: string; query: string }[] {
  const service = `resource.service.name=${JSON.stringify(serviceName)}`;
  return [
    { title: "All diagram generation traces", query: `{${service}}` },
    // The guide writes `{...} | duration > 5s`, which is not a spanset filter; traceDuration is
    // the whole trace's duration, which is what "slow traces" means.
    { title: "Slow traces (> 5 s)", query: `{${service} && traceDuration > 5s}` },
    { title: "Traces with history", query: `{${service} && span.agent.has_history=true}` },
    { title: "Failed traces", query: `{${service} && status=error}` },
  ];
}

/** A dashboard with one table panel per example query, against the provisioned data source. */
export function renderTracesDashboard(serviceName: string): string {
  const datasource = { type: "tempo", uid: TEMPO_DATASOURCE_UID };
  const panels = exampleQueries(serviceName).map((example, index) => ({
    id: index + 1,
    type: "table",
    title: example.title,
    description: example.query,
    datasource,
    gridPos: { h: 9, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 9 },
    targets: [
      {
        refId: "A",
        datasource,
        queryType: "traceql",
        query: example.query,
        limit: 20,
        tableType: "traces",
        filters: [],
      },
    ],
  }));
  const dashboard = {
    uid: DASHBOARD_UIDS.traces,
    title: `${serviceName} traces`,
    tags: ["tracing", serviceName],
    schemaVersion: 42,
    version: 1,
    editable: false,
    time: { from: "now-1h", to: "now" },
    refresh: "30s",
    links: [
      {
        title: "Overview: rate, errors, latency",
        type: "link",
        url: `/d/${DASHBOARD_UIDS.overview}`,
        icon: "dashboard",
        keepTime: true,
        includeVars: false,
        targetBlank: false,
        tooltip: "The agent's health over time, from TraceQL metrics",
        asDropdown: false,
        tags: [],
      },
    ],
    panels,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

/** The provisioned dashboards, by the key of their path in GRAFANA_PATHS.dashboards. */
export type DashboardKey = keyof typeof GRAFANA_PATHS.dashboards;
export const DASHBOARD_KEYS = Object.keys(GRAFANA_PATHS.dashboards) as DashboardKey[];

/** The Grafana provisioning files every stack with its own Grafana carries. */
export interface GrafanaFiles {
  readonly datasources: string;
  readonly dashboardProvider: string;
  readonly dashboards: Readonly<Record<DashboardKey, string>>;
}

export interface GrafanaFilesSettings {
  readonly datasource: TempoDatasourceSettings;
  /** The agent's `service.name`: the dashboards' filter. */
  readonly serviceName: string;
  /** `deployment.environment` values the overview offers, the stack's own first. */
  readonly environments: readonly string[];
}

export function renderGrafanaFiles(settings: GrafanaFilesSettings): GrafanaFiles {
  return {
    datasources: renderDatasources(settings.datasource),
    dashboardProvider: renderDashboardProvider(),
    dashboards: {
      traces: renderTracesDashboard(settings.serviceName),
      overview: renderOverviewDashboard({ serviceName: settings.serviceName, environments: settings.environments }),
    },
  };
}
