import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  GrafanaService,
  LgtmService,
  LoadBalancerRoute,
  PrivateNetwork,
  TempoService,
  TraceStorage,
  verifySubnetwork,
} from "./components";
import { enableProjectApis } from "./components/gcp/projectApis";
import {
  OTLP_HEADERS_VARIABLE,
  agentCloudRunEnvs,
  agentEnvironment,
  agentGcloudFlags,
  toDotenv,
} from "./config/files/agentEnv";
import { checkPeopleAccess, readProjectFacts, throwPeopleAccessProblems } from "./components/gcp/projectFacts";
import { IMAGES } from "./config/constants/images";
import { TEMPO_HOSTNAME } from "./config/constants/ports";
import { PROD_PROXY, renderProxyConfig } from "./config/files/proxyConfig";
import { LOCAL_MODE_OUTPUT, modeSwitchProblem, previousOutput } from "./config/stack/previousDeployment";
import { pulumiConfigSource } from "./config/stack/pulumiSource";
import {
  DockerStackConfig,
  GcpStackConfig,
  RoutedService,
  StackConfig,
  loadStackConfig,
} from "./config/stack/stackConfig";
import { grafanaFilesFor, lgtmTempoSettingsFor, tempoSettingsFor } from "./config/stack/stackFiles";
import { renderTempoYaml } from "./config/files/tempoConfig";
import { tempoSearchWithinSeconds } from "./config/files/tempoFreshness";

/** The endpoints every stack reports; `pulumi stack output` prints them. */
interface Endpoints {
  grafanaUrl: pulumi.Output<string>;
  grafanaAdminUser: pulumi.Output<string>;
  /** Secret: `pulumi stack output grafanaAdminPassword --show-secrets`. */
  grafanaAdminPassword: pulumi.Output<string>;
  tempoQueryUrl: pulumi.Output<string>;
  otlpHttpEndpoint: pulumi.Output<string>;
  /** Seconds within which tempo.yaml lists a fresh trace by TraceQL search (config/files/tempoFreshness.ts); verify waits for it. */
  tempoSearchWithinSeconds: number;
}

/**
 * The program. Async, so that checks against the world (the last deployment's mode) run before
 * any resource is registered.
 */
export = async () => {
  // Validated before any resource is registered: a bad value stops here, naming the key.
  const config = loadStackConfig(pulumiConfigSource());
  return config.platform === "gcp" ? gcpStack(config) : localStack(config);
};

/** Docker on the developer's machine: Tempo and Grafana, or the all-in-one LGTM image. */
async function localStack(stack: DockerStackConfig) {
  const switchProblem = modeSwitchProblem(await previousOutput(LOCAL_MODE_OUTPUT), stack.mode);
  if (switchProblem) {
    throw switchProblem;
  }
  return { [LOCAL_MODE_OUTPUT]: pulumi.output(stack.mode), ...(await localResources(stack)) };
}

async function localResources(stack: DockerStackConfig) {
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
    const tempoSettings = lgtmTempoSettingsFor(stack);
    const storage = new TraceStorage("tracing-lgtm", { platform: "docker", labels });
    const lgtm = new LgtmService("tracing-lgtm", {
      ...common,
      image: IMAGES.lgtm,
      files: grafanaFiles,
      tempoConfigYaml: renderTempoYaml(tempoSettings),
      usageReporting: stack.usageReporting,
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
      tempoSearchWithinSeconds: tempoSearchWithinSeconds(tempoSettings),
    });
  }

  const tempoSettings = tempoSettingsFor(stack);
  const storage = new TraceStorage("tracing-tempo", { platform: "docker", labels });
  const tempo = new TempoService("tracing-tempo", {
    platform: "docker",
    release: stack.tempo,
    configYaml: renderTempoYaml(tempoSettings),
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
    tempoSearchWithinSeconds: tempoSearchWithinSeconds(tempoSettings),
  });
}

/**
 * Google Cloud: the trace bucket, Tempo and Grafana on Cloud Run, the network Grafana reaches
 * Tempo through, IAP in front of Grafana, and optionally the load balancer.
 */
async function gcpStack(stack: GcpStackConfig) {
  // Before anything is registered, the world: a subnetwork without Private Google Access, or a
  // project whose people IAP's own OAuth client cannot admit, would deploy fine and then fail
  // the people who use it.
  if (stack.vpc.kind === "given") {
    await verifySubnetwork({ project: stack.project, region: stack.region, ...stack.vpc });
  }
  const facts = await readProjectFacts(stack.project);
  const peopleAccess = checkPeopleAccess(
    {
      project: stack.project,
      stack: pulumi.getStack(),
      iapMembers: stack.grafanaIapMembers,
      hasOauthClient: stack.grafanaOauthClient !== undefined,
    },
    facts,
  );
  throwPeopleAccessProblems(peopleAccess);
  peopleAccess.warnings.forEach((warning) => pulumi.log.warn(warning));
  if (stack.agentServiceAccounts.length === 0) {
    pulumi.log.warn(
      "tracing:agentServiceAccounts is empty: no Cloud Run service can mount the tempo-otlp-headers secret. Add the " +
        "agent's service account (npm run bootstrap -- --agent-service-account <email>, or pulumi config set); an " +
        "agent elsewhere uses the agentOtlpHeaders output instead.",
    );
  }
  const labels = {
    "managed-by": "pulumi",
    stack: pulumi
      .getStack()
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, "-"),
  };
  const apis = enableProjectApis({
    iap: stack.grafanaIapMembers.length > 0,
    compute: stack.vpc.kind !== "none" || stack.loadBalancer !== undefined,
  });
  const hostOf = (service: RoutedService) => stack.loadBalancer?.routes.find((r) => r.service === service)?.host;
  const tempoHost = hostOf("tempo");
  const grafanaHost = hostOf("grafana");

  const { network, vpc } = egressNetwork(stack, apis);
  const tempoSettings = tempoSettingsFor(stack);

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
    configYaml: renderTempoYaml(tempoSettings),
    proxyConfig: renderProxyConfig(PROD_PROXY),
    serviceAccountEmail: storage.store.serviceAccountEmail,
    ingress: stack.tempoIngress,
    resources: stack.tempoResources,
    agentServiceAccounts: stack.agentServiceAccounts,
    labels,
    // Tempo reads the bucket at start-up: its access must exist, and have taken effect,
    // before the first revision.
    bucket: { name: storage.store.bucketName, prefix: stack.bucket.prefix },
    startupGrants: storage.store.accessGrants,
    waitFor: [...apis, storage],
  });
  const tempoPublicUrl = tempoHost ? pulumi.output(`https://${tempoHost}`) : tempo.otlpHttpEndpoint;
  const grafana = new GrafanaService("grafana", {
    platform: "gcp",
    region: stack.region,
    image: IMAGES.grafana,
    files: grafanaFilesFor(stack),
    // Always Tempo's own URL (through the VPC when Tempo's ingress is internal), never the load
    // balancer (whose Cloud Armor ranges could not admit Cloud Run's changing addresses).
    tempoUrl: tempo.queryUrl,
    tempoAuthorization: tempo.deployment.authorization,
    rootUrl: grafanaHost ? `https://${grafanaHost}` : undefined,
    ingress: stack.grafanaIngress,
    vpc,
    iapMembers: stack.grafanaIapMembers,
    signIn: { projectNumber: facts.projectNumber, defaultRole: stack.grafanaDefaultRole, admins: stack.grafanaAdmins },
    oauthClient: stack.grafanaOauthClient && { project: stack.project, ...stack.grafanaOauthClient },
    labels,
    waitFor: network ? [...apis, network] : apis,
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

  const endpoints = withAgentEnv(stack, {
    grafanaUrl: grafana.url,
    grafanaAdminUser: grafana.adminUser,
    grafanaAdminPassword: grafana.adminPassword,
    tempoQueryUrl: tempoPublicUrl,
    otlpHttpEndpoint: tempoPublicUrl,
    tempoSearchWithinSeconds: tempoSearchWithinSeconds(tempoSettings),
  });
  const headersSecret = tempo.deployment.otlpHeadersSecretId;
  return {
    ...endpoints,
    /** Secret: the agent's whole environment, headers included, as `.env` lines (anything outside Cloud Run). */
    agentDotenv: pulumi
      .all([endpoints.agentEnv, tempo.deployment.otlpHeaders])
      .apply(([variables, headers]) => toDotenv({ ...variables, [OTLP_HEADERS_VARIABLE]: headers })),
    /** An agent's Cloud Run `containers[].envs`: the variables, and the headers from their secret. */
    agentCloudRunEnvs: pulumi
      .all([endpoints.agentEnv, headersSecret])
      .apply(([variables, secret]) => agentCloudRunEnvs(variables, secret)),
    /** The same as `gcloud run services update <service>` flags. */
    agentGcloudFlags: pulumi
      .all([endpoints.agentEnv, headersSecret])
      .apply(([variables, secret]) => agentGcloudFlags(variables, secret)),
    grafanaAdminPasswordCommand: pulumi.interpolate`gcloud secrets versions access latest --secret=${grafana.deployment.adminPasswordSecretId} --project=${stack.project}`,
    /** Secret: the agents' OTEL_EXPORTER_OTLP_HEADERS (Authorization=Bearer%20...). */
    agentOtlpHeaders: tempo.deployment.otlpHeaders,
    /** The Secret Manager secret to mount as OTEL_EXPORTER_OTLP_HEADERS in the monolith's service. */
    agentOtlpHeadersSecret: headersSecret,
    /** The service accounts allowed to mount it: a monolith running as any other fails at its deploy. */
    agentServiceAccounts: pulumi.output([...stack.agentServiceAccounts]),
    ...(vpc
      ? {
          /** Where a monolith in this project attaches its Direct VPC egress to reach Tempo's internal ingress. */
          vpcNetwork: vpc.network,
          vpcSubnetwork: vpc.subnetwork,
        }
      : {}),
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

/** The network Grafana's Direct VPC egress uses: none, the stack's own, or the one the config names. */
function egressNetwork(stack: GcpStackConfig, apis: pulumi.Resource[]) {
  if (stack.vpc.kind === "none") {
    return { network: undefined, vpc: undefined };
  }
  if (stack.vpc.kind === "given") {
    return {
      network: undefined,
      vpc: { network: pulumi.output(stack.vpc.network), subnetwork: pulumi.output(stack.vpc.subnetwork) },
    };
  }
  const network = new PrivateNetwork("tracing", { region: stack.region, range: stack.vpc.range, waitFor: apis });
  return { network, vpc: { network: network.networkName, subnetwork: network.subnetworkName } };
}

/** Adds the agent's environment (the guide's reference table) to a stack's endpoints. */
function withAgentEnv<E extends Endpoints>(stack: StackConfig, endpoints: E) {
  const agentEnv = endpoints.otlpHttpEndpoint.apply((endpoint) =>
    agentEnvironment(endpoint, stack.serviceName, stack.deploymentEnvironment),
  );
  /** `agentDotenv` as `.env` lines: `pulumi stack output agentDotenv > .env`. */
  return { ...endpoints, agentEnv, agentDotenv: agentEnv.apply(toDotenv) };
}
