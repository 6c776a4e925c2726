import { createHash } from "node:crypto";
import { IncomingHttpHeaders } from "node:http";
import { GcsError, badRequest, noSuchBucket, rangeNotSatisfiable } from "./errors";
import { parseMultipart } from "./multipart";
import { ListQuery, ObjectAttributes, ObjectStore, Preconditions, StoredObject } from "./objectStore";
import { bucketResource, etag, objectResource } from "./resources";
import { Route } from "./routes";
import {
  ResumableSessions,
  appendChunk,
  checkChecksums,
  finalTotal,
  parseContentRange,
  parseGoogHash,
} from "./uploads";

/** A storage request, read whole. */
export interface StorageRequest {
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** `http://host:port` as the client addressed the emulator, for the URIs handed back. */
  readonly baseUrl: string;
}

export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Bytes as they are; anything else as JSON. */
  readonly body?: Buffer | object;
}

/** An answer, and how the request counts (see operations.ts). */
export interface Served {
  readonly answer: Answer;
  readonly operation: boolean;
  readonly resumable?: "start" | "chunk";
}

/** The JSON API methods Tempo's GCS backend calls, on the store. */
export class StorageApi {
  constructor(
    private readonly store: ObjectStore,
    private readonly sessions: ResumableSessions,
    private readonly startedAt: number,
  ) {}

  serve(route: Route, request: StorageRequest): Served {
    const resumable = resumablePart(route);
    let completed = false;
    try {
      const answer = this.answer(route, request, () => (completed = true));
      return { answer, operation: resumable === undefined || completed, ...(resumable ? { resumable } : {}) };
    } catch (error) {
      if (!(error instanceof GcsError)) {
        throw error;
      }
      return { answer: errorAnswer(error), operation: resumable === undefined, ...(resumable ? { resumable } : {}) };
    }
  }

  private answer(route: Route, request: StorageRequest, complete: () => void): Answer {
    const { url, baseUrl } = request;
    switch (route.action) {
      case "getBucket":
        if (!this.store.hasBucket(route.bucket)) {
          throw noSuchBucket();
        }
        return json(200, bucketResource(route.bucket, this.startedAt, baseUrl));
      case "list":
        return json(200, this.list(route.bucket, url.searchParams, baseUrl));
      case "getObject": {
        const object = this.store.get(route.bucket, route.object, generationParam(url), preconditions(url));
        return url.searchParams.get("alt") === "media"
          ? media(object, request.headers.range)
          : json(200, objectResource(object, baseUrl));
      }
      case "delete":
        this.store.delete(route.bucket, route.object, generationParam(url), preconditions(url));
        return { status: 204 };
      case "rewrite":
        return json(200, this.rewrite(route, request));
      case "upload":
        return this.upload(route.bucket, route.uploadType, request);
      case "uploadChunk":
        return this.chunk(route.bucket, route.uploadId, request, complete);
      case "unsupported":
        throw new GcsError(501, "notImplemented", `gcs-emulator does not implement ${route.method}`);
      case "unknown":
        throw new GcsError(404, "notFound", "Not Found");
    }
  }

  private list(bucket: string, params: URLSearchParams, baseUrl: string): object {
    for (const unsupported of ["matchGlob", "filter"]) {
      if (params.get(unsupported)) {
        throw new GcsError(501, "notImplemented", `gcs-emulator does not implement objects.list ${unsupported}`);
      }
    }
    if (params.get("softDeleted") === "true") {
      throw new GcsError(501, "notImplemented", "gcs-emulator does not implement objects.list softDeleted");
    }
    const maxResults = numberParam(params, "maxResults");
    if (maxResults !== undefined && maxResults < 1) {
      throw parameterError("maxResults");
    }
    const query: ListQuery = {
      prefix: params.get("prefix") ?? "",
      delimiter: params.get("delimiter") ?? "",
      startOffset: params.get("startOffset") ?? "",
      endOffset: params.get("endOffset") ?? "",
      pageToken: params.get("pageToken") ?? "",
      includeTrailingDelimiter: params.get("includeTrailingDelimiter") === "true",
      ...(maxResults === undefined ? {} : { maxResults }),
    };
    const page = this.store.list(bucket, query);
    return {
      kind: "storage#objects",
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      ...(page.prefixes.length > 0 ? { prefixes: page.prefixes } : {}),
      ...(page.items.length > 0 ? { items: page.items.map((item) => objectResource(item, baseUrl)) } : {}),
    };
  }

  private rewrite(route: Extract<Route, { action: "rewrite" }>, request: StorageRequest): object {
    const { url } = request;
    const source = this.store.get(route.bucket, route.object, numberParam(url.searchParams, "sourceGeneration"), {
      ...optional("ifGenerationMatch", numberParam(url.searchParams, "ifSourceGenerationMatch")),
      ...optional("ifGenerationNotMatch", numberParam(url.searchParams, "ifSourceGenerationNotMatch")),
      ...optional("ifMetagenerationMatch", numberParam(url.searchParams, "ifSourceMetagenerationMatch")),
      ...optional("ifMetagenerationNotMatch", numberParam(url.searchParams, "ifSourceMetagenerationNotMatch")),
    });
    const given = request.body.length > 0 ? attributesOf(parseJson(request.body)) : {};
    const attributes: ObjectAttributes = {
      contentType: given.contentType ?? source.contentType,
      ...optional("cacheControl", given.cacheControl ?? source.cacheControl),
      ...optional("metadata", given.metadata ?? source.metadata),
    };
    const written = this.store.put(
      route.destinationBucket,
      route.destinationObject,
      source.data,
      attributes,
      preconditions(url),
    );
    const size = String(written.data.length);
    return {
      kind: "storage#rewriteResponse",
      totalBytesRewritten: size,
      objectSize: size,
      done: true,
      resource: objectResource(written, request.baseUrl),
    };
  }

  /** `uploadType=multipart` and `media` write the object at once; `resumable` opens a session. */
  private upload(bucket: string, uploadType: string, request: StorageRequest): Answer {
    const { url, headers, body } = request;
    if (!this.store.hasBucket(bucket)) {
      throw noSuchBucket();
    }
    const conditions = preconditions(url);
    switch (uploadType) {
      case "multipart": {
        const [metadataPart, mediaPart] = parseMultipart(headers["content-type"], body);
        if (metadataPart === undefined || mediaPart === undefined) {
          throw badRequest("A multipart upload needs two parts: metadata, then media");
        }
        const metadata = parseJson(metadataPart.body);
        const attributes = attributesOf(metadata);
        const name = objectName(url, metadata);
        checkChecksums(mediaPart.body, sentChecksums(metadata), () => md5(mediaPart.body));
        const object = this.store.put(
          bucket,
          name,
          Buffer.from(mediaPart.body),
          { ...attributes, contentType: attributes.contentType ?? mediaPart.headers["content-type"] },
          conditions,
        );
        return json(200, objectResource(object, request.baseUrl));
      }
      case "media": {
        const object = this.store.put(
          bucket,
          objectName(url, {}),
          body,
          { contentType: headers["content-type"] },
          conditions,
        );
        return json(200, objectResource(object, request.baseUrl));
      }
      case "resumable": {
        const metadata = body.length > 0 ? parseJson(body) : {};
        const attributes = attributesOf(metadata);
        const uploadContentType = headerValue(headers["x-upload-content-type"]);
        const session = this.sessions.open(
          bucket,
          objectName(url, metadata),
          { ...attributes, contentType: attributes.contentType ?? uploadContentType },
          conditions,
        );
        const location = new URL(`/upload/storage/v1/b/${encodeURIComponent(bucket)}/o`, request.baseUrl);
        location.searchParams.set("uploadType", "resumable");
        location.searchParams.set("name", session.name);
        location.searchParams.set("upload_id", session.id);
        return { status: 200, headers: { Location: location.toString(), "X-GUploader-UploadID": session.id } };
      }
      default:
        throw badRequest(`Invalid upload type ${JSON.stringify(uploadType)}`);
    }
  }

  /**
   * A request to a resumable session. An incomplete one is answered 308 with the `Range`
   * received, or, when the client sends `X-GUploader-No-308: yes` as the Go client does, 200
   * with `X-Http-Status-Code-Override: 308` (the Go client treats a real 308 as an error).
   */
  private chunk(bucket: string, uploadId: string, request: StorageRequest, complete: () => void): Answer {
    const { headers, body } = request;
    const session = this.sessions.get(bucket, uploadId);
    const range = parseContentRange(headerValue(headers["content-range"]), body.length);
    appendChunk(session, range, body);
    const total = finalTotal(range);
    if (total === undefined) {
      const received: Record<string, string> = session.received > 0 ? { Range: `bytes=0-${session.received - 1}` } : {};
      return headerValue(headers["x-guploader-no-308"]) === "yes"
        ? { status: 200, headers: { "X-Http-Status-Code-Override": "308", ...received } }
        : { status: 308, headers: received };
    }
    if (total !== session.received) {
      throw badRequest(`The upload declares ${total} bytes, but ${session.received} have been received`);
    }
    const data = Buffer.concat(session.chunks);
    checkChecksums(data, parseGoogHash(headerValue(headers["x-goog-hash"])), () => md5(data));
    const object = this.store.put(bucket, session.name, data, session.attributes, session.conditions);
    this.sessions.close(session.id);
    complete();
    return json(200, objectResource(object, request.baseUrl));
  }
}

/** Resumable requests are parts of one operation: the start, and each chunk. */
function resumablePart(route: Route): "start" | "chunk" | undefined {
  if (route.action === "uploadChunk") {
    return "chunk";
  }
  return route.action === "upload" && route.uploadType === "resumable" ? "start" : undefined;
}

/**
 * The object's bytes, whole or the `Range` asked for (`bytes=a-b`, `bytes=a-`, `bytes=-n`), with
 * the headers the Go client reads: generation, metageneration, `X-Goog-Hash` (its CRC-32C is
 * checked on a whole read), `Last-Modified`, and `Content-Range` on a 206.
 */
function media(object: StoredObject, rangeHeader: string | undefined): Answer {
  const size = object.data.length;
  const headers: Record<string, string> = {
    "Content-Type": object.contentType,
    "Accept-Ranges": "bytes",
    ETag: `"${etag(object)}"`,
    "Last-Modified": new Date(object.created).toUTCString(),
    "Cache-Control": object.cacheControl ?? "private, max-age=0",
    "X-Goog-Generation": String(object.generation),
    "X-Goog-Metageneration": String(object.metageneration),
    "X-Goog-Hash": `crc32c=${object.crc32c},md5=${object.md5Hash}`,
    "X-Goog-Stored-Content-Length": String(size),
    "X-Goog-Stored-Content-Encoding": "identity",
    "X-Goog-Storage-Class": "STANDARD",
  };
  for (const [key, value] of Object.entries(object.metadata ?? {})) {
    headers[`X-Goog-Meta-${key}`] = value;
  }
  const range = parseRange(rangeHeader, size);
  if (range === undefined) {
    return { status: 200, headers, body: object.data };
  }
  return {
    status: 206,
    headers: { ...headers, "Content-Range": `bytes ${range.first}-${range.last}/${size}` },
    body: object.data.subarray(range.first, range.last + 1),
  };
}

/** A single byte range clamped to the object; undefined for none (or one GCS would ignore). */
function parseRange(header: string | undefined, size: number): { first: number; last: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? "");
  if (!match || (match[1] === "" && match[2] === "")) {
    return undefined;
  }
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) {
      throw rangeNotSatisfiable();
    }
    return { first: Math.max(0, size - suffix), last: size - 1 };
  }
  const first = Number(match[1]);
  const last = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (first >= size || last < first) {
    throw rangeNotSatisfiable();
  }
  return { first, last };
}

function json(status: number, body: object): Answer {
  return { status, body };
}

export function errorAnswer(error: GcsError): Answer {
  return { status: error.status, body: error.body };
}

function preconditions(url: URL): Preconditions {
  const params = url.searchParams;
  return {
    ...optional("ifGenerationMatch", numberParam(params, "ifGenerationMatch")),
    ...optional("ifGenerationNotMatch", numberParam(params, "ifGenerationNotMatch")),
    ...optional("ifMetagenerationMatch", numberParam(params, "ifMetagenerationMatch")),
    ...optional("ifMetagenerationNotMatch", numberParam(params, "ifMetagenerationNotMatch")),
  };
}

function generationParam(url: URL): number | undefined {
  return numberParam(url.searchParams, "generation");
}

/** A whole-number query parameter; absent or empty is undefined, anything else not a number is a 400. */
function numberParam(params: URLSearchParams, name: string): number | undefined {
  const value = params.get(name);
  if (value === null || value === "") {
    return undefined;
  }
  if (!/^-?\d+$/.test(value)) {
    throw parameterError(name);
  }
  return Number(value);
}

function parameterError(name: string): GcsError {
  return new GcsError(400, "invalidParameter", `Invalid value for parameter ${name}`, {
    locationType: "parameter",
    location: name,
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

type Json = Record<string, unknown>;

function parseJson(body: Buffer): Json {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Json;
    }
  } catch {
    // reported below
  }
  throw new GcsError(400, "parseError", "Parse Error");
}

function stringField(object: Json, key: string): string | undefined {
  const value = object[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function attributesOf(metadata: Json): ObjectAttributes {
  const custom = metadata.metadata;
  const entries =
    typeof custom === "object" && custom !== null
      ? Object.entries(custom).filter((entry): entry is [string, string] => typeof entry[1] === "string")
      : [];
  return {
    ...optional("contentType", stringField(metadata, "contentType")),
    ...optional("cacheControl", stringField(metadata, "cacheControl")),
    ...(entries.length > 0 ? { metadata: Object.fromEntries(entries) } : {}),
  };
}

function sentChecksums(metadata: Json): { crc32c?: string; md5Hash?: string } {
  return {
    ...optional("crc32c", stringField(metadata, "crc32c")),
    ...optional("md5Hash", stringField(metadata, "md5Hash")),
  };
}

/** `name` from the query, else from the metadata; GCS requires one. */
function objectName(url: URL, metadata: Json): string {
  const name = url.searchParams.get("name") || stringField(metadata, "name");
  if (!name) {
    throw new GcsError(400, "required", "Required", { locationType: "parameter", location: "name" });
  }
  return name;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function md5(data: Buffer): string {
  return createHash("md5").update(data).digest("base64");
}
