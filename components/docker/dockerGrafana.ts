import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { grafanaEnvironment, toEnvList } from "../../config/files/grafanaEnv";
import { GRAFANA_PORT } from "../../config/constants/ports";
import { AnonymousRole, DEFAULTS } from "../../config/stack/stackConfig";
import { DASHBOARD_KEYS, GRAFANA_PATHS, GrafanaFiles } from "../../config/files/grafanaProvisioning";
import { goDuration } from "../../config/files/goDuration";
import { hostFor, publish } from "./ports";

/** Grafana as a container on the local Docker engine. */
export interface DockerGrafanaArgs {
  readonly platform: "docker";
  /** The pinned Grafana image. */
  readonly image: string;
  /** Provisioning: the Tempo data source and the dashboards. */
  readonly files: GrafanaFiles;
  /** @default "none" */
  readonly anonymousRole?: AnonymousRole;
  readonly networkName: pulumi.Input<string>;
  /** @default "127.0.0.1" */
  readonly bindAddress?: string;
  readonly hostPort: number;
  /** Started only after these (Tempo's container, healthy where it can tell). */
  readonly waitFor?: pulumi.Input<pulumi.Resource>[];
}

export interface DockerGrafana {
  readonly kind: "docker";
  readonly container: docker.Container;
  readonly url: pulumi.Output<string>;
}

export function createDockerGrafana(
  name: string,
  args: DockerGrafanaArgs,
  adminPassword: pulumi.Output<string>,
  parent: pulumi.Resource,
): DockerGrafana {
  const child = { parent };
  const bindAddress = args.bindAddress ?? DEFAULTS.bindAddress;
  const url = `http://${hostFor(bindAddress)}:${args.hostPort}`;
  const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, child);
  const env = grafanaEnvironment({
    anonymousRole: args.anonymousRole ?? DEFAULTS.grafanaAnonymousRole,
    adminPasswordFile: GRAFANA_PATHS.adminPassword,
    rootUrl: url,
  });

  const container = new docker.Container(
    name,
    {
      name,
      image: image.imageId,
      envs: toEnvList(env),
      uploads: [
        { file: GRAFANA_PATHS.datasources, content: args.files.datasources },
        { file: GRAFANA_PATHS.dashboardProvider, content: args.files.dashboardProvider },
        ...DASHBOARD_KEYS.map((key) => ({ file: GRAFANA_PATHS.dashboards[key], content: args.files.dashboards[key] })),
        { file: GRAFANA_PATHS.adminPassword, content: adminPassword },
      ],
      networksAdvanced: [{ name: args.networkName }],
      ports: publish(bindAddress, [{ internal: GRAFANA_PORT, external: args.hostPort }]),
      restart: "unless-stopped",
      healthcheck: {
        // The Alpine-based image has BusyBox wget.
        tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${GRAFANA_PORT}/api/health`],
        interval: goDuration({ seconds: 10 }),
        timeout: goDuration({ seconds: 5 }),
        retries: 6,
        startPeriod: goDuration({ seconds: 20 }),
      },
      wait: true,
      waitTimeout: 120,
    },
    { ...child, dependsOn: args.waitFor ?? [] },
  );
  return { kind: "docker", container, url: pulumi.output(url) };
}
