import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { grafanaEnvironment } from "../../config/files/grafanaEnv";
import { GRAFANA_PATHS } from "../../config/files/grafanaProvisioning";
import { GRAFANA_PORT } from "../../config/constants/ports";
import { DEFAULTS, INGRESS_VALUES } from "../../config/stack/stackConfig";
import { GrafanaFiles, TEMPO_URL_VARIABLE } from "../../config/files/stackFiles";
import { ChildOptions, CloudRunServiceArgs } from "./cloudRunArgs";
import { SecretFile, createSecretFile, secretVolume, serviceAccountMember } from "./secretFile";

/** Grafana as a Cloud Run v2 service, everything it shows provisioned from Secret Manager. */
export interface CloudRunGrafanaArgs extends CloudRunServiceArgs {
  readonly image: string;
  readonly files: GrafanaFiles;
  /** Tempo's URL, handed to the data source through TEMPO_URL. */
  readonly tempoUrl: pulumi.Input<string>;
  /** The secret (and its version) holding `Bearer <token>` for Tempo's ingress proxy. */
  readonly tempoAuthorization: { readonly secretId: pulumi.Input<string>; readonly version: pulumi.Input<string> };
  /** The URL users open (the load balancer's), for links Grafana generates. */
  readonly rootUrl?: string;
  /** Direct VPC egress, so Grafana reaches Tempo's internal ingress. */
  readonly vpc?: { readonly network: string; readonly subnetwork: string };
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
  { volume: "dashboard", path: GRAFANA_PATHS.dashboard, suffix: "dashboard" },
  { volume: "admin-password", path: GRAFANA_PATHS.adminPassword, suffix: "admin-password" },
] as const;

function split(path: string): { dir: string; file: string } {
  const slash = path.lastIndexOf("/");
  return { dir: path.slice(0, slash), file: path.slice(slash + 1) };
}

/**
 * Stateless by design: the data source, dashboards and admin password are all provisioned,
 * so a new revision or instance comes up the same. No anonymous access, login form on.
 * Cloud Run's invoker IAM check is off because Grafana does its own login; ingress decides
 * who can connect at all (the load balancer and the VPC by default).
 */
export function createCloudRunGrafana(
  name: string,
  args: CloudRunGrafanaArgs,
  adminPassword: pulumi.Output<string>,
  parent: pulumi.Resource,
): CloudRunGrafana {
  const child: ChildOptions = { parent, dependsOn: args.waitFor ?? [] };
  const labels = { ...(args.labels ?? {}) };
  const account = new gcp.serviceaccount.Account(
    `${name}-sa`,
    { accountId: `${name}-ui`, displayName: "Grafana", description: "Identity of the Grafana Cloud Run service" },
    child,
  );
  const member = serviceAccountMember(account.email);
  const contents: Record<(typeof FILES)[number]["suffix"], pulumi.Input<string>> = {
    datasources: args.files.datasources,
    "dashboard-provider": args.files.dashboardProvider,
    dashboard: args.files.dashboard,
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
    child,
  );
  const tempoAuthorization = split(GRAFANA_PATHS.tempoAuthorization);
  const env = {
    ...grafanaEnvironment({
      anonymousRole: "none",
      adminPasswordFile: GRAFANA_PATHS.adminPassword,
      rootUrl: args.rootUrl,
    }),
    [TEMPO_URL_VARIABLE]: args.tempoUrl,
  };

  const service = new gcp.cloudrunv2.Service(
    name,
    {
      name,
      location: args.region,
      ingress: INGRESS_VALUES[args.ingress ?? DEFAULTS.ingress],
      invokerIamDisabled: true,
      deletionProtection: false,
      labels,
      template: {
        serviceAccount: account.email,
        // One instance at most: sessions live in each instance's own database.
        scaling: { minInstanceCount: 0, maxInstanceCount: 1 },
        labels,
        ...(args.vpc
          ? {
              vpcAccess: {
                networkInterfaces: [{ network: args.vpc.network, subnetwork: args.vpc.subnetwork }],
                // Everything through the VPC, so Tempo's internal ingress admits Grafana.
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
    {
      ...child,
      dependsOn: [...child.dependsOn, ...secrets.flatMap(({ file }) => file.grants), tempoAuthorizationGrant],
    },
  );

  return {
    kind: "cloudRun",
    service,
    url: args.rootUrl ? pulumi.output(args.rootUrl) : service.uri,
    adminPasswordSecretId: adminPasswordSecret.secret.secretId,
  };
}
