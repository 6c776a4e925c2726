import { expect } from "chai";
import { parse } from "yaml";
import * as jmespath from "jmespath";
import {
  IAP_ISSUER,
  IAP_JWK_SET_URL,
  IAP_JWT_HEADER,
  grafanaEnvironment,
  iapRoleExpression,
} from "../config/files/grafanaEnv";
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
    for (const file of Object.values(GRAFANA_PATHS.dashboards)) {
      // each in a folder of its own below it (Cloud Run mounts one secret per folder), which the provider walks
      expect(file.startsWith(`${GRAFANA_PATHS.dashboardsDir}/`)).to.equal(true);
      expect(file.split("/")).to.have.length(GRAFANA_PATHS.dashboardsDir.split("/").length + 2);
    }
    const folders = Object.values(GRAFANA_PATHS.dashboards).map((file) => file.slice(0, file.lastIndexOf("/")));
    expect(new Set(folders).size).to.equal(folders.length);
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

describe("Grafana signs people in from IAP's signed header", () => {
  const signIn = {
    audience: "/projects/123456789012/locations/us-central1/services/grafana",
    defaultRole: "Viewer" as const,
  };

  /**
   * Grafana evaluates role_attribute_path with JMESPath over the token's claims and keeps the
   * result only when it is a string (pkg/util SearchJSONForStringAttr); jmespath.js is the
   * specification's reference implementation.
   */
  function roleFor(expression: string, claims: Record<string, unknown>): string | undefined {
    const result: unknown = jmespath.search(claims, expression);
    return typeof result === "string" ? result : undefined;
  }

  it("gives the named admins Admin and everyone else the default role", () => {
    // GIVEN two admins and Editor for everyone else
    const expression = iapRoleExpression(["ana@example.com", "ops@example.com"], "Editor");
    // WHEN people with IAP's claims arrive THEN each gets their role
    const claims = (email: string) => ({ iss: IAP_ISSUER, sub: `accounts.google.com:${email.length}`, email });
    expect(roleFor(expression, claims("ana@example.com"))).to.equal("Admin");
    expect(roleFor(expression, claims("ops@example.com"))).to.equal("Admin");
    expect(roleFor(expression, claims("bob@example.com"))).to.equal("Editor");
    expect(roleFor(expression, claims("contractor@gmail.com"))).to.equal("Editor");
    // AND an address is matched whole, not as a part of another
    expect(roleFor(expression, claims("xana@example.com"))).to.equal("Editor");
  });

  it("gives everyone the default role when nobody is named admin", () => {
    expect(roleFor(iapRoleExpression([], "Viewer"), { email: "ana@example.com" })).to.equal("Viewer");
  });

  it("refuses to write an address that would break out of the expression", () => {
    expect(() => iapRoleExpression(["a'b@example.com"], "Viewer")).to.throw(
      "cannot be written into the role expression",
    );
  });

  it("verifies the token against Google's keys, issuer and this service's audience, and creates users on first visit", () => {
    const env = grafanaEnvironment({
      anonymousRole: "none",
      adminPasswordFile: "/p",
      iapSignIn: { ...signIn, admins: [] },
    });
    expect(env).to.include({
      GF_AUTH_JWT_ENABLED: "true",
      GF_AUTH_JWT_HEADER_NAME: IAP_JWT_HEADER,
      GF_AUTH_JWT_EMAIL_CLAIM: "email",
      GF_AUTH_JWT_USERNAME_CLAIM: "email",
      GF_AUTH_JWT_JWK_SET_URL: IAP_JWK_SET_URL,
      GF_AUTH_JWT_AUTO_SIGN_UP: "true",
      GF_AUTH_JWT_SKIP_ORG_ROLE_SYNC: "false",
      GF_AUTH_JWT_ALLOW_ASSIGN_GRAFANA_ADMIN: "false",
      GF_AUTH_DISABLE_SIGNOUT_MENU: "true",
      // The login form stays: the admin's way in when a token cannot be verified.
      GF_AUTH_DISABLE_LOGIN_FORM: "false",
    });
    expect(JSON.parse(env.GF_AUTH_JWT_EXPECT_CLAIMS)).to.deep.equal({ iss: IAP_ISSUER, aud: signIn.audience });
    expect(IAP_JWK_SET_URL).to.equal("https://www.gstatic.com/iap/verify/public_key-jwk");
  });

  it("sets only [auth.jwt] keys that Grafana's defaults.ini declares, since GF_ variables override declared keys only", () => {
    // The keys of [auth.jwt] in grafana/grafana conf/defaults.ini (pkg/setting/setting.go
    // applyEnvVariableOverrides walks the loaded sections' keys), as read from the v13 line.
    const declared = [
      "enabled",
      "enable_login_token",
      "header_name",
      "email_claim",
      "username_claim",
      "jwk_set_url",
      "jwk_set_file",
      "cache_ttl",
      "expect_claims",
      "key_file",
      "key_id",
      "role_attribute_path",
      "role_attribute_strict",
      "groups_attribute_path",
      "auto_sign_up",
      "url_login",
      "allow_assign_grafana_admin",
      "skip_org_role_sync",
    ];
    const env = grafanaEnvironment({
      anonymousRole: "none",
      adminPasswordFile: "/p",
      iapSignIn: { ...signIn, admins: [] },
    });
    const jwtKeys = Object.keys(env)
      .filter((key) => key.startsWith("GF_AUTH_JWT_"))
      .map((key) => key.slice("GF_AUTH_JWT_".length).toLowerCase());
    expect(jwtKeys.length).to.be.greaterThan(8);
    expect(jwtKeys.filter((key) => !declared.includes(key))).to.deep.equal([]);
  });

  it("signs nobody in from a header without IAP in front", () => {
    const env = grafanaEnvironment({ anonymousRole: "none", adminPasswordFile: "/p" });
    expect(Object.keys(env).filter((key) => key.startsWith("GF_AUTH_JWT_"))).to.deep.equal([]);
  });
});
