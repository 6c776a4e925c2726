import * as gcp from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { grafanaEnvironment, iapAudience } from "../../config/files/grafanaEnv";
import { GRAFANA_PORT } from "../../config/constants/ports";
import { DEFAULTS, INGRESS_VALUES } from "../../config/stack/stackConfig";
import { GRAFANA_PATHS, GrafanaFiles, TEMPO_URL_VARIABLE } from "../../config/files/grafanaProvisioning";
import { ChildOptions, CloudRunServiceArgs } from "./cloudRunArgs";
import { createAccessCheck } from "./accessCheck";
import { ACCESS_URLS } from "../../config/files/accessCheck";
import { SecretFile, createSecretFile, secretVolume, serviceAccountMember } from "./secretFile";

/** Grafana as a Cloud Run v2 service, everything it shows provisioned from Secret Manager. */
export interface CloudRunGrafanaArgs extends CloudRunServiceArgs {
  readonly image: string;
  readonly files: GrafanaFiles;
  /** Tempo's URL, handed to the data source through TEMPO_URL. */
  readonly tempoUrl: pulumi.Input<string>;
  /** The secret (its id, resource name and version) holding `Bearer <token>` for Tempo's ingress proxy. */
  readonly tempoAuthorization: {
    readonly secretId: pulumi.Input<string>;
    readonly secretName: pulumi.Input<string>;
    readonly version: pulumi.Input<string>;
  };
  /** The URL users open (the load balancer's), for links Grafana generates. */
  readonly rootUrl?: string;
  /**
   * Direct VPC egress for all of Grafana's traffic, so that it reaches an internal Tempo. The
   * subnetwork must have Private Google Access on (cloud.google.com/run/docs/securing/ingress).
   * @default none: Grafana calls Tempo's public URL with the token
   */
  readonly vpc?: { readonly network: pulumi.Input<string>; readonly subnetwork: pulumi.Input<string> };
  /**
   * Principals IAP lets open Grafana. Non-empty turns on Cloud Run's own IAP for the service
   * (cloud.google.com/run/docs/securing/identity-aware-proxy-cloud-run); Grafana's login stays
   * behind it. @default [] (no IAP: people come through the load balancer and Cloud Armor)
   */
  readonly iapMembers?: readonly string[];
  /**
   * With IAP: how the people it admits are signed in to Grafana from its signed header.
   * @default Viewer for everyone, no admins by name
   */
  readonly signIn?: {
    /** The project's number, which IAP's header names the service by. */
    readonly projectNumber: string;
    readonly defaultRole?: "Viewer" | "Editor";
    /** Emails of Grafana admins. */
    readonly admins?: readonly string[];
  };
  /**
   * With IAP: a custom OAuth client for IAP, set on the project's IAP settings (the page's
   * project-level procedure), for a project without an organization or principals outside it.
   */
  readonly oauthClient?: {
    readonly project: string;
    readonly clientId: string;
    /** Handed to IAP as a Pulumi secret. */
    readonly clientSecret: pulumi.Input<string>;
  };
}

export interface CloudRunGrafana {
  readonly kind: "cloudRun";
  readonly service: gcp.cloudrunv2.Service;
  readonly url: pulumi.Output<string>;
  /** Where the admin password is kept: `gcloud secrets versions access latest --secret=<id>`. */
  readonly adminPasswordSecretId: pulumi.Output<string>;
}

/** Mounted files: each in its own directory, one secret per Cloud Run volume. */
const FILES = [
  { volume: "datasources", path: GRAFANA_PATHS.datasources, suffix: "datasources" },
  { volume: "dashboard-provider", path: GRAFANA_PATHS.dashboardProvider, suffix: "dashboard-provider" },
  // The traces dashboard's secret keeps its first name, `grafana-dashboard`.
  { volume: "dashboard", path: GRAFANA_PATHS.dashboards.traces, suffix: "dashboard" },
  { volume: "overview-dashboard", path: GRAFANA_PATHS.dashboards.overview, suffix: "overview-dashboard" },
  { volume: "admin-password", path: GRAFANA_PATHS.adminPassword, suffix: "admin-password" },
] as const;

function split(path: string): { dir: string; file: string } {
  const slash = path.lastIndexOf("/");
  return { dir: path.slice(0, slash), file: path.slice(slash + 1) };
}

/**
 * Stateless by design: the data source, dashboards and admin password are all provisioned,
 * so a new revision or instance comes up the same. No anonymous access, login form on.
 *
 * Who gets in: with IAP (`iapMembers`), IAP admits the listed principals and then calls Grafana
 * as its service agent, so Cloud Run's invoker check stays on and only that agent holds
 * `roles/run.invoker`. Without IAP the invoker check is off, because a browser behind the load
 * balancer carries no Google ID token: ingress and Cloud Armor decide who connects, and Grafana's
 * login who gets further.
 */
export function createCloudRunGrafana(
  name: string,
  args: CloudRunGrafanaArgs,
  adminPassword: pulumi.Output<string>,
  parent: pulumi.Resource,
): CloudRunGrafana {
  const child: ChildOptions = { parent, dependsOn: args.waitFor ?? [] };
  // Resources with fixed names (service, account, secrets) and IAM members are replaced
  // delete-first: create-before-delete would collide (409) or remove the binding just made.
  const fixed = { ...child, deleteBeforeReplace: true };
  const labels = { ...(args.labels ?? {}) };
  const iapMembers = args.iapMembers ?? [];
  const iap = iapMembers.length > 0;
  const account = new gcp.serviceaccount.Account(
    `${name}-sa`,
    { accountId: `${name}-ui`, displayName: "Grafana", description: "Identity of the Grafana Cloud Run service" },
    fixed,
  );
  const member = serviceAccountMember(account.email);
  const contents: Record<(typeof FILES)[number]["suffix"], pulumi.Input<string>> = {
    datasources: args.files.datasources,
    "dashboard-provider": args.files.dashboardProvider,
    dashboard: args.files.dashboards.traces,
    "overview-dashboard": args.files.dashboards.overview,
    "admin-password": adminPassword,
  };
  const secrets = FILES.map((spec) => ({
    spec,
    file: createSecretFile(
      `${name}-${spec.suffix}`,
      { secretId: `${name}-${spec.suffix}`, data: contents[spec.suffix], readers: [member], labels },
      child,
    ),
  }));
  const adminPasswordSecret: SecretFile = secrets[FILES.findIndex((spec) => spec.suffix === "admin-password")].file;
  const tempoAuthorizationGrant = new gcp.secretmanager.SecretIamMember(
    `${name}-tempo-authorization-reader`,
    { secretId: args.tempoAuthorization.secretId, role: "roles/secretmanager.secretAccessor", member },
    fixed,
  );
  const tempoAuthorization = split(GRAFANA_PATHS.tempoAuthorization);
  const env = {
    ...grafanaEnvironment({
      anonymousRole: "none",
      adminPasswordFile: GRAFANA_PATHS.adminPassword,
      rootUrl: args.rootUrl,
      iapSignIn:
        iap && args.signIn
          ? {
              audience: iapAudience(args.signIn.projectNumber, args.region, name),
              defaultRole: args.signIn.defaultRole ?? "Viewer",
              admins: args.signIn.admins ?? [],
            }
          : undefined,
    }),
    [TEMPO_URL_VARIABLE]: args.tempoUrl,
  };

  const accessCheck = createAccessCheck(
    name,
    {
      region: args.region,
      serviceAccountEmail: account.email,
      urls: [
        ...secrets.map(({ file }) => file.secret.name.apply(ACCESS_URLS.secret)),
        pulumi.output(args.tempoAuthorization.secretName).apply(ACCESS_URLS.secret),
      ],
      after: [...secrets.flatMap(({ file }) => [file.secretVersion, ...file.grants]), tempoAuthorizationGrant],
      labels,
    },
    child,
  );

  const service = new gcp.cloudrunv2.Service(
    name,
    {
      name,
      location: args.region,
      ingress: INGRESS_VALUES[args.ingress ?? DEFAULTS.ingress],
      iapEnabled: iap,
      invokerIamDisabled: !iap,
      deletionProtection: false,
      labels,
      template: {
        serviceAccount: account.email,
        // One instance at most: users and sessions live in each instance's own database. Through
        // a VPC, one is kept warm: a new instance's Direct VPC connections "might experience
        // connection establishment delays of a minute or more" (cloud.google.com/run/docs/
        // configuring/vpc-direct-vpc, Limitations), which a person's first query would meet.
        scaling: { minInstanceCount: args.vpc ? 1 : 0, maxInstanceCount: 1 },
        labels,
        ...(args.vpc
          ? {
              vpcAccess: {
                networkInterfaces: [{ network: args.vpc.network, subnetwork: args.vpc.subnetwork }],
                // Everything through the VPC: a run.app address is public, and only a request that
                // leaves through the VPC (with Private Google Access) counts as internal to Tempo.
                egress: "ALL_TRAFFIC",
              },
            }
          : {}),
        containers: [
          {
            name: "grafana",
            image: args.image,
            ports: { name: "http1", containerPort: GRAFANA_PORT },
            envs: Object.entries(env).map(([envName, value]) => ({ name: envName, value })),
            resources: { limits: { cpu: "1", memory: "512Mi" }, cpuIdle: true, startupCpuBoost: true },
            startupProbe: {
              httpGet: { path: "/api/health", port: GRAFANA_PORT },
              periodSeconds: 2,
              timeoutSeconds: 1,
              failureThreshold: 30,
            },
            volumeMounts: [
              ...secrets.map(({ spec }) => ({ name: spec.volume, mountPath: split(spec.path).dir })),
              { name: "tempo-authorization", mountPath: tempoAuthorization.dir },
            ],
          },
        ],
        volumes: [
          ...secrets.map(({ spec, file }) => secretVolume(spec.volume, file, split(spec.path).file)),
          {
            name: "tempo-authorization",
            secret: {
              secret: args.tempoAuthorization.secretId,
              items: [{ path: tempoAuthorization.file, version: args.tempoAuthorization.version }],
            },
          },
        ],
      },
    },
    // Cloud Run checks at deploy time that Grafana's account can read every secret it mounts:
    // the grants must exist and have taken effect, which the access check proves as that account.
    { ...fixed, dependsOn: [accessCheck] },
  );
  if (iap) {
    grantIapAccess(name, service, args.region, iapMembers, fixed);
    if (args.oauthClient) {
      useOauthClient(name, args.oauthClient, child);
    }
  }

  return {
    kind: "cloudRun",
    service,
    url: args.rootUrl ? pulumi.output(args.rootUrl) : service.uri,
    adminPasswordSecretId: adminPasswordSecret.secret.secretId,
  };
}

/**
 * IAP's OAuth client for the project: Google's own admits only the organization's users, so a
 * project without one, or principals outside it, need a client made in the console
 * (cloud.google.com/run/docs/securing/identity-aware-proxy-cloud-run, "Outside the organization"
 * and "No organization": `gcloud iap settings set` on the project with
 * `access_settings.oauth_settings.client_id/client_secret`; the same settings as a resource).
 */
function useOauthClient(
  name: string,
  client: NonNullable<CloudRunGrafanaArgs["oauthClient"]>,
  child: ChildOptions,
): gcp.iap.Settings {
  return new gcp.iap.Settings(
    `${name}-iap-oauth-client`,
    {
      name: `projects/${client.project}`,
      accessSettings: {
        oauthSettings: { clientId: client.clientId, clientSecret: pulumi.secret(client.clientSecret) },
      },
    },
    child,
  );
}

/** The role IAP checks before it lets a principal through to the service. */
export const IAP_ACCESSOR_ROLE = "roles/iap.httpsResourceAccessor";

/**
 * IAP on the service: IAP's service agent (created if the project has none yet) may invoke it,
 * and exactly the configured principals may pass IAP. Both are grants on this service only.
 */
function grantIapAccess(
  name: string,
  service: gcp.cloudrunv2.Service,
  region: string,
  members: readonly string[],
  opts: ChildOptions & { deleteBeforeReplace: boolean },
): void {
  const agent = new gcp.projects.ServiceIdentity(`${name}-iap-agent`, { service: "iap.googleapis.com" }, opts);
  new gcp.cloudrunv2.ServiceIamMember(
    `${name}-iap-invoker`,
    { name: service.name, location: region, role: "roles/run.invoker", member: agent.member },
    opts,
  );
  members.forEach(
    (member, index) =>
      new gcp.iap.WebCloudRunServiceIamMember(
        `${name}-iap-access-${index}`,
        { cloudRunServiceName: service.name, location: region, role: IAP_ACCESSOR_ROLE, member },
        opts,
      ),
  );
}
