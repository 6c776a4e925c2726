import { DASHBOARD_UIDS, TEMPO_DATASOURCE_UID } from "../constants/grafana";

/**
 * The agent's health at a glance, from its traces alone: TraceQL metrics queries answered by
 * Tempo itself (3.0 from its live-store and blocks; 2.10 through the metrics generator's
 * local-blocks processor, which the tempo.yaml builder turns on), so no Prometheus is needed.
 *
 * The dashboard model is Grafana's v1 JSON at schema version 42, the last of that API (Grafana's
 * DashboardMigrator.ts: "Schema version 42 is the FINAL version"; @grafana/schema 13.2.0). Each
 * target is `queryType: "traceql"`: Grafana sends a TraceQL query to Tempo's
 * /api/metrics/query_range when its text has `| <metrics function>(` (the Tempo data source's
 * datasource.ts and pkg/tsdb/tempo/traceql_query.go), so no panel mixes a search with a metric.
 */

/** The one agent span per request: the root of every diagram-agent trace (the guide's span). */
export const REQUEST_SPAN = "agent.generate_diagram";

/** Dashboard variables, interpolated into the queries by Grafana as they are (no escaping). */
export const OVERVIEW_VARIABLES = { service: "service", environment: "environment" } as const;

export interface OverviewSettings {
  /** The agent's `service.name`: the service variable's default. */
  readonly serviceName: string;
  /**
   * `deployment.environment` values to offer besides "any" (which matches spans without the
   * attribute too): the stack's own first.
   */
  readonly environments: readonly string[];
}

/** The spanset filter every panel starts from: the service, and the environment variable's clause. */
const SCOPE = `resource.service.name="$${OVERVIEW_VARIABLES.service}" && $${OVERVIEW_VARIABLES.environment}`;

/** One panel's query: TraceQL with a metrics function, and the step it asks for. */
export interface OverviewQuery {
  readonly title: string;
  readonly description: string;
  readonly query: string;
  /** The step (Tempo takes a Go duration); Grafana sends none unless the target has one. */
  readonly step: string;
}

/**
 * Every panel's step. Grafana sends none of its own (it leaves Tempo to pick range/240), and on
 * Tempo 3.0.3 and 2.10.8 a step of 30 minutes or more returned no series for spans younger than
 * one step (measured, docs/dashboards.md): a fixed minute answers on every range up to 7 days, and
 * makes the counts read "per minute". 7 days of it is 10,080 intervals, which Tempo serves only
 * with `query_frontend.metrics.max_intervals` above its default 10,000 (the builder sets it).
 */
const STEP = "1m";

/**
 * Every query of the overview. Functions are those both releases' grammar has (pkg/traceql/expr.y at v3.0.3 and
 * v2.10.8), and those Grafana's Tempo data source recognises as metrics (rate, count_over_time,
 * quantile_over_time, avg_over_time: sum_over_time is missing from some Grafana releases' list).
 */
export const OVERVIEW_QUERIES = {
  requests: {
    title: "Diagrams per minute",
    description: `Requests of the agent: its ${REQUEST_SPAN} spans, counted per minute.`,
    query: `{${SCOPE} && name="${REQUEST_SPAN}"} | count_over_time()`,
    step: STEP,
  },
  failures: {
    title: "Failed diagrams per minute",
    description: `${REQUEST_SPAN} spans with status error, counted per minute. The dots are example traces: click one to open it.`,
    query: `{${SCOPE} && name="${REQUEST_SPAN}" && status=error} | count_over_time()`,
    step: STEP,
  },
  outcomes: {
    title: "Error ratio: diagrams by status",
    description: `The share of ${REQUEST_SPAN} spans by status (error, ok, unset), stacked to 100 %: the error band is the error ratio.`,
    query: `{${SCOPE} && name="${REQUEST_SPAN}"} | rate() by (status)`,
    step: STEP,
  },
  latency: {
    title: "Diagram duration: p50, p95, p99",
    description: `Quantiles of the ${REQUEST_SPAN} span's duration. The dots are example traces: click one to open it.`,
    query: `{${SCOPE} && name="${REQUEST_SPAN}"} | quantile_over_time(duration, .5, .95, .99)`,
    step: STEP,
  },
  timeBySpan: {
    title: "Where the time goes: average duration by span",
    description:
      "Model calls (chat ...), their HTTP requests (POST), tools (tool.*), history (agent.load_history) and " +
      "rendering (agent.render_diagram): the average duration of each, the ten slowest.",
    query: `{${SCOPE} && name!="${REQUEST_SPAN}"} | avg_over_time(duration) by (name) | topk(10)`,
    step: STEP,
  },
  callsBySpan: {
    title: "Calls by span, per second",
    description: "How often each step runs: model calls, tools, history, rendering; the ten most frequent.",
    query: `{${SCOPE} && name!="${REQUEST_SPAN}"} | rate() by (name) | topk(10)`,
    step: STEP,
  },
} as const satisfies Record<string, OverviewQuery>;

export type OverviewPanel = keyof typeof OVERVIEW_QUERIES;

/** How each panel shows its series: unit, and whether the series stack to 100 %. */
const PANEL_LOOK: Record<OverviewPanel, { readonly unit: string; readonly stacking?: "percent" }> = {
  requests: { unit: "short" },
  failures: { unit: "short" },
  // Stacked to 100 %, the axis reads as shares; the tooltip keeps each series' own rate.
  outcomes: { unit: "reqps", stacking: "percent" },
  latency: { unit: "s" },
  timeBySpan: { unit: "s" },
  callsBySpan: { unit: "ops" },
};

/** Where each panel sits: two per row, 24 columns wide. */
const LAYOUT: readonly OverviewPanel[] = ["requests", "failures", "outcomes", "latency", "timeBySpan", "callsBySpan"];

/** Exemplars asked per query: Tempo's default cap (query_frontend.metrics.max_exemplars). */
const EXEMPLARS = 100;

/** The "key : value" list of a Grafana custom variable (split at the last " : " of each item). */
function environmentOptions(environments: readonly string[]): string {
  for (const environment of environments) {
    if (!/^[A-Za-z0-9._-]+$/.test(environment)) {
      throw new Error(`overview dashboard: environment ${JSON.stringify(environment)} cannot be a variable option`);
    }
  }
  const unique = [...new Set(environments)];
  return ["any : true", ...unique.map((env) => `${env} : resource.deployment.environment="${env}"`)].join(", ");
}

/** The overview dashboard's JSON, as Grafana's file provisioning reads it. */
export function renderOverviewDashboard(settings: OverviewSettings): string {
  const datasource = { type: "tempo", uid: TEMPO_DATASOURCE_UID };
  const panels = LAYOUT.map((key, index) => {
    const spec: OverviewQuery = OVERVIEW_QUERIES[key];
    const look = PANEL_LOOK[key];
    return {
      id: index + 1,
      type: "timeseries",
      title: spec.title,
      description: spec.description,
      datasource,
      gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
      targets: [
        {
          refId: "A",
          datasource,
          queryType: "traceql",
          query: spec.query,
          metricsQueryType: "range",
          exemplars: EXEMPLARS,
          filters: [],
          step: spec.step,
        },
      ],
      fieldConfig: {
        defaults: {
          unit: look.unit,
          custom: {
            drawStyle: "line",
            fillOpacity: look.stacking ? 60 : 10,
            stacking: { mode: look.stacking ?? "none", group: "A" },
          },
        },
        overrides: [],
      },
      options: {
        legend: { showLegend: true, displayMode: "list", placement: "bottom", calcs: [] },
        tooltip: { mode: "multi", sort: "desc" },
      },
    };
  });
  const dashboard = {
    uid: DASHBOARD_UIDS.overview,
    title: `${settings.serviceName} overview`,
    description: "Rate, errors and latency of the agent, from its traces (TraceQL metrics).",
    tags: ["tracing", settings.serviceName],
    schemaVersion: 42,
    version: 1,
    editable: false,
    time: { from: "now-15m", to: "now" },
    refresh: "30s",
    templating: {
      list: [
        {
          type: "textbox",
          name: OVERVIEW_VARIABLES.service,
          label: "Service",
          query: settings.serviceName,
          current: { text: settings.serviceName, value: settings.serviceName },
          hide: 0,
        },
        {
          type: "custom",
          name: OVERVIEW_VARIABLES.environment,
          label: "deployment.environment",
          query: environmentOptions(settings.environments),
          current: { text: "any", value: "true" },
          multi: false,
          includeAll: false,
          options: [],
          hide: 0,
        },
      ],
    },
    links: [
      {
        title: "The guide's searches",
        type: "link",
        url: `/d/${DASHBOARD_UIDS.traces}`,
        icon: "dashboard",
        keepTime: true,
        includeVars: false,
        targetBlank: false,
        tooltip: "All, slow, with history and failed traces of the service",
        asDropdown: false,
        tags: [],
      },
    ],
    panels,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
