import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { PROD_PROXY, PROXY_ROUTES, renderProxyAuth, renderProxyConfig } from "../config/files/proxyConfig";
import { TEMPO_PORTS } from "../config/constants/ports";

/*
 * The ingress proxy's routes, proved against the real nginx (Debian's package; .ci/run
 * installs it). Two stub upstreams stand in for Tempo's OTLP receiver and query API; each
 * answers with its own name and what it received.
 */

const TOKEN = "T".repeat(16) + "0123456789abcdefghij";

/**
 * The query limit, slowed to one request a minute beyond a burst of 8, so that which request is
 * refused is decided by counting, never by how fast this machine sends them.
 */
const TEST_LIMIT = { rate: "1r/m", burst: 8 };

function nginxBinary(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v nginx || ls /usr/sbin/nginx"], { encoding: "utf8" });
  const binary = found.stdout.trim().split("\n")[0];
  return found.status === 0 && binary ? binary : undefined;
}

interface Seen {
  upstream: string;
  method: string;
  url: string;
  authorization: string | null;
}

function stub(name: string, seen: Seen[]): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({
        upstream: name,
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization ?? null,
      });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ upstream: name }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function portOf(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}

function freePort(): Promise<number> {
  const server = http.createServer();
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = portOf(server);
      server.close(() => resolve(port));
    }),
  );
}

async function request(port: number, method: string, url: string, token?: string) {
  const response = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: method === "POST" ? "{}" : undefined,
  });
  const body = await response.text();
  return { status: response.status, body };
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`nginx did not listen on ${port}`);
}

describe("ingress proxy config", () => {
  it("routes OTLP to the receiver and the query API to port 3200 in the prod stack", () => {
    const config = renderProxyConfig(PROD_PROXY);
    expect(config).to.contain("listen 8080;");
    expect(config).to.contain(
      `location = /v1/traces {\n        limit_except POST { deny all; }\n        proxy_pass http://127.0.0.1:${TEMPO_PORTS.otlpHttp};`,
    );
    expect(config).to.contain(
      `location /api/ {\n        limit_req zone=tempo_query burst=200 nodelay;\n        proxy_pass http://127.0.0.1:${TEMPO_PORTS.http};`,
    );
    expect(config).to.contain("include /etc/nginx/tempo-auth/auth.conf;");
  });

  it("limits only the query API, in prod to far more than people and the commands ask", () => {
    const config = renderProxyConfig(PROD_PROXY);
    expect(config).to.include("limit_req_zone $server_name zone=tempo_query:1m rate=100r/s;");
    expect(config.match(/limit_req zone=/g)).to.have.length(1);
  });

  it("refuses a token that could break out of the nginx string", () => {
    expect(() => renderProxyAuth('abc" 1; default 1; "')).to.throw("at least 32 letters and digits");
    expect(() => renderProxyAuth("short")).to.throw();
  });
});

describe("ingress proxy against the real nginx", function () {
  const seen: Seen[] = [];
  let otlp: http.Server;
  let query: http.Server;
  let nginx: ChildProcess | undefined;
  let dir: string;
  let port: number;

  before(async function () {
    const binary = nginxBinary();
    if (!binary) {
      if (process.env.TRACING_REQUIRE_NGINX === "1") {
        throw new Error("nginx is not installed; .ci/run installs it with apt-get");
      }
      console.log("      (nginx not installed: `apt-get install nginx` to run these)");
      this.skip();
    }
    otlp = await stub("otlp", seen);
    query = await stub("query", seen);
    port = await freePort();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-"));
    fs.chmodSync(dir, 0o755);
    const authFile = path.join(dir, "auth.conf");
    fs.writeFileSync(authFile, renderProxyAuth(TOKEN));
    const upstreamPorts: Record<string, number> = {};
    for (const route of PROXY_ROUTES) {
      upstreamPorts[route.location] = route.upstreamPort === TEMPO_PORTS.otlpHttp ? portOf(otlp) : portOf(query);
    }
    fs.writeFileSync(
      path.join(dir, "tempo.conf"),
      renderProxyConfig({
        listenPort: port,
        upstreamHost: "127.0.0.1",
        upstreamPorts,
        authFile,
        queryLimit: TEST_LIMIT,
      }),
    );
    // A main file like the image's: the generated file is included at http level.
    const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
    fs.writeFileSync(
      path.join(dir, "nginx.conf"),
      [
        "daemon off;",
        "worker_processes 1;",
        `pid ${path.join(dir, "nginx.pid")};`,
        `error_log ${path.join(dir, "error.log")} warn;`,
        "events {}",
        "http {",
        "    access_log off;",
        `    ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}`,
        `    include ${path.join(dir, "tempo.conf")};`,
        "}",
      ].join("\n"),
    );
    const check = spawnSync(binary as string, ["-t", "-p", dir, "-c", path.join(dir, "nginx.conf")], {
      encoding: "utf8",
    });
    expect(check.status, check.stderr).to.equal(0);
    nginx = spawn(binary as string, ["-p", dir, "-c", path.join(dir, "nginx.conf")], { stdio: "ignore" });
    await waitForPort(port);
  });

  after(() => {
    nginx?.kill("SIGTERM");
    otlp?.close();
    query?.close();
    if (dir) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  beforeEach(() => {
    seen.length = 0;
  });

  it("passes OTLP trace posts to the OTLP receiver, without the credential", async () => {
    const response = await request(port, "POST", "/v1/traces", TOKEN);
    expect(response).to.deep.equal({ status: 200, body: '{"upstream":"otlp"}' });
    expect(seen).to.deep.equal([{ upstream: "otlp", method: "POST", url: "/v1/traces", authorization: null }]);
  });

  it("passes query API calls to the query port with their path and query string", async () => {
    const search = await request(port, "GET", "/api/search?q=%7B%7D&limit=5", TOKEN);
    const trace = await request(port, "GET", "/api/v2/traces/0af7651916cd43dd8448eb211c80319c", TOKEN);
    const ready = await request(port, "GET", "/ready", TOKEN);
    expect([search.body, trace.body, ready.body]).to.deep.equal(Array(3).fill('{"upstream":"query"}'));
    expect(seen.map((s) => `${s.upstream} ${s.url}`)).to.deep.equal([
      "query /api/search?q=%7B%7D&limit=5",
      "query /api/v2/traces/0af7651916cd43dd8448eb211c80319c",
      "query /ready",
    ]);
  });

  it("answers 401 without the token or with a wrong one, and reaches no upstream", async () => {
    expect((await request(port, "POST", "/v1/traces")).status).to.equal(401);
    expect((await request(port, "GET", "/api/search?q=%7B%7D", "x".repeat(36))).status).to.equal(401);
    expect((await request(port, "GET", "/ready")).status).to.equal(401);
    expect(seen).to.deep.equal([]);
  });

  it("holds the query API to its rate limit with 429, and lets nobody without the token use up the budget", async () => {
    // GIVEN many requests without the token: each answered 401, none counted against the limit
    for (let i = 0; i < 20; i++) {
      expect((await request(port, "GET", "/api/search?q=%7B%7D", "x".repeat(36))).status).to.equal(401);
    }
    // WHEN callers with the token ask more than the burst allows within the minute
    const statuses: number[] = [];
    for (let i = 0; i < TEST_LIMIT.burst + 4; i++) {
      statuses.push((await request(port, "GET", "/api/search?q=%7B%7D", TOKEN)).status);
    }
    // THEN the burst is served (less what earlier tests of this server used), then 429s, and
    // ingest is not limited by it
    const served = statuses.filter((status) => status === 200).length;
    expect(served).to.be.within(1, TEST_LIMIT.burst + 1);
    expect(statuses.slice(served)).to.deep.equal(Array(statuses.length - served).fill(429));
    expect((await request(port, "POST", "/v1/traces", TOKEN)).status).to.equal(200);
  });

  it("refuses other methods on the ingest path and hides everything else", async () => {
    expect((await request(port, "GET", "/v1/traces", TOKEN)).status).to.equal(403);
    expect((await request(port, "GET", "/metrics", TOKEN)).status).to.equal(404);
    expect((await request(port, "GET", "/status/config", TOKEN)).status).to.equal(404);
    expect(seen).to.deep.equal([]);
  });
});
