/**
 * Google's pricing classes for the JSON API methods a GCS client can call.
 *
 * From "Operations by class" on https://cloud.google.com/storage/pricing#operations-by-class (read
 * here through the copy of its table in gist zeddee/98dc67bc14cca1dc3da8e1635b8f6088, "Operations
 * cost table"; the live page was not reachable from this machine):
 *
 *   | API      | Class A Operations                   | Class B Operations           | Free Operations        |
 *   | JSON API | storage.*.insert¹, storage.*.patch,  | storage.*.get,               | storage.channels.stop, |
 *   |          | storage.*.update, ...setIamPolicy,   | storage.*.getIamPolicy,      | storage.buckets.delete,|
 *   |          | storage.buckets.list, ...,           | storage.*.testIamPermissions,| storage.objects.delete,|
 *   |          | storage.objects.compose,             | ...                          | ...hmacKeys.delete     |
 *   |          | storage.objects.copy,                |                              |                        |
 *   |          | storage.objects.list,                |                              |                        |
 *   |          | storage.objects.rewrite, ...         |                              |                        |
 *
 * https://cloud.google.com/storage/pricing-examples says the same in words: "Class A operations
 * (object adds, bucket and object listings)", "Class B operations (object gets, retrieving bucket
 * and object metadata)". `storage.*.get` is both a metadata read and a media download
 * (`alt=media`): one Class B operation each.
 *
 * Resumable uploads, from https://cloud.google.com/storage/docs/resumable-uploads: "Resumable
 * uploads work by sending multiple requests, each of which contains a portion of the object
 * you're uploading." and "A completed resumable upload is considered one Class A operation." So the
 * initiating POST and every chunk request are not operations of their own: the emulator counts one
 * `storage.objects.insert` when the request that completes the upload succeeds, and nothing for an
 * upload that never completes. A multipart or media upload is one request and one operation.
 *
 * Whether a request that fails (404, 412, 403) is charged is not stated in what was read here; the
 * emulator counts it as an operation of its method and reports the failures apart (`failed`).
 */
export type OperationClass = "A" | "B" | "free";

export const OPERATION_CLASSES: readonly OperationClass[] = ["A", "B", "free"];

/** The JSON API methods the emulator tells apart: those Tempo calls, and their neighbours it refuses. */
export type JsonApiMethod =
  | "storage.buckets.get"
  | "storage.objects.list"
  | "storage.objects.get"
  | "storage.objects.insert"
  | "storage.objects.delete"
  | "storage.objects.rewrite"
  | "storage.objects.copy"
  | "storage.objects.compose"
  | "storage.objects.patch"
  | "storage.objects.update";

export const OPERATION_CLASS: Readonly<Record<JsonApiMethod, OperationClass>> = {
  "storage.buckets.get": "B",
  "storage.objects.list": "A",
  "storage.objects.get": "B",
  "storage.objects.insert": "A",
  "storage.objects.delete": "free",
  "storage.objects.rewrite": "A",
  "storage.objects.copy": "A",
  "storage.objects.compose": "A",
  "storage.objects.patch": "A",
  "storage.objects.update": "A",
};

/**
 * The IAM permission GCS checks for each method, and what the 403 names: a denied read of bucket
 * metadata or a listing is about "the Google Cloud Storage bucket", anything on an object about
 * "the Google Cloud Storage object".
 */
export const PERMISSION: Readonly<
  Record<JsonApiMethod, { readonly permission: string; readonly on: "bucket" | "object" }>
> = {
  "storage.buckets.get": { permission: "storage.buckets.get", on: "bucket" },
  "storage.objects.list": { permission: "storage.objects.list", on: "bucket" },
  "storage.objects.get": { permission: "storage.objects.get", on: "object" },
  "storage.objects.insert": { permission: "storage.objects.create", on: "object" },
  "storage.objects.delete": { permission: "storage.objects.delete", on: "object" },
  "storage.objects.rewrite": { permission: "storage.objects.create", on: "object" },
  "storage.objects.copy": { permission: "storage.objects.create", on: "object" },
  "storage.objects.compose": { permission: "storage.objects.create", on: "object" },
  "storage.objects.patch": { permission: "storage.objects.update", on: "object" },
  "storage.objects.update": { permission: "storage.objects.update", on: "object" },
};
