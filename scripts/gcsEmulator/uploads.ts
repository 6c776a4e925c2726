import { randomBytes } from "node:crypto";
import { crc32c, encodeCrc32c } from "./crc32c";
import { GcsError, badRequest } from "./errors";
import { ObjectAttributes, Preconditions } from "./objectStore";

/** An object insert whose bytes are still arriving, in chunks to its session URI. */
export interface ResumableSession {
  readonly id: string;
  readonly bucket: string;
  readonly name: string;
  readonly attributes: ObjectAttributes;
  /** Checked when the upload completes. */
  readonly conditions: Preconditions;
  readonly chunks: Buffer[];
  received: number;
}

/** What a `Content-Range` on a chunk request says. */
export type ChunkRange =
  /** `bytes first-last/*` or `bytes first-last/total`: bytes, and the total when this is the last chunk. */
  | { readonly kind: "bytes"; readonly first: number; readonly last: number; readonly total?: number }
  /** `bytes * /total`: no bytes, the upload ends at `total`. */
  | { readonly kind: "finish"; readonly total: number }
  /** `bytes * /*` (or none with no body): how far has the upload got? */
  | { readonly kind: "status" };

/** Open resumable uploads by id. GCS keeps one for a week; the emulator until it completes. */
export class ResumableSessions {
  private readonly sessions = new Map<string, ResumableSession>();

  open(bucket: string, name: string, attributes: ObjectAttributes, conditions: Preconditions): ResumableSession {
    const session: ResumableSession = {
      id: randomBytes(16).toString("hex"),
      bucket,
      name,
      attributes,
      conditions,
      chunks: [],
      received: 0,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get(bucket: string, id: string): ResumableSession {
    const session = this.sessions.get(id);
    if (session === undefined || session.bucket !== bucket) {
      throw new GcsError(404, "notFound", `No such upload session: ${id}`);
    }
    return session;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  clear(): void {
    this.sessions.clear();
  }
}

/**
 * Adds a chunk's bytes to the session. A chunk that starts before what was received (a retry
 * after a lost answer) has its known part skipped, as GCS does; one that leaves a gap is refused.
 */
export function appendChunk(session: ResumableSession, range: ChunkRange, body: Buffer): void {
  if (range.kind !== "bytes") {
    if (body.length > 0) {
      throw badRequest("A Content-Range without bytes came with a body");
    }
    return;
  }
  if (body.length !== range.last - range.first + 1) {
    throw badRequest(`Content-Range bytes ${range.first}-${range.last} does not match the body's ${body.length} bytes`);
  }
  if (range.first > session.received) {
    throw badRequest(`Chunk starts at byte ${range.first}, but only ${session.received} bytes have been received`);
  }
  const fresh = body.subarray(session.received - range.first);
  if (fresh.length > 0) {
    session.chunks.push(fresh);
    session.received += fresh.length;
  }
}

/** The total the request declares, if it is the one that completes the upload. */
export function finalTotal(range: ChunkRange): number | undefined {
  if (range.kind === "finish") {
    return range.total;
  }
  return range.kind === "bytes" ? range.total : undefined;
}

export function parseContentRange(header: string | undefined, bodyLength: number): ChunkRange {
  if (header === undefined) {
    if (bodyLength === 0) {
      return { kind: "status" };
    }
    throw badRequest("A chunk request needs a Content-Range");
  }
  const value = header.trim();
  if (value === "bytes */*") {
    return { kind: "status" };
  }
  const finish = /^bytes \*\/(\d+)$/.exec(value);
  if (finish) {
    return { kind: "finish", total: Number(finish[1]) };
  }
  const bytes = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value);
  if (!bytes || Number(bytes[2]) < Number(bytes[1])) {
    throw badRequest(`Invalid Content-Range ${JSON.stringify(header)}`);
  }
  const total = bytes[3] === "*" ? undefined : Number(bytes[3]);
  return { kind: "bytes", first: Number(bytes[1]), last: Number(bytes[2]), ...(total === undefined ? {} : { total }) };
}

/**
 * The checksums a client sent for the whole object (`crc32c`/`md5Hash` in the metadata of a
 * multipart insert, or `X-Goog-Hash: crc32c=...,md5=...` on the last chunk), held against the
 * bytes: GCS refuses an insert whose data does not match.
 */
export function checkChecksums(
  data: Buffer,
  sent: { readonly crc32c?: string; readonly md5Hash?: string },
  md5: () => string,
): void {
  if (sent.crc32c !== undefined) {
    const actual = encodeCrc32c(crc32c(data));
    if (actual !== sent.crc32c) {
      throw badRequest(`Provided CRC32C "${sent.crc32c}" doesn't match calculated CRC32C "${actual}".`);
    }
  }
  if (sent.md5Hash !== undefined && sent.md5Hash !== md5()) {
    throw badRequest(`Provided MD5 hash "${sent.md5Hash}" doesn't match calculated MD5 hash "${md5()}".`);
  }
}

/** `X-Goog-Hash: crc32c=AAAAAA==,md5=...` to its parts. */
export function parseGoogHash(header: string | undefined): { crc32c?: string; md5Hash?: string } {
  const sent: { crc32c?: string; md5Hash?: string } = {};
  for (const part of (header ?? "").split(",")) {
    const equals = part.indexOf("=");
    const key = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (key === "crc32c") {
      sent.crc32c = value;
    } else if (key === "md5") {
      sent.md5Hash = value;
    }
  }
  return sent;
}
