import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Trace storage on the local Docker engine: one named volume, kept across `pulumi up`. */
export interface DockerTraceStorageArgs {
  readonly platform: "docker";
  /** Labels added to the volume, e.g. the stack it belongs to. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

export type TraceStorageArgs = DockerTraceStorageArgs;

/**
 * Where Tempo keeps trace blocks. Locally a named Docker volume mounted at /var/tempo, so
 * blocks and the WAL survive container restarts and recreation by `pulumi up`.
 */
export class TraceStorage extends pulumi.ComponentResource {
  /** The Docker volume holding Tempo's data directory. */
  public readonly volumeName: pulumi.Output<string>;

  constructor(name: string, args: TraceStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tracing:storage:TraceStorage", name, {}, opts);
    const child = { parent: this };
    const labels = Object.entries(args.labels ?? {}).map(([label, value]) => ({ label, value }));
    const volume = new docker.Volume(
      `${name}-data`,
      { name: `${name}-data`, labels },
      // Traces outlive the containers: `pulumi destroy` leaves the volume for `docker volume rm`.
      { ...child, retainOnDelete: true },
    );
    this.volumeName = volume.name;
    this.registerOutputs({ volumeName: this.volumeName });
  }
}
