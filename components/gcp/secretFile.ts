import * as gcp from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import { ChildOptions } from "./cloudRunArgs";

export interface SecretFileArgs {
  /** The Secret Manager id, e.g. `tempo-config`. */
  readonly secretId: string;
  /** The file's content. Always stored as a Pulumi secret. */
  readonly data: pulumi.Input<string>;
  /** IAM members allowed to read it (`serviceAccount:...`); granted on this secret only. */
  readonly readers: pulumi.Input<string>[];
  readonly labels?: Readonly<Record<string, string>>;
}

/** A file held in Secret Manager: the secret, its one live version, and who may read it. */
export interface SecretFile {
  readonly secret: gcp.secretmanager.Secret;
  /** The version number, for a Cloud Run volume item: a new version rolls a new revision. */
  readonly version: pulumi.Output<string>;
  /** The live version: reading the secret needs it to exist. */
  readonly secretVersion: gcp.secretmanager.SecretVersion;
  /** Grants that must exist before anything reads the secret. */
  readonly grants: gcp.secretmanager.SecretIamMember[];
}

/**
 * Cloud Run has no config maps: files reach containers as Secret Manager volumes. Every
 * generated file goes through here, so each gets the same replication, labels and
 * least-privilege access (`secretAccessor` on this secret, never on the project).
 */
export function createSecretFile(name: string, args: SecretFileArgs, child: ChildOptions): SecretFile {
  // The secret id is fixed: a replacement must delete the old secret first, or it fails with 409.
  const secret = new gcp.secretmanager.Secret(
    name,
    { secretId: args.secretId, replication: { auto: {} }, labels: { ...(args.labels ?? {}) } },
    { ...child, deleteBeforeReplace: true },
  );
  const version = new gcp.secretmanager.SecretVersion(
    name,
    { secret: secret.id, secretData: pulumi.secret(args.data) },
    child,
  );
  const grants = args.readers.map(
    (member, index) =>
      new gcp.secretmanager.SecretIamMember(
        `${name}-reader-${index}`,
        { secretId: secret.id, role: "roles/secretmanager.secretAccessor", member },
        // A grant is identified by secret, role and member: created before the old one is
        // deleted, the deletion would remove the very binding just made.
        { ...child, deleteBeforeReplace: true },
      ),
  );
  return { secret, version: version.version, secretVersion: version, grants };
}

/** A Cloud Run volume that mounts one secret version as one file in `mountPath`. */
export function secretVolume(volumeName: string, file: SecretFile, fileName: string) {
  return {
    name: volumeName,
    secret: { secret: file.secret.secretId, items: [{ path: fileName, version: file.version }] },
  };
}

export function serviceAccountMember(email: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`serviceAccount:${email}`;
}
