/** Grafana roles an anonymous visitor may get. `Admin` is never offered. */
export const ANONYMOUS_ROLES = ["none", "Viewer", "Editor"] as const;
export type AnonymousRole = (typeof ANONYMOUS_ROLES)[number];

export const GRAFANA_ADMIN_USER = "admin";

/**
 * Signing people in from the header IAP adds to every request it lets through: a JWT signed by
 * Google (ES256, `x-goog-iap-jwt-assertion`; cloud.google.com/iap/docs/signed-headers-howto).
 */
export interface IapSignIn {
  /** The `aud` IAP writes for this service: `/projects/<number>/locations/<region>/services/<name>`. */
  readonly audience: string;
  /** The role of everyone not named an admin. */
  readonly defaultRole: "Viewer" | "Editor";
  /** Emails (lower case) of the people who get Grafana's Admin role. */
  readonly admins: readonly string[];
}

/** Where Google publishes the keys IAP signs with, as a JWK set. */
export const IAP_JWK_SET_URL = "https://www.gstatic.com/iap/verify/public_key-jwk";
export const IAP_ISSUER = "https://cloud.google.com/iap";
export const IAP_JWT_HEADER = "X-Goog-IAP-JWT-Assertion";

/** The audience of IAP's signed header for a Cloud Run service with IAP on the service itself. */
export function iapAudience(projectNumber: string, region: string, service: string): string {
  return `/projects/${projectNumber}/locations/${region}/services/${service}`;
}

/**
 * The JMESPath expression Grafana evaluates against the token's claims for the role: Admin for
 * the named emails, else the default. An empty list leaves just the default, a raw string.
 */
export function iapRoleExpression(admins: readonly string[], defaultRole: IapSignIn["defaultRole"]): string {
  for (const email of admins) {
    if (!/^[a-z0-9._%+-]+@[a-z0-9.-]+$/.test(email)) {
      throw new Error(`grafana admins: ${JSON.stringify(email)} cannot be written into the role expression`);
    }
  }
  if (admins.length === 0) {
    return `'${defaultRole}'`;
  }
  return `contains([${admins.map((email) => `'${email}'`).join(", ")}], email) && 'Admin' || '${defaultRole}'`;
}

/**
 * Grafana's `[auth.jwt]` for IAP (read from Grafana's pkg/services/auth/jwt and
 * pkg/services/authn/clients/jwt.go, and its JWT docs for v13): the token is verified against
 * Google's key set with the issuer and this service's audience; a person is looked up by the
 * `email` claim and created on first visit; the role is evaluated on every request from the
 * claims, so the config stays the one place roles are set. Google rotates its keys: a 10-minute
 * key cache bounds how long a new key is unknown (Grafana does not refetch on an unknown key id).
 * The token arrives on every request, so signing out is pointless and the menu entry is hidden.
 */
export function iapSignInEnvironment(signIn: IapSignIn): Record<string, string> {
  return {
    GF_AUTH_JWT_ENABLED: "true",
    GF_AUTH_JWT_HEADER_NAME: IAP_JWT_HEADER,
    GF_AUTH_JWT_EMAIL_CLAIM: "email",
    GF_AUTH_JWT_USERNAME_CLAIM: "email",
    GF_AUTH_JWT_JWK_SET_URL: IAP_JWK_SET_URL,
    GF_AUTH_JWT_CACHE_TTL: "10m",
    GF_AUTH_JWT_EXPECT_CLAIMS: JSON.stringify({ iss: IAP_ISSUER, aud: signIn.audience }),
    GF_AUTH_JWT_AUTO_SIGN_UP: "true",
    GF_AUTH_JWT_ROLE_ATTRIBUTE_PATH: iapRoleExpression(signIn.admins, signIn.defaultRole),
    GF_AUTH_JWT_ROLE_ATTRIBUTE_STRICT: "false",
    GF_AUTH_JWT_SKIP_ORG_ROLE_SYNC: "false",
    GF_AUTH_JWT_ALLOW_ASSIGN_GRAFANA_ADMIN: "false",
    GF_USERS_AUTO_ASSIGN_ORG_ROLE: signIn.defaultRole,
    GF_AUTH_DISABLE_SIGNOUT_MENU: "true",
  };
}

export interface GrafanaEnvSettings {
  readonly anonymousRole: AnonymousRole;
  /** File holding the admin password, expanded by Grafana itself (`$__file{}`). */
  readonly adminPasswordFile: string;
  /** The URL users open, for links Grafana generates. */
  readonly rootUrl?: string;
  /** Sign people in from IAP's signed header; the admin login stays for when that fails. */
  readonly iapSignIn?: IapSignIn;
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
    ...(settings.iapSignIn ? iapSignInEnvironment(settings.iapSignIn) : {}),
  };
}

/** `KEY=value` strings, the form the Docker provider takes. */
export function toEnvList(variables: Readonly<Record<string, string>>): string[] {
  return Object.entries(variables).map(([key, value]) => `${key}=${value}`);
}
