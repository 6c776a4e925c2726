import * as gcp from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { IMAGES } from "../../config/constants/images";
import { INGRESS_PORT, TEMPO_CONFIG_DIR, TEMPO_CONFIG_FILE, TEMPO_PORTS } from "../../config/constants/ports";
import { PROXY_PATHS, authorizationValue, otlpHeaders, renderProxyAuth } from "../../config/files/proxyConfig";
import { tempoGoMemLimit } from "../../config/files/tempoConfig";
import { DEFAULTS, INGRESS_VALUES } from "../../config/stack/stackConfig";
import { TempoRelease } from "../../config/constants/tempoReleases";
import { ChildOptions, CloudRunServiceArgs } from "./cloudRunArgs";
import { createAccessCheck } from "./accessCheck";
import { ACCESS_URLS } from "../../config/files/accessCheck";
import { SecretFile, createSecretFile, secretVolume, serviceAccountMember } from "./secretFile";

/** Tempo as a Cloud Run v2 service behind its ingress proxy. */
export interface CloudRunTempoArgs extends CloudRunServiceArgs {
  readonly release: TempoRelease;
  /** The rendered GCS tempo.yaml (config/files/tempoConfig.ts, ephemeral profile). */
  readonly configYaml: string;
  /** The rendered proxy configuration (config/files/proxyConfig.ts). */
  readonly proxyConfig: string;
  /** The identity Tempo runs as (TraceStorage), already allowed into the bucket. */
  readonly serviceAccountEmail: pulumi.Input<string>;
  /** Tempo container limits. @default { cpu: "1", memory: "2Gi" } (the guide's) */
  readonly resources?: { readonly cpu: string; readonly memory: string };
  /** Service accounts of agents allowed to read the OTLP headers secret. @default [] */
  readonly agentServiceAccounts?: readonly string[];
  /** The bucket Tempo reads at start, and its block prefix: the access check proves Tempo can. */
  readonly bucket: { readonly name: pulumi.Input<string>; readonly prefix: string };
  /** Grants Tempo needs at start besides its secrets' (the bucket's): see accessCheck.ts. @default [] */
  readonly startupGrants?: readonly pulumi.CustomResource[];
}

/** What the Cloud Run form adds to TempoService's outputs. */
export interface CloudRunTempo {
  readonly kind: "cloudRun";
  readonly service: gcp.cloudrunv2.Service;
  /** The service's own https URL: OTLP at `/v1/traces`, the query API at `/api/`. */
  readonly url: pulumi.Output<string>;
  /** `OTEL_EXPORTER_OTLP_HEADERS` for agents. A Pulumi secret. */
  readonly otlpHeaders: pulumi.Output<string>;
  /** The secret agents mount as `OTEL_EXPORTER_OTLP_HEADERS`. */
  readonly otlpHeadersSecretId: pulumi.Output<string>;
  /** The secret holding `Bearer <token>` (id, resource name, version), for Grafana's data source. */
  readonly authorization: {
    readonly secretId: pulumi.Output<string>;
    readonly secretName: pulumi.Output<string>;
    readonly version: pulumi.Output<string>;
  };
}

/**
 * The ingress proxy's limits. The second-generation environment takes no less than 512 MiB
 * (cloud.google.com/run/docs/configuring/services/memory-limits), and CPU that is always
 * allocated comes in whole vCPUs (fractions need request-based billing and the first
 * generation: .../configuring/services/cpu). nginx needs far less; these are Cloud Run's floor.
 */
export const INGRESS_PROXY_LIMITS = { cpu: "1", memory: "512Mi" } as const;

/** Volume names inside the service. */
const VOLUMES = { config: "tempo-config", proxyConfig: "proxy-config", proxyAuth: "proxy-auth" } as const;

/**
 * Cloud Run gives a service one ingress port; Tempo needs two (OTLP/HTTP and the query API).
 * The service runs the ingress proxy on that port and Tempo as a sidecar it depends on; the
 * proxy routes by path over localhost and checks a generated bearer token. One instance,
 * exactly: several monolithic Tempos would each form their own ring (grafana/tempo#7579).
 */
export function createCloudRunTempo(name: string, args: CloudRunTempoArgs, parent: pulumi.Resource): CloudRunTempo {
  const child: ChildOptions = { parent, dependsOn: args.waitFor ?? [] };
  const labels = { ...(args.labels ?? {}) };
  const resources = args.resources ?? { cpu: DEFAULTS.tempoCpu, memory: DEFAULTS.tempoMemory };
  const tempoMember = serviceAccountMember(args.serviceAccountEmail);
  const token = pulumi.secret(
    new random.RandomPassword(`${name}-ingress-token`, { length: 48, special: false }, child).result,
  );

  const file = (suffix: string, data: pulumi.Input<string>, readers: pulumi.Input<string>[]): SecretFile =>
    createSecretFile(`${name}-${suffix}`, { secretId: `${name}-${suffix}`, data, readers, labels }, child);
  const config = file("config", args.configYaml, [tempoMember]);
  const proxyConfig = file("proxy-config", args.proxyConfig, [tempoMember]);
  const proxyAuth = file("proxy-auth", token.apply(renderProxyAuth), [tempoMember]);
  const headers = file(
    "otlp-headers",
    token.apply(otlpHeaders),
    (args.agentServiceAccounts ?? []).map((email) => `serviceAccount:${email}`),
  );
  const authorization = file("authorization", token.apply(authorizationValue), []);

  const mounted = [config, proxyConfig, proxyAuth];
  const accessCheck = createAccessCheck(
    name,
    {
      region: args.region,
      serviceAccountEmail: args.serviceAccountEmail,
      urls: [
        pulumi.output(args.bucket.name).apply(ACCESS_URLS.bucket),
        pulumi.output(args.bucket.name).apply((bucket) => ACCESS_URLS.objects(bucket, args.bucket.prefix)),
        ...mounted.map((file) => file.secret.name.apply(ACCESS_URLS.secret)),
      ],
      after: [...(args.startupGrants ?? []), ...mounted.flatMap((file) => [file.secretVersion, ...file.grants])],
      labels,
    },
    child,
  );

  const service = new gcp.cloudrunv2.Service(
    name,
    {
      name,
      location: args.region,
      ingress: INGRESS_VALUES[args.ingress ?? DEFAULTS.tempoIngress],
      // Callers prove themselves to the proxy with the bearer token (agents cannot mint
      // Google ID tokens through OTEL_EXPORTER_OTLP_HEADERS); ingress limits who connects.
      invokerIamDisabled: true,
      // Stateless: the bucket holds the traces, so a replacement must not be blocked.
      deletionProtection: false,
      labels,
      template: {
        serviceAccount: args.serviceAccountEmail,
        executionEnvironment: "EXECUTION_ENVIRONMENT_GEN2",
        scaling: { minInstanceCount: 1, maxInstanceCount: 1 },
        labels,
        containers: [
          {
            name: "ingress",
            image: IMAGES.ingressProxy,
            ports: { name: "http1", containerPort: INGRESS_PORT },
            dependsOns: ["tempo"],
            resources: { limits: { ...INGRESS_PROXY_LIMITS }, cpuIdle: false },
            startupProbe: { tcpSocket: { port: INGRESS_PORT }, periodSeconds: 1, failureThreshold: 10 },
            volumeMounts: [
              { name: VOLUMES.proxyConfig, mountPath: PROXY_PATHS.configDir },
              { name: VOLUMES.proxyAuth, mountPath: PROXY_PATHS.authDir },
            ],
          },
          {
            name: "tempo",
            image: args.release.image,
            args: [`-config.file=${TEMPO_CONFIG_DIR}/${TEMPO_CONFIG_FILE}`],
            // Go's heap limit follows the memory limit (tempoConfig.ts tempoGoMemLimit): the
            // rest is for the local files, which Cloud Run counts against the same limit.
            envs: [{ name: "GOMEMLIMIT", value: tempoGoMemLimit(resources.memory) }],
            // CPU always allocated: Tempo cuts and uploads blocks between requests.
            resources: {
              limits: { cpu: resources.cpu, memory: resources.memory },
              cpuIdle: false,
              startupCpuBoost: true,
            },
            startupProbe: {
              httpGet: { path: "/ready", port: TEMPO_PORTS.http },
              periodSeconds: 2,
              timeoutSeconds: 1,
              failureThreshold: 45,
            },
            volumeMounts: [{ name: VOLUMES.config, mountPath: TEMPO_CONFIG_DIR }],
          },
        ],
        volumes: [
          secretVolume(VOLUMES.config, config, TEMPO_CONFIG_FILE),
          secretVolume(VOLUMES.proxyConfig, proxyConfig, PROXY_PATHS.configFile),
          secretVolume(VOLUMES.proxyAuth, proxyAuth, PROXY_PATHS.authFile),
        ],
      },
    },
    // The service account must be able to read its secrets and its bucket before the first
    // revision starts, and the grants must have taken effect: the access check proves it, as
    // that account. The name is fixed: a replacement deletes the old service first
    // (create-before-delete would fail with 409).
    { ...child, dependsOn: [accessCheck], deleteBeforeReplace: true },
  );

  return {
    kind: "cloudRun",
    service,
    url: service.uri,
    otlpHeaders: token.apply(otlpHeaders),
    otlpHeadersSecretId: headers.secret.secretId,
    authorization: {
      secretId: authorization.secret.secretId,
      secretName: authorization.secret.name,
      version: authorization.version,
    },
  };
}
