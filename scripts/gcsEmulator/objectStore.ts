import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { crc32c, encodeCrc32c } from "./crc32c";
import { GcsError, badRequest, noSuchBucket, noSuchObject, preconditionFailed } from "./errors";

/** One live object generation (the emulator keeps no older ones: Tempo never lists versions). */
export interface StoredObject {
  readonly bucket: string;
  readonly name: string;
  readonly data: Buffer;
  /** Microseconds since the epoch when written, as GCS's generations are; increasing. */
  readonly generation: number;
  readonly metageneration: number;
  readonly contentType: string;
  readonly cacheControl?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Unix milliseconds. */
  readonly created: number;
  readonly md5Hash: string;
  readonly crc32c: string;
}

/** What a writer may set on an object besides its bytes. */
export interface ObjectAttributes {
  readonly contentType?: string;
  readonly cacheControl?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** `ifGenerationMatch` and friends; `ifGenerationMatch: 0` means "must not exist". */
export interface Preconditions {
  readonly ifGenerationMatch?: number;
  readonly ifGenerationNotMatch?: number;
  readonly ifMetagenerationMatch?: number;
  readonly ifMetagenerationNotMatch?: number;
}

/** The `objects.list` parameters Tempo's client sends (empty strings mean absent, as GCS reads them). */
export interface ListQuery {
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly startOffset?: string;
  readonly endOffset?: string;
  readonly pageToken?: string;
  readonly maxResults?: number;
  readonly includeTrailingDelimiter?: boolean;
}

export interface ListPage {
  readonly items: readonly StoredObject[];
  readonly prefixes: readonly string[];
  readonly nextPageToken?: string;
}

/** GCS's page size when `maxResults` is absent, and its ceiling when it is larger. */
export const MAX_LIST_RESULTS = 1000;

/**
 * The buckets and their objects, in memory; with a directory, every write also goes to disk and a
 * new store starts from what is there, so blocks outlive a restart of the emulator.
 */
export class ObjectStore {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  private readonly sorted = new Map<string, string[]>();
  private lastGeneration = 0;

  constructor(
    bucketNames: readonly string[],
    private readonly wallNow: () => number,
    private readonly disk?: DiskMirror,
  ) {
    for (const bucket of bucketNames) {
      const objects = new Map<string, StoredObject>();
      for (const object of disk?.load(bucket) ?? []) {
        objects.set(object.name, object);
        this.lastGeneration = Math.max(this.lastGeneration, object.generation);
      }
      this.buckets.set(bucket, objects);
    }
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()];
  }

  /** The live object, if its preconditions hold; 404 when there is none (or not that generation). */
  get(bucket: string, name: string, generation?: number, conditions: Preconditions = {}): StoredObject {
    const object = this.objects(bucket).get(name);
    if (object === undefined || (generation !== undefined && object.generation !== generation)) {
      throw noSuchObject(bucket, name);
    }
    checkPreconditions(object, conditions);
    return object;
  }

  /** Writes a new generation, if the preconditions hold against the current one. */
  put(
    bucket: string,
    name: string,
    data: Buffer,
    attributes: ObjectAttributes,
    conditions: Preconditions = {},
  ): StoredObject {
    const objects = this.objects(bucket);
    checkName(name);
    checkPreconditions(objects.get(name), conditions);
    const object: StoredObject = {
      bucket,
      name,
      data,
      generation: this.nextGeneration(),
      metageneration: 1,
      contentType: attributes.contentType || "application/octet-stream",
      ...(attributes.cacheControl ? { cacheControl: attributes.cacheControl } : {}),
      ...(attributes.metadata ? { metadata: { ...attributes.metadata } } : {}),
      created: this.wallNow(),
      md5Hash: createHash("md5").update(data).digest("base64"),
      crc32c: encodeCrc32c(crc32c(data)),
    };
    if (!objects.has(name)) {
      this.sorted.delete(bucket);
    }
    objects.set(name, object);
    this.disk?.save(object);
    return object;
  }

  delete(bucket: string, name: string, generation?: number, conditions: Preconditions = {}): void {
    this.get(bucket, name, generation, conditions);
    this.objects(bucket).delete(name);
    this.sorted.delete(bucket);
    this.disk?.remove(bucket, name);
  }

  /**
   * One page of `objects.list`: objects and delimiter prefixes merged in name order (UTF-8 bytes,
   * as GCS orders them), `maxResults` entries of both together, and a token for the rest.
   */
  list(bucket: string, query: ListQuery): ListPage {
    const names = this.sortedNames(bucket);
    const objects = this.objects(bucket);
    const prefix = query.prefix ?? "";
    const delimiter = query.delimiter ?? "";
    const after = query.pageToken ? decodePageToken(query.pageToken) : undefined;
    const limit = Math.min(query.maxResults ?? MAX_LIST_RESULTS, MAX_LIST_RESULTS);
    const items: StoredObject[] = [];
    const prefixes: string[] = [];
    let lastKey: string | undefined;
    for (const name of names) {
      if (!name.startsWith(prefix)) {
        continue;
      }
      if (query.startOffset && compareNames(name, query.startOffset) < 0) {
        continue;
      }
      if (query.endOffset && compareNames(name, query.endOffset) >= 0) {
        continue;
      }
      const cut = delimiter === "" ? -1 : name.indexOf(delimiter, prefix.length);
      const key = cut < 0 ? name : name.slice(0, cut + delimiter.length);
      if (key === lastKey || (after !== undefined && compareNames(key, after) <= 0)) {
        continue;
      }
      if (items.length + prefixes.length === limit) {
        return { items, prefixes, nextPageToken: encodePageToken(lastKey ?? "") };
      }
      lastKey = key;
      const object = objects.get(name);
      if (cut < 0 && object !== undefined) {
        items.push(object);
      } else {
        prefixes.push(key);
        const marker = objects.get(key);
        if (query.includeTrailingDelimiter && marker !== undefined) {
          items.push(marker);
        }
      }
    }
    return { items, prefixes };
  }

  /** Every object of every bucket, for the admin listing. */
  all(): StoredObject[] {
    return this.bucketNames().flatMap((bucket) => this.sortedNames(bucket).map((name) => this.get(bucket, name)));
  }

  /** Drops every object (the buckets stay). */
  clear(): void {
    for (const [bucket, objects] of this.buckets) {
      for (const name of objects.keys()) {
        this.disk?.remove(bucket, name);
      }
      objects.clear();
      this.sorted.delete(bucket);
    }
  }

  private objects(bucket: string): Map<string, StoredObject> {
    const objects = this.buckets.get(bucket);
    if (objects === undefined) {
      throw noSuchBucket();
    }
    return objects;
  }

  private sortedNames(bucket: string): string[] {
    let names = this.sorted.get(bucket);
    if (names === undefined) {
      names = [...this.objects(bucket).keys()].sort(compareNames);
      this.sorted.set(bucket, names);
    }
    return names;
  }

  private nextGeneration(): number {
    this.lastGeneration = Math.max(this.lastGeneration + 1, Math.floor(this.wallNow() * 1000));
    return this.lastGeneration;
  }
}

function checkPreconditions(object: StoredObject | undefined, conditions: Preconditions): void {
  const generation = object?.generation ?? 0;
  const { ifGenerationMatch, ifGenerationNotMatch, ifMetagenerationMatch, ifMetagenerationNotMatch } = conditions;
  const holds =
    (ifGenerationMatch === undefined || ifGenerationMatch === generation) &&
    (ifGenerationNotMatch === undefined || ifGenerationNotMatch !== generation) &&
    (ifMetagenerationMatch === undefined || object?.metageneration === ifMetagenerationMatch) &&
    (ifMetagenerationNotMatch === undefined ||
      (object !== undefined && object.metageneration !== ifMetagenerationNotMatch));
  if (!holds) {
    throw preconditionFailed();
  }
}

function checkName(name: string): void {
  if (name === "" || Buffer.byteLength(name) > 1024) {
    throw badRequest("The object name must be 1 to 1024 bytes of UTF-8.");
  }
}

/** Names in the order GCS lists them: by their UTF-8 bytes. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function encodePageToken(lastKey: string): string {
  return Buffer.from(lastKey, "utf8").toString("base64url");
}

function decodePageToken(token: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) {
    throw new GcsError(400, "invalid", "Invalid Value", { locationType: "parameter", location: "pageToken" });
  }
  return Buffer.from(token, "base64url").toString("utf8");
}

/**
 * Objects on disk: `<dir>/<bucket>/<base64url(name)>.data` and `.json` beside it (every other
 * field). base64url keeps any object name a safe, collision-free file name.
 */
export class DiskMirror {
  constructor(private readonly dir: string) {}

  load(bucket: string): StoredObject[] {
    const folder = path.join(this.dir, bucket);
    if (!fs.existsSync(folder)) {
      return [];
    }
    return fs
      .readdirSync(folder)
      .filter((file) => file.endsWith(".json"))
      .map((file) => {
        const stem = path.join(folder, file.slice(0, -".json".length));
        const fields = JSON.parse(fs.readFileSync(`${stem}.json`, "utf8")) as Omit<StoredObject, "data">;
        return { ...fields, data: fs.readFileSync(`${stem}.data`) };
      });
  }

  save(object: StoredObject): void {
    const stem = this.stem(object.bucket, object.name);
    fs.mkdirSync(path.dirname(stem), { recursive: true });
    fs.writeFileSync(`${stem}.data`, object.data);
    const fields = Object.fromEntries(Object.entries(object).filter(([key]) => key !== "data"));
    fs.writeFileSync(`${stem}.json`, JSON.stringify(fields));
  }

  remove(bucket: string, name: string): void {
    const stem = this.stem(bucket, name);
    fs.rmSync(`${stem}.data`, { force: true });
    fs.rmSync(`${stem}.json`, { force: true });
  }

  private stem(bucket: string, name: string): string {
    return path.join(this.dir, bucket, Buffer.from(name, "utf8").toString("base64url"));
  }
}
