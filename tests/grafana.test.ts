import { expect } from "chai";
import { parse } from "yaml";
import { grafanaEnvironment } from "../config/files/grafanaEnv";
import {
  GRAFANA_PATHS,
  TEMPO_DATASOURCE_UID,
  exampleQueries,
  renderDashboardProvider,
  renderDatasources,
  renderTracesDashboard,
} from "../config/files/grafanaProvisioning";

interface Dashboard {
  uid: string;
  panels: { type: string; datasource: { uid: string }; targets: { query: string; queryType: string }[] }[];
}

describe("Grafana provisioning", () => {
  it("provisions Tempo as the default, read-only data source with a fixed uid", () => {
    const file = parse(renderDatasources({ url: "http://tempo:3200" })) as {
      apiVersion: number;
      datasources: Record<string, unknown>[];
    };
    expect(file.apiVersion).to.equal(1);
    expect(file.datasources).to.have.length(1);
    expect(file.datasources[0]).to.deep.include({
      name: "Tempo",
      type: "tempo",
      uid: TEMPO_DATASOURCE_UID,
      access: "proxy",
      url: "http://tempo:3200",
      isDefault: true,
      editable: false,
    });
    expect(file.datasources[0]).to.not.have.key("secureJsonData");
  });

  it("adds an auth header by reference, never by value", () => {
    const text = renderDatasources({
      url: "https://tempo.example",
      authHeader: { name: "Authorization", valueExpression: "Bearer $__file{/etc/grafana/secrets/tempo-token}" },
    });
    const source = (parse(text) as { datasources: Record<string, Record<string, unknown>>[] }).datasources[0];
    expect(source.jsonData.httpHeaderName1).to.equal("Authorization");
    expect(source.secureJsonData.httpHeaderValue1).to.equal("Bearer $__file{/etc/grafana/secrets/tempo-token}");
  });

  it("loads dashboards from the directory the dashboard file is written to", () => {
    const provider = parse(renderDashboardProvider()) as { providers: { options: { path: string } }[] };
    expect(provider.providers[0].options.path).to.equal(GRAFANA_PATHS.dashboardsDir);
    expect(GRAFANA_PATHS.dashboard.startsWith(`${GRAFANA_PATHS.dashboardsDir}/`)).to.equal(true);
  });

  it("turns the guide's four TraceQL searches into table panels on the Tempo data source", () => {
    const dashboard = JSON.parse(renderTracesDashboard("diagram-agent")) as Dashboard;
    expect(dashboard.uid).to.equal("diagram-agent-traces");
    expect(dashboard.panels.map((p) => p.targets[0].query)).to.deep.equal([
      '{resource.service.name="diagram-agent"}',
      '{resource.service.name="diagram-agent" && traceDuration > 5s}',
      '{resource.service.name="diagram-agent" && span.agent.has_history=true}',
      '{resource.service.name="diagram-agent" && status=error}',
    ]);
    for (const panel of dashboard.panels) {
      expect(panel.type).to.equal("table");
      expect(panel.datasource.uid).to.equal(TEMPO_DATASOURCE_UID);
      expect(panel.targets[0].queryType).to.equal("traceql");
    }
  });

  it("filters on the configured service name", () => {
    expect(exampleQueries("billing").every((q) => q.query.includes('resource.service.name="billing"'))).to.equal(true);
  });
});

describe("Grafana environment", () => {
  const file = "/etc/grafana/secrets/admin/password";

  it("allows login only, with no anonymous access, by default", () => {
    expect(grafanaEnvironment({ anonymousRole: "none", adminPasswordFile: file })).to.deep.equal({
      GF_SECURITY_ADMIN_USER: "admin",
      GF_SECURITY_ADMIN_PASSWORD: `$__file{${file}}`,
      GF_AUTH_DISABLE_LOGIN_FORM: "false",
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
    });
  });

  it("gives anonymous visitors the configured role and keeps the login form", () => {
    const env = grafanaEnvironment({
      anonymousRole: "Viewer",
      adminPasswordFile: file,
      rootUrl: "http://127.0.0.1:3000",
    });
    expect(env).to.include({
      GF_AUTH_ANONYMOUS_ENABLED: "true",
      GF_AUTH_ANONYMOUS_ORG_ROLE: "Viewer",
      GF_AUTH_DISABLE_LOGIN_FORM: "false",
      GF_SERVER_ROOT_URL: "http://127.0.0.1:3000",
    });
  });
});
