import { badRequest } from "./errors";
import { JsonApiMethod } from "./pricing";

/**
 * A storage request, recognised from its HTTP method and path. These are the URLs
 * cloud.google.com/go/storage v1.62.1 (vendored in Tempo 2.10.8 and 3.0.3) builds from an endpoint
 * `http://host:port/storage/v1/` (`googleapi.ResolveRelative` and `Expand` in
 * google.golang.org/api/storage/v1): object names arrive as one path segment with `/` escaped as
 * `%2F`. With an endpoint set, Tempo also passes `storage.WithJSONReads()`, so media comes through
 * `objects.get?alt=media`, never the XML API.
 */
export type Route =
  | { readonly action: "getBucket"; readonly method: "storage.buckets.get"; readonly bucket: string }
  | { readonly action: "list"; readonly method: "storage.objects.list"; readonly bucket: string }
  | {
      readonly action: "getObject";
      readonly method: "storage.objects.get";
      readonly bucket: string;
      readonly object: string;
    }
  | {
      readonly action: "delete";
      readonly method: "storage.objects.delete";
      readonly bucket: string;
      readonly object: string;
    }
  | {
      readonly action: "rewrite";
      readonly method: "storage.objects.rewrite";
      readonly bucket: string;
      readonly object: string;
      readonly destinationBucket: string;
      readonly destinationObject: string;
    }
  /** `POST /upload/storage/v1/b/<bucket>/o?uploadType=multipart|media|resumable`. */
  | {
      readonly action: "upload";
      readonly method: "storage.objects.insert";
      readonly bucket: string;
      readonly uploadType: string;
    }
  /** A request to a resumable session's URI: a chunk, the last chunk, or a status query. */
  | {
      readonly action: "uploadChunk";
      readonly method: "storage.objects.insert";
      readonly bucket: string;
      readonly uploadId: string;
    }
  /** A JSON API method the emulator knows but Tempo does not call: refused with 501, still counted. */
  | { readonly action: "unsupported"; readonly method: JsonApiMethod; readonly bucket: string }
  | { readonly action: "unknown" };

export function routeOf(httpMethod: string, url: URL): Route {
  const segments = url.pathname.split("/").slice(1).map(decodeSegment);
  const verb = httpMethod.toUpperCase();
  const [root, ...rest] = segments;
  if (
    root === "upload" &&
    rest[0] === "storage" &&
    rest[1] === "v1" &&
    rest[2] === "b" &&
    rest[4] === "o" &&
    rest.length === 5
  ) {
    const bucket = rest[3];
    const uploadId = url.searchParams.get("upload_id");
    if (uploadId !== null && (verb === "PUT" || verb === "POST")) {
      return { action: "uploadChunk", method: "storage.objects.insert", bucket, uploadId };
    }
    if (verb === "POST") {
      return {
        action: "upload",
        method: "storage.objects.insert",
        bucket,
        uploadType: url.searchParams.get("uploadType") ?? "",
      };
    }
    return { action: "unknown" };
  }
  if (root === "download" && rest[0] === "storage" && rest[1] === "v1") {
    const route = jsonRoute(verb, rest.slice(2));
    return route.action === "getObject" ? route : { action: "unknown" };
  }
  if (root === "storage" && rest[0] === "v1") {
    return jsonRoute(verb, rest.slice(1));
  }
  return { action: "unknown" };
}

/** `b/<bucket>[/o[/<object>[/rewriteTo/b/<bucket>/o/<object> | /compose | /copyTo/...]]]`. */
function jsonRoute(verb: string, path: readonly string[]): Route {
  if (path[0] !== "b" || path.length < 2) {
    return { action: "unknown" };
  }
  const bucket = path[1];
  if (path.length === 2) {
    return verb === "GET" ? { action: "getBucket", method: "storage.buckets.get", bucket } : { action: "unknown" };
  }
  if (path[2] !== "o") {
    return { action: "unknown" };
  }
  if (path.length === 3) {
    if (verb === "GET") {
      return { action: "list", method: "storage.objects.list", bucket };
    }
    return verb === "POST"
      ? { action: "unsupported", method: "storage.objects.insert", bucket }
      : { action: "unknown" };
  }
  const object = path[3];
  if (path.length === 4) {
    switch (verb) {
      case "GET":
        return { action: "getObject", method: "storage.objects.get", bucket, object };
      case "DELETE":
        return { action: "delete", method: "storage.objects.delete", bucket, object };
      case "PATCH":
        return { action: "unsupported", method: "storage.objects.patch", bucket };
      case "PUT":
        return { action: "unsupported", method: "storage.objects.update", bucket };
      default:
        return { action: "unknown" };
    }
  }
  if (verb !== "POST") {
    return { action: "unknown" };
  }
  if (path.length === 5 && path[4] === "compose") {
    return { action: "unsupported", method: "storage.objects.compose", bucket };
  }
  if (path.length === 9 && path[5] === "b" && path[7] === "o") {
    if (path[4] === "rewriteTo") {
      return {
        action: "rewrite",
        method: "storage.objects.rewrite",
        bucket,
        object,
        destinationBucket: path[6],
        destinationObject: path[8],
      };
    }
    if (path[4] === "copyTo") {
      return { action: "unsupported", method: "storage.objects.copy", bucket };
    }
  }
  return { action: "unknown" };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`Malformed percent-encoding in the path segment ${JSON.stringify(segment)}`);
  }
}
