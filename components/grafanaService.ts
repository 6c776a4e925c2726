import * as pulumi from "@pulumi/pulumi";
import { GRAFANA_ADMIN_USER } from "../config/files/grafanaEnv";
import { createAdminPassword } from "./adminPassword";
import { DockerGrafana, DockerGrafanaArgs, createDockerGrafana } from "./docker/dockerGrafana";
import { CloudRunGrafana, CloudRunGrafanaArgs, createCloudRunGrafana } from "./gcp/cloudRunGrafana";

export type { CloudRunGrafanaArgs } from "./gcp/cloudRunGrafana";
export type { DockerGrafanaArgs } from "./docker/dockerGrafana";

export type GrafanaServiceArgs = DockerGrafanaArgs | CloudRunGrafanaArgs;

/** The deployment a GrafanaService of these args has: the compiler knows which from the platform. */
export type GrafanaDeploymentFor<A extends GrafanaServiceArgs> = A extends DockerGrafanaArgs
  ? DockerGrafana
  : CloudRunGrafana;

/**
 * Grafana with Tempo provisioned as its default data source (uid `tempo`) and the guide's
 * TraceQL searches as a dashboard, behind a login with a generated admin password.
 */
export class GrafanaService<A extends GrafanaServiceArgs = GrafanaServiceArgs> extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly adminUser: pulumi.Output<string>;
  /** A Pulumi secret. */
  public readonly adminPassword: pulumi.Output<string>;
  public readonly deployment: GrafanaDeploymentFor<A>;

  constructor(name: string, args: A, opts?: pulumi.ComponentResourceOptions) {
    super("tracing:grafana:GrafanaService", name, {}, opts);
    const password = createAdminPassword(name, this);
    const deployment =
      args.platform === "docker"
        ? createDockerGrafana(name, args, password, this)
        : createCloudRunGrafana(name, args, password, this);
    this.url = deployment.url;
    this.adminUser = pulumi.output(GRAFANA_ADMIN_USER);
    this.adminPassword = password;
    this.deployment = deployment as GrafanaDeploymentFor<A>;
    this.registerOutputs({ url: this.url, adminUser: this.adminUser, adminPassword: this.adminPassword });
  }
}
