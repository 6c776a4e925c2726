import * as docker from "@pulumi/docker";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { GrafanaService, LgtmService, LoadBalancerRoute, TempoService, TraceStorage } from "./components";
import { agentEnvironment, toDotenv } from "./config/files/agentEnv";
import { IMAGES } from "./config/constants/images";
import { PROD_PROXY, renderProxyConfig } from "./config/files/proxyConfig";
import { pulumiConfigSource } from "./config/stack/pulumiSource";
import { DockerStackConfig, GcpStackConfig, RoutedService, StackConfig, loadStackConfig } from "./config/stack/stackConfig";
import { TEMPO_HOSTNAME, grafanaFilesFor, tempoSettingsFor } from "./config/files/stackFiles";
import { renderTempoYaml } from "./config/files/tempoConfig";

/** The endpoints every stack reports; `pulumi stack output` prints them. */
interface Endpoints {
  grafanaUrl: pulumi.Output<string>;
  grafanaAdminUser: pulumi.Output<string>;
  /** Secret: `pulumi stack output grafanaAdminPassword --show-secrets`. */
  grafanaAdminPassword: pulumi.Output<string>;
  tempoQueryUrl: pulumi.Output<string>;
  otlpHttpEndpoint: pulumi.Output<string>;
}

// Validated before any resource is registered: a bad value stops here, naming the key.
const config = loadStackConfig(pulumiConfigSource());

export = config.platform === "gcp" ? gcpStack(config) : localStack(config);

/** Docker on the developer's machine: Tempo and Grafana, or the all-in-one LGTM image. */
function localStack(stack: DockerStackConfig) {
  const labels = { "com.pulumi.project": pulumi.getProject(), "com.pulumi.stack": pulumi.getStack() };
  const network = new docker.Network("tracing", {
    name: "tracing",
    labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
  });
  const grafanaFiles = grafanaFilesFor(stack);
  const common = {
    networkName: network.name,
    bindAddress: stack.bindAddress,
    anonymousRole: stack.grafanaAnonymousRole,
  };

  if (stack.mode === "lgtm") {
    const storage = new TraceStorage("tracing-lgtm", { platform: "docker", labels });
    const lgtm = new LgtmService("tracing-lgtm", {
      ...common,
      image: IMAGES.lgtm,
      files: grafanaFiles,
      volumeName: storage.store.volumeName,
      hostPorts: stack.hostPorts,
    });
    return withAgentEnv(stack, {
      grafanaUrl: lgtm.grafanaUrl,
      grafanaAdminUser: lgtm.adminUser,
      grafanaAdminPassword: lgtm.adminPassword,
      tempoQueryUrl: lgtm.queryUrl,
      otlpHttpEndpoint: lgtm.otlpHttpEndpoint,
      otlpGrpcEndpoint: lgtm.otlpGrpcEndpoint,
    });
  }

  const storage = new TraceStorage("tracing-tempo", { platform: "docker", labels });
  const tempo = new TempoService("tracing-tempo", {
    platform: "docker",
    release: stack.tempo,
    configYaml: renderTempoYaml(tempoSettingsFor(stack)),
    networkName: network.name,
    hostname: TEMPO_HOSTNAME,
    volumeName: storage.store.volumeName,
    bindAddress: stack.bindAddress,
    hostPorts: stack.hostPorts,
  });
  const grafana = new GrafanaService("tracing-grafana", {
    ...common,
    platform: "docker",
    image: IMAGES.grafana,
    files: grafanaFiles,
    hostPort: stack.hostPorts.grafana,
    waitFor: [tempo.deployment.container],
  });
  return withAgentEnv(stack, {
    grafanaUrl: grafana.url,
    grafanaAdminUser: grafana.adminUser,
    grafanaAdminPassword: grafana.adminPassword,
    tempoQueryUrl: tempo.queryUrl,
    otlpHttpEndpoint: tempo.otlpHttpEndpoint,
    otlpGrpcEndpoint: tempo.deployment.otlpGrpcEndpoint,
  });
}

/** APIs the prod stack uses; enabled here so a new project deploys the first time. */
function enableApis(withLoadBalancer: boolean): gcp.projects.Service[] {
  const apis = ["run", "secretmanager", "iam", "storage", ...(withLoadBalancer ? ["compute"] : [])];
  return apis.map(
    (api) => new gcp.projects.Service(`api-${api}`, { service: `${api}.googleapis.com`, disableOnDestroy: false }),
  );
}

/** Google Cloud: the trace bucket, Tempo and Grafana on Cloud Run, and optionally the load balancer. */
function gcpStack(stack: GcpStackConfig) {
  const labels = {
    "managed-by": "pulumi",
    stack: pulumi
      .getStack()
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, "-"),
  };
  const apis = enableApis(stack.loadBalancer !== undefined);
  const hostOf = (service: RoutedService) => stack.loadBalancer?.routes.find((r) => r.service === service)?.host;
  const tempoHost = hostOf("tempo");
  const grafanaHost = hostOf("grafana");

  const storage = new TraceStorage("tempo", {
    platform: "gcp",
    bucketName: stack.bucket.name,
    location: stack.bucket.location,
    prefix: stack.bucket.prefix,
    retentionDays: stack.retentionDays,
    labels,
    waitFor: apis,
  });
  const tempo = new TempoService("tempo", {
    platform: "gcp",
    region: stack.region,
    release: stack.tempo,
    configYaml: renderTempoYaml(tempoSettingsFor(stack)),
    proxyConfig: renderProxyConfig(PROD_PROXY),
    serviceAccountEmail: storage.store.serviceAccountEmail,
    ingress: stack.tempoIngress,
    resources: stack.tempoResources,
    agentServiceAccounts: stack.agentServiceAccounts,
    labels,
    // Tempo reads the bucket at start-up: its access must exist before the first revision.
    waitFor: [...apis, storage],
  });
  const tempoPublicUrl = tempoHost ? pulumi.output(`https://${tempoHost}`) : tempo.otlpHttpEndpoint;
  const grafana = new GrafanaService("grafana", {
    platform: "gcp",
    region: stack.region,
    image: IMAGES.grafana,
    files: grafanaFilesFor(stack),
    // Through the VPC to Tempo's own URL where Grafana has egress there; else the load balancer.
    tempoUrl: stack.vpc ? tempo.queryUrl : tempoPublicUrl,
    tempoAuthorization: tempo.deployment.authorization,
    rootUrl: grafanaHost ? `https://${grafanaHost}` : undefined,
    ingress: stack.grafanaIngress,
    vpc: stack.vpc,
    labels,
    waitFor: apis,
  });
  const loadBalancer = stack.loadBalancer
    ? new LoadBalancerRoute("tracing", {
        region: stack.region,
        routes: stack.loadBalancer.routes,
        targets: {
          tempo: { serviceName: tempo.deployment.service.name },
          grafana: { serviceName: grafana.deployment.service.name },
        },
        allowedSourceRanges: stack.loadBalancer.allowedSourceRanges,
        waitFor: apis,
      })
    : undefined;

  return {
    ...withAgentEnv(stack, {
      grafanaUrl: grafana.url,
      grafanaAdminUser: grafana.adminUser,
      grafanaAdminPassword: grafana.adminPassword,
      tempoQueryUrl: tempoPublicUrl,
      otlpHttpEndpoint: tempoPublicUrl,
    }),
    grafanaAdminPasswordCommand: pulumi.interpolate`gcloud secrets versions access latest --secret=${grafana.deployment.adminPasswordSecretId} --project=${stack.project}`,
    /** Secret: the agents' OTEL_EXPORTER_OTLP_HEADERS (Authorization=Bearer%20...). */
    agentOtlpHeaders: tempo.deployment.otlpHeaders,
    /** The Secret Manager secret to mount as OTEL_EXPORTER_OTLP_HEADERS in the monolith's service. */
    agentOtlpHeadersSecret: tempo.deployment.otlpHeadersSecretId,
    bucketName: storage.store.bucketName,
    tempoServiceAccount: storage.store.serviceAccountEmail,
    ...(loadBalancer
      ? {
          loadBalancerIp: loadBalancer.ipAddress,
          dnsRecords: loadBalancer.dnsRecords,
          httpsUrls: loadBalancer.urls,
          backendServices: loadBalancer.backendServices,
        }
      : {}),
  };
}

/** Adds the agent's environment (the guide's reference table) to a stack's endpoints. */
function withAgentEnv<E extends Endpoints>(stack: StackConfig, endpoints: E) {
  const agentEnv = endpoints.otlpHttpEndpoint.apply((endpoint) =>
    agentEnvironment(endpoint, stack.serviceName, stack.deploymentEnvironment),
  );
  /** `agentDotenv` as `.env` lines: `pulumi stack output agentDotenv > .env`. */
  return { ...endpoints, agentEnv, agentDotenv: agentEnv.apply(toDotenv) };
}
