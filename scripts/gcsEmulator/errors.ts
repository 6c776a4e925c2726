import { JsonApiMethod, PERMISSION } from "./pricing";

/** One entry of `error.errors`, as the JSON API sends it. */
export interface GcsErrorItem {
  readonly message: string;
  readonly domain: "global";
  readonly reason: string;
  readonly locationType?: string;
  readonly location?: string;
}

/** The JSON API's error document: `{"error":{"code","message","errors":[...]}}`. */
export interface GcsErrorBody {
  readonly error: { readonly code: number; readonly message: string; readonly errors: readonly GcsErrorItem[] };
}

/** A failed storage request: its status and GCS's JSON body for it. */
export class GcsError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly location?: { readonly locationType: string; readonly location: string },
  ) {
    super(message);
    this.name = "GcsError";
  }

  get body(): GcsErrorBody {
    const item: GcsErrorItem = { message: this.message, domain: "global", reason: this.reason, ...this.location };
    return { error: { code: this.status, message: this.message, errors: [item] } };
  }
}

export const noSuchObject = (bucket: string, name: string): GcsError =>
  new GcsError(404, "notFound", `No such object: ${bucket}/${name}`);

export const noSuchBucket = (): GcsError => new GcsError(404, "notFound", "The specified bucket does not exist.");

export const badRequest = (message: string): GcsError => new GcsError(400, "invalid", message);

export const preconditionFailed = (): GcsError =>
  new GcsError(412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.", {
    locationType: "header",
    location: "If-Match",
  });

export const rangeNotSatisfiable = (): GcsError =>
  new GcsError(416, "requestedRangeNotSatisfiable", "The requested range cannot be satisfied.", {
    locationType: "header",
    location: "Range",
  });

/**
 * What GCS answers a principal that lacks the method's permission, as it does while a new IAM
 * binding propagates: e.g. "tempo@p.iam.gserviceaccount.com does not have storage.buckets.get
 * access to the Google Cloud Storage bucket. Permission 'storage.buckets.get' denied on resource
 * (or it may not exist)."
 */
export function permissionDenied(principal: string, method: JsonApiMethod): GcsError {
  const { permission, on } = PERMISSION[method];
  return new GcsError(
    403,
    "forbidden",
    `${principal} does not have ${permission} access to the Google Cloud Storage ${on}. Permission '${permission}' denied on resource (or it may not exist).`,
  );
}
