import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { crc32c, encodeCrc32c } from "../scripts/gcsEmulator/crc32c";
import { EmulatorMainDeps, main } from "../scripts/gcsEmulator/main";
import { OperationsReport } from "../scripts/gcsEmulator/operations";
import { EmulatorSettings, GcsEmulator } from "../scripts/gcsEmulator/server";
import { Clock } from "../scripts/verify/poll";

/** Time that moves only when told to, or when the code under test sleeps on it. */
class ManualClock implements Clock {
  private ms = 0;
  readonly sleeps: number[] = [];

  now(): number {
    return this.ms;
  }

  wallNow(): number {
    return EPOCH + this.ms;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.ms += ms;
    return Promise.resolve();
  }

  /** Moves to `ms` after the emulator started. */
  set(ms: number): void {
    this.ms = ms;
  }
}

const BUCKET = "diagramik-traces";
const EPOCH = Date.UTC(2026, 0, 1);

/** The query strings cloud.google.com/go/storage v1.62.1 sends (see scripts/gcsEmulator/routes.ts). */
const GO = {
  bucket: "alt=json&prettyPrint=false&projection=full",
  list: (query: Record<string, string>) =>
    new URLSearchParams({
      alt: "json",
      delimiter: "",
      endOffset: "",
      includeFoldersAsPrefixes: "false",
      includeTrailingDelimiter: "false",
      matchGlob: "",
      pageToken: "",
      prefix: "",
      prettyPrint: "false",
      projection: "full",
      startOffset: "",
      versions: "false",
      ...query,
    }).toString(),
  media: "alt=media&prettyPrint=false&projection=full",
  json: "alt=json&prettyPrint=false",
};

interface Started {
  readonly emulator: GcsEmulator;
  readonly clock: ManualClock;
  readonly log: string[];
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
}

describe("npm run gcs-emulator: a GCS for Tempo that counts operations", () => {
  const running: GcsEmulator[] = [];

  async function start(settings: Partial<EmulatorSettings> = {}): Promise<Started> {
    const clock = new ManualClock();
    const log: string[] = [];
    const emulator = await GcsEmulator.start(
      { port: 0, buckets: [BUCKET], principal: "tempo@p.iam.gserviceaccount.com", log: true, ...settings },
      { clock, wallNow: () => EPOCH + clock.now(), write: (line) => log.push(line) },
    );
    running.push(emulator);
    return { emulator, clock, log, base: emulator.url };
  }

  afterEach(async () => {
    await Promise.all(running.splice(0).map((emulator) => emulator.close()));
  });

  /** `objects.insert` with `uploadType=multipart`, as the Go writer sends an object smaller than its chunk size. */
  function multipartInsert(base: string, name: string, data: Buffer, extra: Record<string, string> = {}) {
    const boundary = "a1b2c3";
    const metadata = JSON.stringify({ bucket: BUCKET, name, crc32c: encodeCrc32c(crc32c(data)), ...extra });
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${metadata}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`),
      data,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const query = new URLSearchParams({
      alt: "json",
      name,
      prettyPrint: "false",
      projection: "full",
      uploadType: "multipart",
    });
    return fetch(`${base}/upload/storage/v1/b/${BUCKET}/o?${query}`, {
      method: "POST",
      headers: { "Content-Type": `multipart/related; boundary=${boundary}` },
      body,
    });
  }

  function objectUrl(base: string, name: string, query: string): string {
    return `${base}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}?${query}`;
  }

  async function list(base: string, query: Record<string, string>): Promise<ListBody> {
    const response = await fetch(`${base}/storage/v1/b/${BUCKET}/o?${GO.list(query)}`);
    expect(response.status).to.equal(200);
    return (await response.json()) as ListBody;
  }

  async function operations(base: string): Promise<OperationsReport> {
    return (await (await fetch(`${base}/_emulator/operations`)).json()) as OperationsReport;
  }

  it("stores a multipart insert as Tempo writes a block, lists it by prefix, serves a byte range and deletes it", async () => {
    // GIVEN an emulator with Tempo's bucket
    const { base } = await start();
    const data = Buffer.from("PAR1 a parquet block, more or less PAR1");
    // WHEN Tempo writes data.parquet of a block
    const inserted = await multipartInsert(base, "traces/single-tenant/0b1e/data.parquet", data);
    // THEN the object comes back with GCS's fields, 64-bit numbers as strings
    expect(inserted.status).to.equal(200);
    const object = (await inserted.json()) as ObjectBody;
    expect(object).to.include({
      kind: "storage#object",
      name: "traces/single-tenant/0b1e/data.parquet",
      bucket: BUCKET,
      size: String(data.length),
      metageneration: "1",
      contentType: "application/octet-stream",
      crc32c: encodeCrc32c(crc32c(data)),
      timeCreated: "2026-01-01T00:00:00.000Z",
    });
    expect(object.generation).to.match(/^\d{16}$/);
    // AND the tenant's listing with delimiter "/" shows the block as a prefix
    const blocks = await list(base, { prefix: "traces/single-tenant/", delimiter: "/" });
    expect(blocks).to.deep.equal({ kind: "storage#objects", prefixes: ["traces/single-tenant/0b1e/"] });
    // AND a ranged read gets those bytes, 206 with Content-Range and the generation
    const ranged = await fetch(objectUrl(base, object.name, GO.media), { headers: { Range: "bytes=5-11" } });
    expect(ranged.status).to.equal(206);
    expect(ranged.headers.get("content-range")).to.equal(`bytes 5-11/${data.length}`);
    expect(ranged.headers.get("x-goog-generation")).to.equal(object.generation);
    expect(Buffer.from(await ranged.arrayBuffer()).toString()).to.equal("a parqu");
    // AND a whole read carries the CRC-32C the Go client checks
    const whole = await fetch(objectUrl(base, object.name, GO.media));
    expect(whole.status).to.equal(200);
    expect(whole.headers.get("x-goog-hash")).to.contain(`crc32c=${object.crc32c}`);
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).to.equal(true);
    // WHEN it is deleted
    const deleted = await fetch(objectUrl(base, object.name, GO.json), { method: "DELETE" });
    // THEN 204, and the listing is empty
    expect(deleted.status).to.equal(204);
    expect(await list(base, { prefix: "traces/" })).to.deep.equal({ kind: "storage#objects" });
  });

  it("assembles a chunked resumable upload from the Go client's POSTs and counts it as one Class A operation", async () => {
    // GIVEN an emulator
    const { base } = await start();
    const data = Buffer.from("0123456789abcdefghij");
    // WHEN the Go writer starts a resumable upload (an object bigger than chunk_buffer_size)
    const query = new URLSearchParams({
      alt: "json",
      name: "traces/t/b/data.parquet",
      prettyPrint: "false",
      projection: "full",
      uploadType: "resumable",
    });
    const initiated = await fetch(`${base}/upload/storage/v1/b/${BUCKET}/o?${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Upload-Content-Type": "application/octet-stream" },
      body: JSON.stringify({ bucket: BUCKET, name: "traces/t/b/data.parquet" }),
    });
    expect(initiated.status).to.equal(200);
    const session = initiated.headers.get("location") ?? "";
    expect(session).to.match(
      new RegExp(`^${base}/upload/storage/v1/b/${BUCKET}/o\\?uploadType=resumable&.*upload_id=`),
    );
    // AND sends two chunks of 8 bytes, then the last 4 with the whole object's CRC-32C
    const chunk = (first: number, last: number, total: string, extra: Record<string, string> = {}) =>
      fetch(session, {
        method: "POST",
        headers: { "Content-Range": `bytes ${first}-${last}/${total}`, "X-GUploader-No-308": "yes", ...extra },
        body: data.subarray(first, last + 1),
      });
    const first = await chunk(0, 7, "*");
    const second = await chunk(8, 15, "*");
    const last = await chunk(16, 19, "20", { "X-Goog-Hash": `crc32c=${encodeCrc32c(crc32c(data))}` });
    // THEN the incomplete chunks are 200 with the 308 override and the range received, as the Go client needs
    expect(first.status).to.equal(200);
    expect(first.headers.get("x-http-status-code-override")).to.equal("308");
    expect(second.headers.get("range")).to.equal("bytes=0-15");
    // AND the last one answers the object
    expect(last.status).to.equal(200);
    expect(((await last.json()) as ObjectBody).size).to.equal("20");
    const read = await fetch(objectUrl(base, "traces/t/b/data.parquet", GO.media));
    expect(Buffer.from(await read.arrayBuffer()).equals(data)).to.equal(true);
    // AND four requests made one insert: one Class A operation
    const counts = await operations(base);
    expect(counts.requests).to.equal(5);
    expect(counts.byMethod).to.deep.equal({ "storage.objects.insert": 1, "storage.objects.get": 1 });
    expect(counts.byClass).to.deep.equal({ A: 1, B: 1, free: 0 });
    expect(counts.resumable).to.deep.equal({ started: 1, chunkRequests: 3, completed: 1 });
  });

  it("answers a real 308 with the range received to a client that does not send X-GUploader-No-308", async () => {
    // GIVEN a resumable session
    const { base } = await start();
    const initiated = await fetch(`${base}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=x`, {
      method: "POST",
    });
    const session = initiated.headers.get("location") ?? "";
    // WHEN a first chunk is PUT, as the JSON API documents it
    const response = await fetch(session, { method: "PUT", headers: { "Content-Range": "bytes 0-2/*" }, body: "abc" });
    // THEN 308 Resume Incomplete with Range: bytes=0-2
    expect(response.status).to.equal(308);
    expect(response.headers.get("range")).to.equal("bytes=0-2");
  });

  it("pages a listing by maxResults, objects and prefixes merged in name order, until no nextPageToken", async () => {
    // GIVEN blocks, each with a meta.json, and an object at the tenant's top
    const { base } = await start();
    for (const name of ["t/a/meta.json", "t/b/meta.json", "t/b/data.parquet", "t/c/meta.json", "t/index.json.gz"]) {
      expect((await multipartInsert(base, name, Buffer.from(name))).status).to.equal(200);
    }
    // WHEN Tempo lists the tenant with delimiter "/", two entries a page
    const pages: ListBody[] = [];
    let pageToken = "";
    do {
      const page = await list(base, { prefix: "t/", delimiter: "/", maxResults: "2", pageToken });
      pages.push(page);
      pageToken = page.nextPageToken ?? "";
    } while (pageToken !== "");
    // THEN the pages hold two entries each, prefixes and objects together, each block once
    expect(
      pages.map((page) => [...(page.prefixes ?? []), ...(page.items ?? []).map((item) => item.name)]),
    ).to.deep.equal([
      ["t/a/", "t/b/"],
      ["t/c/", "t/index.json.gz"],
    ]);
    // AND without a delimiter every object is listed, by name
    const flat = await list(base, { prefix: "t/" });
    expect((flat.items ?? []).map((item) => item.name)).to.deep.equal([
      "t/a/meta.json",
      "t/b/data.parquet",
      "t/b/meta.json",
      "t/c/meta.json",
      "t/index.json.gz",
    ]);
  });

  it("lists one shard of block ids between startOffset (inclusive) and endOffset (exclusive), as ListBlocks does", async () => {
    // GIVEN three blocks
    const { base } = await start();
    for (const id of ["00000000", "55555555", "aaaaaaaa"]) {
      await multipartInsert(base, `t/${id}/meta.json`, Buffer.from("{}"));
    }
    // WHEN the middle shard [t/55555555, t/aaaaaaaa) is listed
    const shard = await list(base, { prefix: "t/", startOffset: "t/55555555", endOffset: "t/aaaaaaaa" });
    // THEN only the block at its start is in it
    expect((shard.items ?? []).map((item) => item.name)).to.deep.equal(["t/55555555/meta.json"]);
  });

  it("answers a missing object and a missing bucket with GCS's 404 JSON", async () => {
    // GIVEN an emulator with one bucket
    const { base } = await start();
    // WHEN a missing object's meta.json and another bucket are read
    const object = await fetch(objectUrl(base, "t/none/meta.json", GO.media));
    const bucket = await fetch(`${base}/storage/v1/b/other-bucket?${GO.bucket}`);
    // THEN both are 404 with the error document the Go client turns into ErrObjectNotExist / ErrBucketNotExist
    expect(object.status).to.equal(404);
    expect(await object.json()).to.deep.equal({
      error: {
        code: 404,
        message: `No such object: ${BUCKET}/t/none/meta.json`,
        errors: [{ message: `No such object: ${BUCKET}/t/none/meta.json`, domain: "global", reason: "notFound" }],
      },
    });
    expect(bucket.status).to.equal(404);
    expect(((await bucket.json()) as ErrorBody).error.message).to.equal("The specified bucket does not exist.");
  });

  it("refuses an insert whose ifGenerationMatch does not hold, and one whose CRC-32C does not match its bytes", async () => {
    // GIVEN an object
    const { base } = await start();
    const first = (await (await multipartInsert(base, "o", Buffer.from("v1"))).json()) as ObjectBody;
    // WHEN it is written again "only if it does not exist" (Tempo's DoesNotExist), and then at its generation
    const conflict = await fetch(
      `${base}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=o&ifGenerationMatch=0`,
      { method: "POST", body: "v2" },
    );
    const matched = await fetch(
      `${base}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=o&ifGenerationMatch=${first.generation}`,
      { method: "POST", body: "v2" },
    );
    // THEN the first is 412, the second a newer generation
    expect(conflict.status).to.equal(412);
    expect(((await conflict.json()) as ErrorBody).error.errors[0].reason).to.equal("conditionNotMet");
    const second = (await matched.json()) as ObjectBody;
    expect(BigInt(second.generation) > BigInt(first.generation)).to.equal(true);
    // AND a multipart insert claiming another CRC-32C is refused with 400
    const corrupt = await multipartInsert(base, "p", Buffer.from("bytes"), { crc32c: "AAAAAA==" });
    expect(corrupt.status).to.equal(400);
  });

  it("rewrites meta.json to meta.compacted.json as MarkBlockCompacted does", async () => {
    // GIVEN a block's meta.json
    const { base } = await start();
    await multipartInsert(base, "t/b/meta.json", Buffer.from('{"blockID":"b"}'));
    // WHEN the compactor copies it over (objects.rewrite) and deletes the original
    const rewrite = await fetch(
      `${base}/storage/v1/b/${BUCKET}/o/${encodeURIComponent("t/b/meta.json")}/rewriteTo/b/${BUCKET}/o/${encodeURIComponent("t/b/meta.compacted.json")}?alt=json&prettyPrint=false&projection=full`,
      { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" },
    );
    await fetch(objectUrl(base, "t/b/meta.json", GO.json), { method: "DELETE" });
    // THEN the rewrite is done in one call, and only the compacted meta is left
    expect(rewrite.status).to.equal(200);
    expect(await rewrite.json()).to.deep.include({ kind: "storage#rewriteResponse", done: true, objectSize: "15" });
    const left = await list(base, { prefix: "t/" });
    expect((left.items ?? []).map((item) => item.name)).to.deep.equal(["t/b/meta.compacted.json"]);
  });

  it("counts each request by JSON API method and pricing class, and not the admin endpoints", async () => {
    // GIVEN an emulator
    const { base, log } = await start();
    // WHEN Tempo's start and one flush happen: bucket attrs, a list, an insert, two reads (one missing), a delete
    await fetch(`${base}/storage/v1/b/${BUCKET}?${GO.bucket}`);
    await list(base, { prefix: "t/", delimiter: "/" });
    await multipartInsert(base, "t/b/meta.json", Buffer.from("{}"));
    await fetch(objectUrl(base, "t/b/meta.json", GO.media));
    await fetch(objectUrl(base, "t/b/none", GO.media));
    await fetch(objectUrl(base, "t/b/meta.json", GO.json), { method: "DELETE" });
    await fetch(`${base}/_emulator/objects`);
    // THEN A: list + insert, B: bucket get + two object gets, free: delete; the 404 is a failed B
    const counts = await operations(base);
    expect(counts).to.deep.include({
      requests: 6,
      byClass: { A: 2, B: 3, free: 1 },
      failed: { A: 0, B: 1, free: 0 },
      denied: 0,
      unrouted: 0,
      since: "2026-01-01T00:00:00.000Z",
    });
    expect(counts.byMethod).to.deep.equal({
      "storage.buckets.get": 1,
      "storage.objects.list": 1,
      "storage.objects.insert": 1,
      "storage.objects.get": 2,
      "storage.objects.delete": 1,
    });
    // AND --log wrote one line per storage request with its method, class and status
    expect(log).to.have.length(6);
    expect(log[0]).to.match(/^GET \/storage\/v1\/b\/diagramik-traces\?\S+ storage\.buckets\.get B 200 \d+ms$/);
    expect(log[4]).to.match(/ storage\.objects\.get B 404 /);
  });

  it("answers every storage request 403 with GCS's permission error until exactly --deny-for after start", async () => {
    // GIVEN an emulator that denies for 300 s
    const { base, clock } = await start({ denyForMs: 300_000 });
    // WHEN Tempo asks for the bucket's attributes at start, just before 300 s, and at 300 s
    const atStart = await fetch(`${base}/storage/v1/b/${BUCKET}?${GO.bucket}`);
    clock.set(299_999);
    const justBefore = await fetch(objectUrl(base, "t/b/meta.json", GO.media));
    const adminDuring = await fetch(`${base}/_emulator/operations`);
    clock.set(300_000);
    const atEnd = await fetch(`${base}/storage/v1/b/${BUCKET}?${GO.bucket}`);
    // THEN 403 with the message GCS sends while the binding propagates, naming the permission
    expect(atStart.status).to.equal(403);
    const message =
      "tempo@p.iam.gserviceaccount.com does not have storage.buckets.get access to the Google Cloud Storage bucket. Permission 'storage.buckets.get' denied on resource (or it may not exist).";
    expect(await atStart.json()).to.deep.equal({
      error: { code: 403, message, errors: [{ message, domain: "global", reason: "forbidden" }] },
    });
    expect(justBefore.status).to.equal(403);
    expect(((await justBefore.json()) as ErrorBody).error.message).to.contain(
      "does not have storage.objects.get access to the Google Cloud Storage object",
    );
    // AND the admin endpoints answer throughout, and the bucket at 300 s
    expect(adminDuring.status).to.equal(200);
    expect(atEnd.status).to.equal(200);
    expect(await operations(base)).to.deep.include({ requests: 3, denied: 2, failed: { A: 0, B: 2, free: 0 } });
  });

  it("opens a deny window at run time with POST /_emulator/deny, and ends it with seconds=0", async () => {
    // GIVEN an emulator that serves
    const { base, clock } = await start();
    // WHEN a 60 s window opens at 10 s
    clock.set(10_000);
    const opened = await fetch(`${base}/_emulator/deny?seconds=60`, { method: "POST" });
    clock.set(69_999);
    const inside = await fetch(`${base}/storage/v1/b/${BUCKET}?${GO.bucket}`);
    clock.set(70_000);
    const after = await fetch(`${base}/storage/v1/b/${BUCKET}?${GO.bucket}`);
    // AND another opens and is ended at once
    await fetch(`${base}/_emulator/deny?seconds=600`, { method: "POST" });
    await fetch(`${base}/_emulator/deny?seconds=0`, { method: "POST" });
    const ended = await fetch(`${base}/storage/v1/b/${BUCKET}?${GO.bucket}`);
    // THEN the window is [10 s, 70 s), and ending it serves again
    expect(await opened.json()).to.deep.equal({ deniedForSeconds: 60 });
    expect([inside.status, after.status, ended.status]).to.deep.equal([403, 200, 200]);
    expect((await fetch(`${base}/_emulator/deny?seconds=soon`, { method: "POST" })).status).to.equal(400);
  });

  it("delays every storage answer by --latency-ms on its clock, and not the admin endpoints", async () => {
    // GIVEN 250 ms of latency
    const { base, clock } = await start({ latencyMs: 250 });
    // WHEN a storage request and an admin request are made
    await fetch(`${base}/storage/v1/b/${BUCKET}?${GO.bucket}`);
    await fetch(`${base}/_emulator/operations`);
    // THEN one 250 ms wait happened, on the clock
    expect(clock.sleeps).to.deep.equal([250]);
  });

  it("sets the counts to zero on reset and keeps the objects, unless asked to drop them", async () => {
    // GIVEN counted requests and an object
    const { base, clock } = await start();
    await multipartInsert(base, "o", Buffer.from("x"));
    clock.set(5_000);
    // WHEN the counts are reset
    await fetch(`${base}/_emulator/reset`, { method: "POST" });
    // THEN they start again from zero, from now, and the object is still there
    expect(await operations(base)).to.deep.include({
      requests: 0,
      byClass: { A: 0, B: 0, free: 0 },
      since: "2026-01-01T00:00:05.000Z",
    });
    expect(
      ((await (await fetch(`${base}/_emulator/objects`)).json()) as { objects: unknown[] }).objects,
    ).to.have.length(1);
    // AND with objects=true the object goes too
    await fetch(`${base}/_emulator/reset?objects=true`, { method: "POST" });
    expect(((await (await fetch(`${base}/_emulator/objects`)).json()) as { objects: unknown[] }).objects).to.deep.equal(
      [],
    );
  });

  it("keeps objects in --dir across a restart", async () => {
    // GIVEN an emulator keeping objects in a directory, with one block written
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gcs-emulator-"));
    try {
      const first = await start({ dir });
      await multipartInsert(first.base, "t/b/meta.json", Buffer.from('{"v":1}'));
      await first.emulator.close();
      // WHEN a new emulator starts on the same directory
      const second = await start({ dir });
      // THEN the block is listed and readable
      const read = await fetch(objectUrl(second.base, "t/b/meta.json", GO.media));
      expect(await read.text()).to.equal('{"v":1}');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("main", () => {
    function deps(
      stop: AbortController,
      out: string[],
      onListening?: (emulator: GcsEmulator) => void,
    ): EmulatorMainDeps {
      const clock = new ManualClock();
      return {
        clock,
        wallNow: () => EPOCH,
        write: (line) => out.push(line),
        writeError: (line) => out.push(line),
        stop: stop.signal,
        ...(onListening ? { onListening } : {}),
      };
    }

    it("prints the usage for --help and exits 0; exits 2 with the usage when called wrongly", async () => {
      const out: string[] = [];
      expect(await main(["--help"], deps(new AbortController(), out))).to.equal(0);
      expect(out.join("\n")).to.contain("storage.trace.gcs.endpoint: http://127.0.0.1:<port>/storage/v1/");
      const wrong: string[] = [];
      expect(await main(["--port", "4443"], deps(new AbortController(), wrong))).to.equal(2);
      expect(wrong[0]).to.equal("gcs-emulator: --bucket: at least one bucket is needed");
      expect(await main(["--bucket", BUCKET, "--deny-for", "-1"], deps(new AbortController(), []))).to.equal(2);
    });

    it("serves until stopped, says what Tempo's endpoint is, and prints the counts when it stops", async () => {
      // GIVEN the command on a free port
      const stop = new AbortController();
      const out: string[] = [];
      let endpoint = "";
      const run = main(
        ["--bucket", BUCKET, "--port", "0"],
        deps(stop, out, (emulator) => {
          endpoint = emulator.endpoint;
          void fetch(`${endpoint}b/${BUCKET}?${GO.bucket}`).then(() => stop.abort());
        }),
      );
      // WHEN it has served one request and is stopped
      const code = await run;
      // THEN it exits 0, having named the endpoint and the one Class B operation
      expect(code).to.equal(0);
      expect(out[1]).to.equal(`gcs-emulator: Tempo's storage.trace.gcs: endpoint: ${endpoint}, insecure: true`);
      expect(JSON.parse(out[out.length - 1].replace(/^gcs-emulator: /, ""))).to.deep.include({
        byClass: { A: 0, B: 1, free: 0 },
      });
    });
  });
});

interface ObjectBody {
  readonly name: string;
  readonly generation: string;
  readonly size: string;
  readonly crc32c: string;
}

interface ListBody {
  readonly kind: string;
  readonly items?: readonly ObjectBody[];
  readonly prefixes?: readonly string[];
  readonly nextPageToken?: string;
}

interface ErrorBody {
  readonly error: {
    readonly code: number;
    readonly message: string;
    readonly errors: readonly { readonly reason: string }[];
  };
}
