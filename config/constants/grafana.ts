/** The provisioned Tempo data source's uid: dashboards and links refer to it. */
export const TEMPO_DATASOURCE_UID = "tempo";

/** The provisioned dashboards' uids: links between them use these. */
export const DASHBOARD_UIDS = {
  /** The guide's four TraceQL searches. */
  traces: "diagram-agent-traces",
  /** Rate, errors and latency from TraceQL metrics. */
  overview: "diagram-agent-overview",
} as const;
