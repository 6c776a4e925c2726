import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { TEMPO_CONFIG_DIR, TEMPO_CONFIG_FILE, TEMPO_DATA_DIR, TEMPO_PORTS } from "../config/ports";
import { TempoRelease } from "../config/tempoReleases";
import { hostFor, publish } from "./dockerPorts";

/** Tempo as a container on the local Docker engine. */
export interface DockerTempoArgs {
  readonly platform: "docker";
  readonly release: TempoRelease;
  /** The rendered tempo.yaml (config/tempoConfig.ts). */
  readonly configYaml: string;
  /** The network Grafana shares; Tempo answers there as `hostname`. */
  readonly networkName: pulumi.Input<string>;
  readonly hostname: string;
  /** The volume for Tempo's data directory (TraceStorage). */
  readonly volumeName: pulumi.Input<string>;
  /** Host address the ports bind to. @default "127.0.0.1" */
  readonly bindAddress?: string;
  readonly hostPorts: { readonly tempo: number; readonly otlpGrpc: number; readonly otlpHttp: number };
}

export type TempoServiceArgs = DockerTempoArgs;

/** Seconds Docker waits after SIGTERM: Tempo 3.0 needs about 30 s to stop cleanly. */
const STOP_TIMEOUT_SECONDS = 45;

/**
 * Grafana Tempo in monolithic mode: OTLP receivers, query API and the block store in one
 * process, configured by the generated tempo.yaml.
 */
export class TempoService extends pulumi.ComponentResource {
  /** Tempo's query API as seen from the host. */
  public readonly queryUrl: pulumi.Output<string>;
  public readonly otlpHttpEndpoint: pulumi.Output<string>;
  public readonly otlpGrpcEndpoint: pulumi.Output<string>;
  /** Tempo's query API as seen from other containers on the network. */
  public readonly internalQueryUrl: pulumi.Output<string>;
  /** The container; later resources depend on it (it is healthy once created, where the release can tell). */
  public readonly container: docker.Container;

  constructor(name: string, args: TempoServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tracing:tempo:TempoService", name, {}, opts);
    const child = { parent: this };
    const bindAddress = args.bindAddress ?? "127.0.0.1";
    const host = hostFor(bindAddress);
    const configPath = `${TEMPO_CONFIG_DIR}/${TEMPO_CONFIG_FILE}`;

    const image = new docker.RemoteImage(`${name}-image`, { name: args.release.image, keepLocally: true }, child);
    const healthCheck = tempoHealthCheck(args.release);

    this.container = new docker.Container(
      name,
      {
        name,
        image: image.imageId,
        command: [`-config.file=${configPath}`],
        uploads: [{ file: configPath, content: args.configYaml }],
        volumes: [{ volumeName: args.volumeName, containerPath: TEMPO_DATA_DIR }],
        networksAdvanced: [{ name: args.networkName, aliases: [args.hostname] }],
        ports: publish(bindAddress, [
          { internal: TEMPO_PORTS.http, external: args.hostPorts.tempo },
          { internal: TEMPO_PORTS.otlpGrpc, external: args.hostPorts.otlpGrpc },
          { internal: TEMPO_PORTS.otlpHttp, external: args.hostPorts.otlpHttp },
        ]),
        restart: "unless-stopped",
        stopTimeout: STOP_TIMEOUT_SECONDS,
        destroyGraceSeconds: STOP_TIMEOUT_SECONDS,
        ...(healthCheck ? { healthcheck: healthCheck, wait: true, waitTimeout: 120 } : {}),
      },
      child,
    );

    this.queryUrl = pulumi.output(`http://${host}:${args.hostPorts.tempo}`);
    this.otlpHttpEndpoint = pulumi.output(`http://${host}:${args.hostPorts.otlpHttp}`);
    this.otlpGrpcEndpoint = pulumi.output(`http://${host}:${args.hostPorts.otlpGrpc}`);
    this.internalQueryUrl = pulumi.output(`http://${args.hostname}:${TEMPO_PORTS.http}`);
    this.registerOutputs({
      queryUrl: this.queryUrl,
      otlpHttpEndpoint: this.otlpHttpEndpoint,
      otlpGrpcEndpoint: this.otlpGrpcEndpoint,
      internalQueryUrl: this.internalQueryUrl,
    });
  }
}

/**
 * Tempo's image is distroless: no shell, no wget. From 3.0 the binary checks `/ready` itself
 * (`-health`); 2.10 has no such flag, so its container gets no health check.
 */
export function tempoHealthCheck(release: TempoRelease) {
  if (!release.hasHealthFlag) {
    return undefined;
  }
  return {
    tests: ["CMD", "/tempo", "-health", `-health.url=http://127.0.0.1:${TEMPO_PORTS.http}/ready`],
    interval: "10s",
    timeout: "5s",
    retries: 6,
    startPeriod: "20s",
  };
}
