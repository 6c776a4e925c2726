/** Grafana roles an anonymous visitor may get. `Admin` is never offered. */
export const ANONYMOUS_ROLES = ["none", "Viewer", "Editor"] as const;
export type AnonymousRole = (typeof ANONYMOUS_ROLES)[number];

export const GRAFANA_ADMIN_USER = "admin";

export interface GrafanaEnvSettings {
  readonly anonymousRole: AnonymousRole;
  /** File holding the admin password, expanded by Grafana itself (`$__file{}`). */
  readonly adminPasswordFile: string;
  /** The URL users open, for links Grafana generates. */
  readonly rootUrl?: string;
}

/**
 * Grafana's settings as `GF_*` variables. The login form stays on and sign-up off; anonymous
 * access is off unless configured, and never with the Admin role (the guide's setup let anyone
 * who reached the port administer Grafana). The password is read from a file by Grafana's own
 * `$__file{}` expansion, which works in every image and on Cloud Run, so it is never in the
 * environment.
 */
export function grafanaEnvironment(settings: GrafanaEnvSettings): Record<string, string> {
  const anonymous = settings.anonymousRole !== "none";
  return {
    GF_SECURITY_ADMIN_USER: GRAFANA_ADMIN_USER,
    GF_SECURITY_ADMIN_PASSWORD: `$__file{${settings.adminPasswordFile}}`,
    GF_AUTH_DISABLE_LOGIN_FORM: "false",
    GF_AUTH_ANONYMOUS_ENABLED: String(anonymous),
    ...(anonymous ? { GF_AUTH_ANONYMOUS_ORG_ROLE: settings.anonymousRole } : {}),
    GF_USERS_ALLOW_SIGN_UP: "false",
    GF_ANALYTICS_REPORTING_ENABLED: "false",
    GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
    GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
    ...(settings.rootUrl ? { GF_SERVER_ROOT_URL: settings.rootUrl } : {}),
  };
}

/** `KEY=value` strings, the form the Docker provider takes. */
export function toEnvList(variables: Readonly<Record<string, string>>): string[] {
  return Object.entries(variables).map(([key, value]) => `${key}=${value}`);
}
