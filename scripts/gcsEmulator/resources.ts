import { StoredObject } from "./objectStore";

/**
 * The JSON API's resources, with its field names and its habit of sending 64-bit numbers as
 * strings (the Go client decodes `generation`, `metageneration` and `size` with `,string` and
 * fails on a bare number).
 */
export function objectResource(object: StoredObject, baseUrl: string): Record<string, unknown> {
  const bucket = encodeURIComponent(object.bucket);
  const name = encodeURIComponent(object.name);
  const generation = String(object.generation);
  const written = new Date(object.created).toISOString();
  return {
    kind: "storage#object",
    id: `${object.bucket}/${object.name}/${generation}`,
    selfLink: `${baseUrl}/storage/v1/b/${bucket}/o/${name}`,
    mediaLink: `${baseUrl}/download/storage/v1/b/${bucket}/o/${name}?generation=${generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation,
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    storageClass: "STANDARD",
    size: String(object.data.length),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: etag(object),
    timeCreated: written,
    updated: written,
    timeStorageClassUpdated: written,
    timeFinalized: written,
    ...(object.cacheControl ? { cacheControl: object.cacheControl } : {}),
    ...(object.metadata ? { metadata: object.metadata } : {}),
  };
}

export function bucketResource(name: string, created: number, baseUrl: string): Record<string, unknown> {
  const time = new Date(created).toISOString();
  return {
    kind: "storage#bucket",
    selfLink: `${baseUrl}/storage/v1/b/${encodeURIComponent(name)}`,
    id: name,
    name,
    projectNumber: "000000000000",
    metageneration: "1",
    location: "US-CENTRAL1",
    storageClass: "STANDARD",
    etag: "CAE=",
    timeCreated: time,
    updated: time,
    iamConfiguration: {
      bucketPolicyOnly: { enabled: true },
      uniformBucketLevelAccess: { enabled: true },
      publicAccessPrevention: "enforced",
    },
    locationType: "region",
    rpo: "DEFAULT",
  };
}

/** Opaque, and changes with every generation and metageneration, as GCS's does. */
export function etag(object: StoredObject): string {
  return Buffer.from(`${object.generation}/${object.metageneration}`).toString("base64");
}
