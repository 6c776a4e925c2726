import { expect } from "chai";
import { DASHBOARD_UIDS, TEMPO_DATASOURCE_UID } from "../config/constants/grafana";
import { exampleQueries, renderTracesDashboard } from "../config/files/grafanaProvisioning";
import {
  OVERVIEW_QUERIES,
  OVERVIEW_VARIABLES,
  REQUEST_SPAN,
  renderOverviewDashboard,
} from "../config/files/overviewDashboard";
import { loadStackConfig } from "../config/stack/stackConfig";
import { sourceFromMap } from "../config/stack/source";
import { stackFileSource } from "../config/stack/stackFile";
import { renderStackFiles } from "../config/stack/stackFiles";
import { isMetricsQuery, traceqlProblem } from "./traceql";

interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  queryType: string;
  query: string;
  metricsQueryType?: string;
  step?: string;
  exemplars?: number;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets: Target[];
  fieldConfig?: { defaults: { unit: string; custom: { stacking: { mode: string } } } };
}
interface Variable {
  type: string;
  name: string;
  query: string;
  current: { text: string; value: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  time: { from: string; to: string };
  templating: { list: Variable[] };
  links: { type: string; url: string; keepTime: boolean }[];
  panels: Panel[];
}

const SETTINGS = { serviceName: "diagram-agent", environments: ["DEBUG", "DEPLOYED_SERVICE"] };
const dashboard = JSON.parse(renderOverviewDashboard(SETTINGS)) as Dashboard;

/**
 * A Grafana custom variable's options, split as Grafana does it (@grafana/scenes CustomVariable:
 * items at unescaped commas, then "key : value" at the last " : ").
 */
function customOptions(query: string): { text: string; value: string }[] {
  return (query.match(/(?:\\,|[^,])+/g) ?? []).map((item) => {
    const pair = /^\s*(.+)\s:\s(.+)$/.exec(item);
    return pair ? { text: pair[1].trim(), value: pair[2].trim() } : { text: item.trim(), value: item.trim() };
  });
}

/** A query as Grafana sends it: variables replaced as they are, no escaping (the Tempo data source). */
function interpolate(query: string, values: Record<string, string>): string {
  return query.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => values[name] ?? whole);
}

describe("the overview dashboard, against Grafana's dashboard model and TraceQL's grammar", () => {
  const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
  const environments = customOptions(variables[OVERVIEW_VARIABLES.environment].query);

  it("is a v1 dashboard at schema version 42, the last Grafana 13 knows, with a uid Grafana accepts", () => {
    // @grafana/schema 13.2.0 defaultDashboard.schemaVersion; a newer one fails the backend's migration
    expect(dashboard.schemaVersion).to.equal(42);
    expect(dashboard.uid)
      .to.equal(DASHBOARD_UIDS.overview)
      .and.match(/^[a-zA-Z0-9\-_]{1,40}$/);
    expect(dashboard.title).to.equal("diagram-agent overview");
    expect(dashboard.time).to.deep.equal({ from: "now-15m", to: "now" });
  });

  it("asks the provisioned Tempo data source by uid, one TraceQL metrics range query a panel", () => {
    expect(dashboard.panels).to.have.length(Object.keys(OVERVIEW_QUERIES).length);
    for (const panel of dashboard.panels) {
      expect(panel.type, panel.title).to.equal("timeseries");
      expect(panel.datasource).to.deep.equal({ type: "tempo", uid: TEMPO_DATASOURCE_UID });
      expect(panel.targets, panel.title).to.have.length(1);
      const [target] = panel.targets;
      expect(target).to.deep.include({
        refId: "A",
        datasource: { type: "tempo", uid: TEMPO_DATASOURCE_UID },
        queryType: "traceql",
        metricsQueryType: "range",
      });
      // Grafana sends it to /api/metrics/query_range only when it recognises a metrics function,
      // and sum_over_time is missing from some releases' list: none is used
      expect(isMetricsQuery(target.query), target.query).to.equal(true);
      expect(target.query).to.not.include("sum_over_time");
      expect(target.exemplars).to.be.greaterThan(0);
      // a fixed minute on every panel: Tempo's own range/240 returned nothing for recent spans on long ranges
      expect(target.step).to.equal("1m");
    }
    expect(new Set(dashboard.panels.map((p) => p.id)).size).to.equal(dashboard.panels.length);
  });

  it("lays the panels out on Grafana's 24 columns without overlap", () => {
    const cells = new Set<string>();
    for (const { gridPos, title } of dashboard.panels) {
      expect(gridPos.x + gridPos.w, title).to.be.at.most(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).to.equal(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it("offers the service and deployment.environment as variables, 'any' first", () => {
    expect(variables[OVERVIEW_VARIABLES.service]).to.deep.include({
      type: "textbox",
      query: "diagram-agent",
      current: { text: "diagram-agent", value: "diagram-agent" },
    });
    expect(variables[OVERVIEW_VARIABLES.environment].type).to.equal("custom");
    expect(environments).to.deep.equal([
      { text: "any", value: "true" },
      { text: "DEBUG", value: 'resource.deployment.environment="DEBUG"' },
      { text: "DEPLOYED_SERVICE", value: 'resource.deployment.environment="DEPLOYED_SERVICE"' },
    ]);
    expect(variables[OVERVIEW_VARIABLES.environment].current).to.deep.equal(environments[0]);
  });

  it("writes every query as TraceQL Tempo parses, with each value of the variables", () => {
    for (const panel of dashboard.panels) {
      for (const environment of environments) {
        const query = interpolate(panel.targets[0].query, { service: "diagram-agent", environment: environment.value });
        expect(query, panel.title).to.not.include("$");
        expect(traceqlProblem(query), `${panel.title}: ${query}`).to.equal(undefined);
      }
    }
  });

  it("counts the agent's requests and failures per minute, and puts the error share on a 100 % stack", () => {
    const byTitle = Object.fromEntries(dashboard.panels.map((p) => [p.title, p]));
    const requests = byTitle[OVERVIEW_QUERIES.requests.title].targets[0];
    expect(requests.query).to.equal(
      `{resource.service.name="$service" && $environment && name="${REQUEST_SPAN}"} | count_over_time()`,
    );
    expect(requests.step).to.equal("1m");
    expect(byTitle[OVERVIEW_QUERIES.failures.title].targets[0].query).to.include("&& status=error}");
    expect(byTitle[OVERVIEW_QUERIES.outcomes.title].targets[0].query).to.match(/\| rate\(\) by \(status\)$/);
    expect(byTitle[OVERVIEW_QUERIES.outcomes.title].fieldConfig?.defaults.custom.stacking.mode).to.equal("percent");
    expect(byTitle[OVERVIEW_QUERIES.latency.title].targets[0].query).to.match(
      /\| quantile_over_time\(duration, \.5, \.95, \.99\)$/,
    );
    for (const key of ["timeBySpan", "callsBySpan"] as const) {
      expect(byTitle[OVERVIEW_QUERIES[key].title].targets[0].query).to.match(/by \(name\) \| topk\(10\)$/);
    }
  });

  it("is one click from the guide's searches, and they from it", () => {
    expect(dashboard.links.map((l) => [l.type, l.url, l.keepTime])).to.deep.equal([
      ["link", `/d/${DASHBOARD_UIDS.traces}`, true],
    ]);
    const traces = JSON.parse(renderTracesDashboard("diagram-agent")) as Dashboard;
    expect(traces.links.map((l) => [l.type, l.url])).to.deep.equal([["link", `/d/${DASHBOARD_UIDS.overview}`]]);
    expect(traces.schemaVersion).to.equal(42);
  });

  it("refuses what Tempo's grammar refuses (the checker itself)", () => {
    // The guide's slow-trace search: a comparison after a pipe is not a metrics function
    expect(traceqlProblem('{resource.service.name="x"} | duration > 5s')).to.be.a("string");
    expect(traceqlProblem("{} | sum()")).to.match(/not a metrics function/);
    expect(traceqlProblem('{name="x"')).to.be.a("string");
    expect(traceqlProblem("{status=failed}")).to.be.a("string");
    expect(traceqlProblem('{status="error"}')).to.match(/expected error, ok or unset/);
    expect(traceqlProblem("{} | rate() | topk(ten)")).to.be.a("string");
    expect(traceqlProblem('{ service.name = "x" }')).to.match(/unknown intrinsic/);
    expect(traceqlProblem("{} | quantile_over_time(duration, 1.5)")).to.match(/quantile from 0 to 1/);
    for (const { query } of exampleQueries("diagram-agent")) {
      expect(traceqlProblem(query), query).to.equal(undefined);
    }
  });
});

describe("the overview is provisioned on every stack and mode", () => {
  const stacks = {
    "local, split": stackFileSource("local"),
    "local, lgtm": sourceFromMap({ "tracing:platform": "docker", "tracing:mode": "lgtm" }),
    prod: stackFileSource("prod"),
  };
  for (const [label, source] of Object.entries(stacks)) {
    it(`writes it beside the searches: ${label}`, () => {
      const config = loadStackConfig(source);
      const files = Object.fromEntries(renderStackFiles(config).map((f) => [f.path, f.content]));
      const overview = JSON.parse(files["grafana/dashboards/diagram-agent-overview.json"] ?? "{}") as Dashboard;
      expect(overview.uid).to.equal(DASHBOARD_UIDS.overview);
      expect(files).to.have.property("grafana/dashboards/diagram-agent-traces.json");
      // the stack's own environment is offered
      expect(customOptions(overview.templating.list[1].query).map((o) => o.text)).to.include(
        config.deploymentEnvironment,
      );
    });
  }
});
