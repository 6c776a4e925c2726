import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";

import { requireTool } from "./tools";

const ROOT = path.resolve(__dirname, "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The fenced ```bash block that follows a line containing `marker`. */
function bashBlockAfter(marker: string): string {
  const start = README.indexOf(marker);
  const match = /```bash\n([\s\S]*?)```/.exec(README.slice(start));
  if (start < 0 || !match) {
    throw new Error(`no bash block after ${JSON.stringify(marker)} in README.md`);
  }
  return match[1];
}

/**
 * BSD/macOS `date`: it knows `+%s` but not GNU's `%N`, which it prints as a literal `N`. The
 * README's commands must work with it, since half of the team is on macOS.
 */
const BSD_DATE = `#!/usr/bin/env bash
fmt="\${1#+}"
secs=$(/bin/date +%s)
out="\${fmt//%s/$secs}"
echo "\${out//%N/N}"
`;

interface Received {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

describe("the README's examples, run by bash", () => {
  it("sends a valid OTLP/JSON span with curl, with macOS's date as well as GNU's", async function () {
    requireTool(this, "curl");
    requireTool(this, "openssl", "version");
    // GIVEN a receiver standing in for Tempo's OTLP and query ports, and a BSD-like date first on PATH
    const received: Received[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push({ method: req.method ?? "", url: req.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "tracing-bsd-"));
    fs.writeFileSync(path.join(bin, "date"), BSD_DATE, { mode: 0o755 });
    try {
      const script = bashBlockAfter("Or by hand, with nothing but curl").replace(
        /http:\/\/127\.0\.0\.1:(4318|3200)/g,
        `http://127.0.0.1:${port}`,
      );
      // WHEN the block runs as a user would paste it
      const before = Math.floor(Date.now() / 1000) * 1000;
      const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn("bash", ["-euo", "pipefail", "-c", script], { env: { PATH: `${bin}:/usr/bin:/bin` } });
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("close", (status) => resolve({ status, stderr }));
      });
      // THEN the span is well-formed: 32-hex trace id, nanosecond times 250 ms apart
      expect(run.status, run.stderr).to.equal(0);
      const post = received.find((request) => request.method === "POST");
      expect(post?.url).to.equal("/v1/traces");
      const body = JSON.parse(post?.body ?? "") as {
        resourceSpans: {
          scopeSpans: { spans: { traceId: string; startTimeUnixNano: string; endTimeUnixNano: string }[] }[];
        }[];
      };
      const span = body.resourceSpans[0].scopeSpans[0].spans[0];
      expect(span.traceId).to.match(/^[0-9a-f]{32}$/);
      expect(span.startTimeUnixNano).to.match(/^\d{19}$/);
      expect(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)).to.equal(250_000_000n);
      // (the script's own clock, read while it ran: whole seconds from `date +%s`)
      expect(Number(BigInt(span.startTimeUnixNano) / 1_000_000n)).to.be.within(before, Date.now());
      expect(received.find((request) => request.method === "GET")?.url).to.equal(`/api/v2/traces/${span.traceId}`);
    } finally {
      server.close();
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it("keeps the .env it tells users to write out of git", () => {
    expect(README).to.contain("> .env");
    const check = spawnSync("git", ["check-ignore", "-q", ".env"], { cwd: ROOT });
    expect(check.status, "git check-ignore .env").to.equal(0);
  });
});
