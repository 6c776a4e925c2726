import * as pulumi from "@pulumi/pulumi";
import { DockerTempo, DockerTempoArgs, createDockerTempo } from "./docker/dockerTempo";
import { CloudRunTempo, CloudRunTempoArgs, createCloudRunTempo } from "./gcp/cloudRunTempo";

export type { CloudRunTempoArgs } from "./gcp/cloudRunTempo";
export type { DockerTempoArgs } from "./docker/dockerTempo";

export type TempoServiceArgs = DockerTempoArgs | CloudRunTempoArgs;

/** The deployment a TempoService of these args has: the compiler knows which from the platform. */
export type TempoDeploymentFor<A extends TempoServiceArgs> = A extends DockerTempoArgs ? DockerTempo : CloudRunTempo;

/**
 * Grafana Tempo in monolithic mode: OTLP receivers, query API and the block store in one
 * process, configured by the generated tempo.yaml. A container locally; on GCP a Cloud Run
 * service with an ingress proxy in front (components/gcp/cloudRunTempo.ts).
 */
export class TempoService<A extends TempoServiceArgs = TempoServiceArgs> extends pulumi.ComponentResource {
  /** Tempo's query API, as a user or Grafana reaches it. */
  public readonly queryUrl: pulumi.Output<string>;
  /** OTLP/HTTP endpoint for agents (the exporter appends `/v1/traces`). */
  public readonly otlpHttpEndpoint: pulumi.Output<string>;
  public readonly deployment: TempoDeploymentFor<A>;

  constructor(name: string, args: A, opts?: pulumi.ComponentResourceOptions) {
    super("tracing:tempo:TempoService", name, {}, opts);
    if (args.platform === "docker") {
      const docker = createDockerTempo(name, args, this);
      this.queryUrl = docker.queryUrl;
      this.otlpHttpEndpoint = docker.otlpHttpEndpoint;
      this.deployment = docker as TempoDeploymentFor<A>;
    } else {
      const cloudRun = createCloudRunTempo(name, args, this);
      this.queryUrl = cloudRun.url;
      this.otlpHttpEndpoint = cloudRun.url;
      this.deployment = cloudRun as TempoDeploymentFor<A>;
    }
    this.registerOutputs({ queryUrl: this.queryUrl, otlpHttpEndpoint: this.otlpHttpEndpoint });
  }
}
