import * as docker from "@pulumi/docker";
import * as gcp from "./gcp/sdk";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountMember } from "./gcp/secretFile";

/** Trace storage on the local Docker engine: one named volume, kept across `pulumi up`. */
export interface DockerTraceStorageArgs {
  readonly platform: "docker";
  /** Labels added to the volume, e.g. the stack it belongs to. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Trace storage in a GCS bucket, with the identity Tempo runs as. */
export interface GcsTraceStorageArgs {
  readonly platform: "gcp";
  readonly bucketName: string;
  /** The bucket's location, e.g. "US-CENTRAL1" (the guide's region) or "EU". */
  readonly location: string;
  /** Only objects under this prefix expire. */
  readonly prefix: string;
  /** Days until the bucket deletes a block: the same number as Tempo's retention. */
  readonly retentionDays: number;
  readonly labels?: Readonly<Record<string, string>>;
  /** Created only after these (the APIs). */
  readonly waitFor?: pulumi.Input<pulumi.Resource>[];
}

export type TraceStorageArgs = DockerTraceStorageArgs | GcsTraceStorageArgs;

/** Where the traces are, locally. */
export interface VolumeStore {
  readonly kind: "volume";
  /** The Docker volume holding Tempo's data directory. */
  readonly volumeName: pulumi.Output<string>;
}

/** Where the traces are, on GCP. */
export interface BucketStore {
  readonly kind: "bucket";
  readonly bucketName: pulumi.Output<string>;
  /** The identity Tempo runs as; the only one allowed into the bucket. */
  readonly serviceAccountEmail: pulumi.Output<string>;
  /** The grants that let it in: Tempo reads the bucket at start, so it waits for them to take effect. */
  readonly accessGrants: readonly pulumi.CustomResource[];
}

/** The store a TraceStorage of these args has: the compiler knows which from the platform. */
export type StoreFor<A extends TraceStorageArgs> = A extends DockerTraceStorageArgs ? VolumeStore : BucketStore;

/**
 * The permissions the guide lists for Tempo, and no more: Tempo reads the bucket's metadata
 * at start-up (`storage.buckets.get`; without it it exits with a 403) and reads, writes,
 * lists and deletes block objects. `roles/storage.objectAdmin`, the guide's grant, lacks
 * `storage.buckets.get` and adds object ACL and IAM permissions Tempo never uses.
 */
export const TEMPO_BUCKET_PERMISSIONS = [
  "storage.buckets.get",
  "storage.objects.create",
  "storage.objects.delete",
  "storage.objects.get",
  "storage.objects.list",
] as const;

/**
 * Where Tempo keeps trace blocks. Locally a named Docker volume mounted at /var/tempo, so
 * blocks and the WAL survive container restarts and recreation. On GCP a private bucket
 * (uniform access, public access prevention enforced, protected from `pulumi destroy`), a
 * service account for Tempo, and that account's access to this bucket only.
 */
export class TraceStorage<A extends TraceStorageArgs = TraceStorageArgs> extends pulumi.ComponentResource {
  public readonly store: StoreFor<A>;

  constructor(name: string, args: A, opts?: pulumi.ComponentResourceOptions) {
    super("tracing:storage:TraceStorage", name, {}, opts);
    this.store = (
      args.platform === "docker" ? this.createVolume(name, args) : this.createBucket(name, args)
    ) as StoreFor<A>;
    this.registerOutputs({ store: this.store });
  }

  private createVolume(name: string, args: DockerTraceStorageArgs): VolumeStore {
    const child = { parent: this };
    const labels = Object.entries(args.labels ?? {}).map(([label, value]) => ({ label, value }));
    const volume = new docker.Volume(
      `${name}-data`,
      { name: `${name}-data`, labels },
      // Traces outlive the containers: `pulumi destroy` leaves the volume for `docker volume rm`.
      { ...child, retainOnDelete: true },
    );
    return { kind: "volume", volumeName: volume.name };
  }

  private createBucket(name: string, args: GcsTraceStorageArgs): BucketStore {
    const child = { parent: this, dependsOn: args.waitFor ?? [] };
    const bucket = new gcp.storage.Bucket(
      `${name}-bucket`,
      {
        name: args.bucketName,
        location: args.location,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        forceDestroy: false,
        // Tempo rewrites and deletes objects all day (compaction, the tenant index); soft
        // delete would keep every one of them for a week at full price.
        softDeletePolicy: { retentionDurationSeconds: 0 },
        lifecycleRules: [
          {
            action: { type: "Delete" },
            condition: { age: args.retentionDays, matchesPrefixes: [args.prefix] },
          },
        ],
        labels: { ...(args.labels ?? {}) },
      },
      // The traces are the one thing here that cannot be recreated.
      { ...child, protect: true },
    );
    const account = new gcp.serviceaccount.Account(
      `${name}-sa`,
      {
        accountId: `${name}-traces`,
        displayName: "Tempo trace storage",
        description: "Identity of the Tempo Cloud Run service",
      },
      // Fixed account id: replaced create-before-delete, the new account would collide (409).
      { ...child, deleteBeforeReplace: true },
    );
    const role = new gcp.projects.IAMCustomRole(
      `${name}-bucket-role`,
      {
        roleId: `${name.replace(/[^A-Za-z0-9]/g, "_")}_trace_bucket_access`,
        title: "Tempo trace bucket access",
        description: "What Tempo needs on its bucket: read the bucket's metadata, read, write, list and delete objects",
        permissions: [...TEMPO_BUCKET_PERMISSIONS],
        stage: "GA",
      },
      { ...child, deleteBeforeReplace: true },
    );
    const access = new gcp.storage.BucketIAMMember(
      `${name}-bucket-access`,
      { bucket: bucket.name, role: role.name, member: serviceAccountMember(account.email) },
      { ...child, deleteBeforeReplace: true },
    );
    return {
      kind: "bucket",
      bucketName: bucket.name,
      serviceAccountEmail: account.email,
      accessGrants: [access],
    };
  }
}
