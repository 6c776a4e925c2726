import { expect } from "chai";
import { spawn } from "node:child_process";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import {
  ACCESS_CHECK,
  ACCESS_URLS,
  METADATA_TOKEN_URL,
  accessCheckEnvironment,
  renderAccessCheckScript,
} from "../config/files/accessCheck";
import { requireTool } from "./tools";

/**
 * The access check script, run by the system's POSIX sh with the real curl against a stand-in
 * for the metadata server and for Google's APIs on loopback. Each API path refuses a request
 * with 403, as IAM does before a grant has taken effect, for as many requests as a test says,
 * then answers 200: which attempt passes is decided by counting, never by the machine's speed.
 */
interface Stand {
  readonly url: string;
  /** Requests per path, and the tokens they carried. */
  readonly seen: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

async function standIn(answers: Record<string, (count: number) => number>): Promise<Stand> {
  const seen: Stand["seen"] = [];
  let tokens = 0;
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/token") {
      tokens += 1;
      const flavour = req.headers["metadata-flavor"];
      res.writeHead(flavour === "Google" ? 200 : 403, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: `ya29.token-${tokens}`, expires_in: 3599, token_type: "Bearer" }));
      return;
    }
    const count = (counts.get(path) ?? 0) + 1;
    counts.set(path, count);
    seen.push({ path, authorization: req.headers.authorization });
    const status = answers[path]?.(count) ?? 404;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(status === 200 ? "{}" : JSON.stringify({ error: { code: status, message: "Permission denied" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Runs the script as the job would: `sh -c <script>` with the environment the job sets. */
function runScript(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", renderAccessCheckScript()], { env: { PATH: process.env.PATH ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the access check, run by sh with curl against stand-ins for Google's APIs", function () {
  let stand: Stand | undefined;

  beforeEach(function () {
    requireTool(this, "curl");
  });

  afterEach(async () => {
    await stand?.close();
    stand = undefined;
  });

  function env(paths: string[], settings: Partial<typeof ACCESS_CHECK> = {}): Record<string, string> {
    const base = stand?.url ?? "";
    return {
      ...accessCheckEnvironment(
        paths.map((path) => `${base}${path}`),
        { ...ACCESS_CHECK, intervalSeconds: 0, timeoutSeconds: 600, ...settings },
      ),
      TOKEN_URL: `${base}/token`,
    };
  }

  it("waits through IAM's refusals and passes on three whole passes in a row, with a fresh token each time", async () => {
    // GIVEN the bucket refusing its first 4 requests and a secret its first 2, as while a grant propagates
    stand = await standIn({ "/bucket": (n) => (n <= 4 ? 403 : 200), "/secret": (n) => (n <= 2 ? 403 : 200) });

    // WHEN the check runs
    const run = await runScript(env(["/bucket", "/secret"]));

    // THEN it passed on attempt 7 (4 refused, then 3 in a row), asking with the metadata server's token
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include("attempt 4: not yet: ");
    expect(run.stdout).to.include("/bucket (403)");
    expect(run.stdout).to.include("attempt 7: every check answered 200 (3 of 3 in a row)");
    expect(run.stdout.trim().split("\n").pop()).to.equal("access check passed: the grants are in effect");
    expect(stand.seen.filter((s) => s.path === "/bucket")).to.have.length(7);
    expect(stand.seen[0].authorization).to.equal("Bearer ya29.token-1");
    expect(stand.seen[stand.seen.length - 1].authorization).to.equal("Bearer ya29.token-7");
  });

  it("starts counting again when a refusal comes after a pass: one front end may not have the grant yet", async () => {
    stand = await standIn({ "/bucket": (n) => (n === 2 ? 403 : 200) });

    const run = await runScript(env(["/bucket"]));

    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include("attempt 1: every check answered 200 (1 of 3 in a row)");
    expect(run.stdout).to.include("attempt 2: not yet:");
    expect(run.stdout).to.include("attempt 5: every check answered 200 (3 of 3 in a row)");
  });

  it("fails, exit 1, naming what is still refused, once its time is up", async () => {
    stand = await standIn({ "/bucket": () => 403, "/secret": () => 200 });

    const run = await runScript(env(["/bucket", "/secret"], { timeoutSeconds: 0 }));

    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(
      /access check failed: not 3 passes in a row within 0 s; last attempt refused: http:\/\/127\.0\.0\.1:\d+\/bucket \(403\)/,
    );
  });

  it("asks Google's APIs by default, and the metadata server for the account's token", () => {
    expect(METADATA_TOKEN_URL).to.equal(
      "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token",
    );
    expect(ACCESS_URLS.bucket("diagramik-traces")).to.equal(
      "https://storage.googleapis.com/storage/v1/b/diagramik-traces?fields=name",
    );
    expect(ACCESS_URLS.secret("projects/123/secrets/tempo-config")).to.equal(
      "https://secretmanager.googleapis.com/v1/projects/123/secrets/tempo-config/versions/latest:access",
    );
    expect(() => accessCheckEnvironment(["https://example.com/a b"])).to.throw(
      "is not a URL the script can pass to curl",
    );
  });
});
