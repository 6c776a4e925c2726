import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { GrafanaService, LgtmService, TempoService, TraceStorage } from "./components";
import { agentEnvironment, toDotenv } from "./config/agentEnv";
import { IMAGES } from "./config/images";
import { pulumiConfigSource } from "./config/pulumiSource";
import { DockerStackConfig, StackConfig, loadStackConfig } from "./config/stackConfig";
import { TEMPO_HOSTNAME, grafanaFilesFor, tempoSettingsFor } from "./config/stackFiles";
import { renderTempoYaml } from "./config/tempoConfig";

/** What every stack reports; `pulumi stack output` prints these. */
interface StackOutputs {
  grafanaUrl: pulumi.Output<string>;
  grafanaAdminUser: pulumi.Output<string>;
  /** Secret: `pulumi stack output grafanaAdminPassword --show-secrets`. */
  grafanaAdminPassword: pulumi.Output<string>;
  tempoQueryUrl: pulumi.Output<string>;
  otlpHttpEndpoint: pulumi.Output<string>;
  otlpGrpcEndpoint: pulumi.Output<string>;
  /** The agent's variables from the guide's reference table. */
  agentEnv: pulumi.Output<Record<string, string>>;
  /** The same as `.env` lines: `pulumi stack output agentDotenv > .env`. */
  agentDotenv: pulumi.Output<string>;
}

// Validated before any resource is registered: a bad value stops here, naming the key.
const config = loadStackConfig(pulumiConfigSource());

export = deploy(config);

function deploy(stack: StackConfig): StackOutputs {
  return localStack(stack);
}

/** Docker on the developer's machine: Tempo and Grafana, or the all-in-one LGTM image. */
function localStack(stack: DockerStackConfig): StackOutputs {
  const labels = { "com.pulumi.project": pulumi.getProject(), "com.pulumi.stack": pulumi.getStack() };
  const network = new docker.Network("tracing", {
    name: "tracing",
    labels: Object.entries(labels).map(([label, value]) => ({ label, value })),
  });
  const grafanaFiles = grafanaFilesFor(stack);
  const common = { networkName: network.name, bindAddress: stack.bindAddress, anonymousRole: stack.grafanaAnonymousRole };

  if (stack.mode === "lgtm") {
    const storage = new TraceStorage("tracing-lgtm", { platform: "docker", labels });
    const lgtm = new LgtmService("tracing-lgtm", {
      ...common,
      image: IMAGES.lgtm,
      files: grafanaFiles,
      volumeName: storage.volumeName,
      hostPorts: stack.hostPorts,
    });
    return outputs(stack, {
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
    volumeName: storage.volumeName,
    bindAddress: stack.bindAddress,
    hostPorts: stack.hostPorts,
  });
  const grafana = new GrafanaService("tracing-grafana", {
    ...common,
    platform: "docker",
    image: IMAGES.grafana,
    files: grafanaFiles,
    hostPort: stack.hostPorts.grafana,
    waitFor: [tempo.container],
  });
  return outputs(stack, {
    grafanaUrl: grafana.url,
    grafanaAdminUser: grafana.adminUser,
    grafanaAdminPassword: grafana.adminPassword,
    tempoQueryUrl: tempo.queryUrl,
    otlpHttpEndpoint: tempo.otlpHttpEndpoint,
    otlpGrpcEndpoint: tempo.otlpGrpcEndpoint,
  });
}

function outputs(stack: StackConfig, endpoints: Omit<StackOutputs, "agentEnv" | "agentDotenv">): StackOutputs {
  const agentEnv = endpoints.otlpHttpEndpoint.apply((endpoint) =>
    agentEnvironment(endpoint, stack.serviceName, stack.deploymentEnvironment),
  );
  return { ...endpoints, agentEnv, agentDotenv: agentEnv.apply(toDotenv) };
}
