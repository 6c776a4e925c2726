import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { TEMPO_CONFIG_DIR, TEMPO_CONFIG_FILE, TEMPO_DATA_DIR, TEMPO_PORTS } from "../../config/constants/ports";
import { DEFAULTS } from "../../config/stack/stackConfig";
import { TempoRelease } from "../../config/constants/tempoReleases";
import { goDuration } from "../../config/files/goDuration";
import { hostFor, publish } from "./ports";

/** Tempo as a container on the local Docker engine. */
export interface DockerTempoArgs {
  readonly platform: "docker";
  readonly release: TempoRelease;
  /** The rendered tempo.yaml (config/files/tempoConfig.ts). */
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

/** What the Docker form adds to TempoService's outputs. */
export interface DockerTempo {
  readonly kind: "docker";
  /** Later containers depend on it; it is healthy once created, where the release can tell. */
  readonly container: docker.Container;
  readonly queryUrl: pulumi.Output<string>;
  readonly otlpHttpEndpoint: pulumi.Output<string>;
  readonly otlpGrpcEndpoint: pulumi.Output<string>;
  /** Tempo's query API as other containers on the network reach it. */
  readonly internalQueryUrl: pulumi.Output<string>;
}

/** Seconds Docker waits after SIGTERM: Tempo 3.0 needs about 30 s to stop cleanly. */
const STOP_TIMEOUT_SECONDS = 45;

export function createDockerTempo(name: string, args: DockerTempoArgs, parent: pulumi.Resource): DockerTempo {
  const child = { parent };
  const bindAddress = args.bindAddress ?? DEFAULTS.bindAddress;
  const host = hostFor(bindAddress);
  const configPath = `${TEMPO_CONFIG_DIR}/${TEMPO_CONFIG_FILE}`;
  const image = new docker.RemoteImage(`${name}-image`, { name: args.release.image, keepLocally: true }, child);
  const healthCheck = tempoHealthCheck(args.release);

  const container = new docker.Container(
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

  return {
    kind: "docker",
    container,
    queryUrl: pulumi.output(`http://${host}:${args.hostPorts.tempo}`),
    otlpHttpEndpoint: pulumi.output(`http://${host}:${args.hostPorts.otlpHttp}`),
    otlpGrpcEndpoint: pulumi.output(`http://${host}:${args.hostPorts.otlpGrpc}`),
    internalQueryUrl: pulumi.output(`http://${args.hostname}:${TEMPO_PORTS.http}`),
  };
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
    interval: goDuration({ seconds: 10 }),
    timeout: goDuration({ seconds: 5 }),
    retries: 6,
    startPeriod: goDuration({ seconds: 20 }),
  };
}
