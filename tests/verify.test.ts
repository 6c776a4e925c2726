import { expect } from "chai";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { parseOtlpHeadersEnv } from "../scripts/verify/headers";
import { MainDeps, main, realDeps } from "../scripts/verify/main";
import { PulumiRunner, pulumiCli } from "../scripts/verify/stackOutputs";
import { Clock, pollUntil } from "../scripts/verify/poll";
import { sameTraceId } from "../scripts/verify/traceId";
import { searchPollInterval } from "../scripts/verify/freshness";
import { parse as parseYaml } from "yaml";
import { tempoSettingsFor } from "../config/stack/stackFiles";
import { renderTempoYaml } from "../config/files/tempoConfig";
import { freshnessOf, searchFreshness, tempoSearchWithinSeconds } from "../config/files/tempoFreshness";
import { loadStackConfig } from "../config/stack/stackConfig";
import { stackFileSource } from "../config/stack/stackFile";
import {
  INSTANT_SEARCH,
  LOCAL_FRESHNESS,
  StubBehaviour,
  StubOptions,
  StubUrls,
  TEMPO_DEFAULT_SEARCH,
  TracingStub,
  unusedPortUrl,
} from "./stubs/tempoStub";
import { VirtualTime } from "./stubs/virtualTime";

const ROOT = path.resolve(__dirname, "..");

/** No Pulumi CLI on this machine, whatever the real one has. */
const noPulumi: PulumiRunner = () => Promise.resolve(undefined);

interface Run {
  readonly code: number;
  readonly output: string;
}

/**
 * Runs verify in-process, as `npm run verify -- <argv>` would, capturing every line. Its waits
 * run on `time`, the stub's time line, so Tempo's search delays cost no real time.
 */
async function verify(
  argv: readonly string[],
  options: { env?: Record<string, string>; pulumi?: PulumiRunner; time?: VirtualTime } = {},
): Promise<Run> {
  const lines: string[] = [];
  const deps: MainDeps = {
    ...realDeps,
    clock: (options.time ?? time).clock,
    write: (line) => lines.push(line),
    writeError: (line) => lines.push(line),
    pulumi: options.pulumi ?? noPulumi,
  };
  const code = await main(argv, options.env ?? {}, deps);
  return { code, output: lines.join("\n") };
}

function flags(urls: StubUrls, ...extra: string[]): string[] {
  return ["--otlp", urls.otlpUrl, "--tempo", urls.tempoUrl, "--grafana", urls.grafanaUrl, ...extra];
}

const LOGIN = ["--grafana-user", "admin", "--grafana-password", "s3cret"];
/** Short, for the failing cases. */
const SHORT = ["--timeout", "0.3"];
/** How a measured duration is printed; its value is never asserted. */
const DURATION = "(\\d+ ms|\\d+\\.\\d s)";

/** The time line of the current test's stub and verify run. */
let time = new VirtualTime();

describe("npm run verify", () => {
  let running: TracingStub | undefined;

  /** A stub on a fresh virtual time line, unless `options` give it another clock. */
  async function withStub(
    behaviour: Partial<StubBehaviour> = {},
    options: StubOptions = {},
  ): Promise<TracingStub & StubUrls> {
    time = new VirtualTime();
    const stub = await TracingStub.start(behaviour, { now: time.wallNow, sleep: time.sleep, ...options });
    running = stub;
    return stub;
  }

  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  describe("when every link works", () => {
    it("passes all six steps, exits 0 and reports when the trace became visible", async () => {
      // GIVEN Tempo and Grafana up, with the Tempo data source provisioned
      const stub = await withStub();

      // WHEN verify runs with a Grafana login
      const run = await verify(flags(stub, ...LOGIN));

      // THEN every step passes, in order, and the summary names the trace
      expect(run.code, run.output).to.equal(0);
      const steps = run.output.split("\n").filter((line) => /^. \[\d\/6\]/.test(line));
      expect(steps.map((line) => line.replace(/ \(\d+(\.\d)? m?s\)$/, ""))).to.deep.equal([
        "✔ [1/6] OTLP endpoint reachable, Tempo ready",
        "✔ [2/6] test span exported",
        "✔ [3/6] trace stored in Tempo",
        "✔ [4/6] TraceQL search finds the trace",
        "✔ [5/6] TraceQL metrics count it",
        "✔ [6/6] Grafana healthy, Tempo data source provisioned",
      ]);
      const [span] = stub.spans;
      expect(run.output).to.match(new RegExp(`visible after ${DURATION} at /api/v2/traces/${span.traceId}`));
      expect(run.output).to.include('{resource.service.name="diagram-agent"} lists it');
      expect(run.output).to.include('{resource.service.name="diagram-agent" && span.agent.has_history=true} lists it');
      expect(run.output).to.include('data source uid "tempo" is type tempo');
      expect(run.output).to.match(
        /\{resource\.service\.name="diagram-agent"\} \| count_over_time\(\) counts 1 span\(s\)/,
      );
      const metrics = stub.tempoRequests.filter((request) => request.startsWith("/api/metrics/query_range?"));
      const params = new URLSearchParams(metrics[metrics.length - 1].split("?")[1]);
      expect(params.get("step")).to.equal("1s");
      expect(Number(params.get("end")) - Number(params.get("start"))).to.equal(360);
      expect(run.output).to.match(
        new RegExp(`verify passed: 6/6 steps; trace ${span.traceId} visible after ${DURATION}$`),
      );
    });

    it("sends the agent's span through the official SDK as OTLP/JSON", async () => {
      const stub = await withStub();

      await verify(flags(stub, "--service-name", "diagram-agent-ci"));

      expect(stub.spans).to.have.length(1);
      expect(stub.spans[0]).to.include({ name: "agent.generate_diagram", serviceName: "diagram-agent-ci" });
      expect(stub.spans[0].attributes).to.deep.equal({ "agent.has_history": true });
      expect(stub.spans[0].traceId).to.match(/^[0-9a-f]{32}$/);
    });

    it("searches with both of the guide's TraceQL queries over a window around the span", async () => {
      const stub = await withStub();

      await verify(flags(stub));

      const searches = stub.tempoRequests
        .filter((request) => request.startsWith("/api/search?"))
        .map((request) => new URLSearchParams(request.slice("/api/search?".length)));
      expect([...new Set(searches.map((params) => params.get("q")))]).to.deep.equal([
        '{resource.service.name="diagram-agent"}',
        '{resource.service.name="diagram-agent" && span.agent.has_history=true}',
      ]);
      const now = time.clock.wallNow() / 1000;
      for (const params of searches) {
        expect(Number(params.get("start")))
          .to.be.below(now)
          .and.above(now - 600);
        expect(Number(params.get("end"))).to.be.above(now);
      }
    });

    it("falls back to /api/traces when Tempo does not serve /api/v2/traces", async () => {
      const stub = await withStub({ serveV2: false });

      const run = await verify(flags(stub));

      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.match(new RegExp(`visible after ${DURATION} at /api/traces/[0-9a-f]{32}`));
    });

    it("sends the OTLP headers from flags and OTEL_EXPORTER_OTLP_HEADERS, and the Tempo headers", async () => {
      // GIVEN an ingress that checks a credential on each side
      const stub = await withStub({
        requiredOtlpHeaders: { authorization: "Bearer otlp-token", "x-scope-orgid": "agent team" },
        requiredTempoHeaders: { authorization: "Bearer query-token" },
      });

      const run = await verify(
        flags(
          stub,
          "--otlp-header",
          "Authorization=Bearer otlp-token",
          "--tempo-header",
          "Authorization=Bearer query-token",
        ),
        { env: { OTEL_EXPORTER_OTLP_HEADERS: "X-Scope-OrgID=agent%20team" } },
      );

      expect(run.code, run.output).to.equal(0);
    });

    it("reads the endpoints, the Grafana login and the service name from the stack's outputs", async () => {
      const stub = await withStub({ grafanaLogin: { user: "ops", password: "from-pulumi" } });
      const calls: string[][] = [];
      const pulumi: PulumiRunner = (args) => {
        calls.push([...args]);
        return Promise.resolve(
          JSON.stringify({
            otlpHttpEndpoint: stub.otlpUrl,
            tempoQueryUrl: stub.tempoUrl,
            grafanaUrl: stub.grafanaUrl,
            grafanaAdminUser: "ops",
            grafanaAdminPassword: "from-pulumi",
            agentEnv: { OTEL_SERVICE_NAME: "diagram-agent-local" },
          }),
        );
      };

      const run = await verify(["--stack", "local"], { pulumi });

      expect(run.code, run.output).to.equal(0);
      expect(calls).to.deep.equal([["stack", "output", "--json", "--show-secrets", "-s", "local"]]);
      expect(stub.spans[0].serviceName).to.equal("diagram-agent-local");
      expect(run.output).to.include('data source uid "tempo" is type tempo');
    });

    it("uses the prod stack's agentOtlpHeaders for ingest and for the query API", async () => {
      // GIVEN Tempo behind the prod ingress proxy, which wants the agents' token on every path
      const stub = await withStub({
        requiredOtlpHeaders: { authorization: "Bearer prod-token" },
        requiredTempoHeaders: { authorization: "Bearer prod-token" },
      });
      const pulumi: PulumiRunner = () =>
        Promise.resolve(
          JSON.stringify({
            otlpHttpEndpoint: stub.otlpUrl,
            tempoQueryUrl: stub.tempoUrl,
            agentOtlpHeaders: "Authorization=Bearer%20prod-token",
          }),
        );

      const run = await verify(["--stack", "prod"], { pulumi });

      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.match(/verify passed: 5\/6 steps, 1 skipped;/);
    });

    it("skips the data source check, without failing, when no Grafana login is given", async () => {
      const stub = await withStub();

      const run = await verify(flags(stub));

      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include(
        "data source check skipped: no Grafana login (--grafana-password or GRAFANA_PASSWORD)",
      );
      expect(run.output).to.match(/verify passed: 6\/6 steps;/);
    });

    it("skips step 6 with a note when no Grafana URL is known", async () => {
      const stub = await withStub();

      const run = await verify(["--otlp", stub.otlpUrl, "--tempo", stub.tempoUrl]);

      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include(
        "- [6/6] Grafana healthy, Tempo data source provisioned: skipped, no Grafana URL (pass --grafana)",
      );
      expect(run.output).to.match(/verify passed: 5\/6 steps, 1 skipped;/);
    });
  });

  describe("when a link is broken, it exits 1 naming the link and the fix", () => {
    it("OTLP endpoint unreachable: nothing listens on the port", async () => {
      const stub = await withStub();
      const dead = await unusedPortUrl();

      const run = await verify(["--otlp", dead, "--tempo", stub.tempoUrl]);

      expect(run.code).to.equal(1);
      expect(run.output).to.include("✘ [1/6] OTLP endpoint reachable, Tempo ready");
      expect(run.output).to.include(`OTLP endpoint unreachable: ${dead}: connection refused (ECONNREFUSED)`);
      expect(run.output).to.include(
        "fix: is the stack up? `pulumi up -s local`; check the port and bind address (tracing:otlpHttpPort, tracing:tempoPort, tracing:bindAddress)",
      );
      expect(run.output).to.match(/verify FAILED at \[1\/6\]: OTLP endpoint unreachable \(0 passed before it\)$/);
      expect(run.output).not.to.match(/\n\s+at /); // no stack trace
      expect(stub.spans).to.have.length(0);
    });

    it("Tempo not ready: /ready keeps answering 503", async () => {
      const stub = await withStub({ tempoReady: false });

      const run = await verify(flags(stub, ...SHORT));

      expect(run.code).to.equal(1);
      expect(run.output).to.include("✘ [1/6] OTLP endpoint reachable, Tempo ready");
      expect(run.output).to.include(
        `Tempo not ready: ${stub.tempoUrl}/ready: HTTP 503: Ingester not ready: waiting for 15s after being ready`,
      );
      expect(run.output).to.include(
        "fix: Tempo is still starting or has crashed: wait a few seconds and re-run; `docker logs tracing-tempo`",
      );
      expect(run.output).to.match(/verify FAILED at \[1\/6\]: Tempo not ready/);
    });

    it("span export failed: the endpoint rejects the credentials, with the HTTP status", async () => {
      const stub = await withStub({ requiredOtlpHeaders: { authorization: "Bearer right" } });

      const run = await verify(flags(stub, "--otlp-header", "Authorization=Bearer wrong"));

      expect(run.code).to.equal(1);
      expect(run.output).to.include("✘ [2/6] test span exported");
      expect(run.output).to.include(`span export failed: POST ${stub.otlpUrl}/v1/traces: HTTP 401`);
      expect(run.output).to.include(
        "fix: the OTLP endpoint rejected the request: check --otlp-header / OTEL_EXPORTER_OTLP_HEADERS",
      );
    });

    it("trace not stored: the span is accepted but never becomes readable within --timeout", async () => {
      const stub = await withStub({ storeTraces: false });

      const run = await verify(flags(stub, ...SHORT));

      expect(run.code).to.equal(1);
      expect(run.output).to.include("✔ [2/6] test span exported");
      expect(run.output).to.include("✘ [3/6] trace stored in Tempo");
      expect(run.output).to.match(
        /trace not stored: Tempo did not return trace [0-9a-f]{32} within 0\.3 s \(last answer: \/api\/v2\/traces: HTTP 404: trace not found; \/api\/traces: HTTP 404: trace not found\)/,
      );
      expect(run.output).to.include(
        "fix: check the OTLP endpoint/receiver config (distributor.receivers.otlp.protocols.http) and `docker logs tracing-tempo`",
      );
      expect(run.output).to.match(/verify FAILED at \[3\/6\]: trace not stored \(2 passed before it\)$/);
    });

    it("search empty: the trace is stored but TraceQL does not list it", async () => {
      const stub = await withStub({ indexSearch: false });

      const run = await verify(flags(stub, ...SHORT));

      expect(run.code).to.equal(1);
      expect(run.output).to.include("✔ [3/6] trace stored in Tempo");
      expect(run.output).to.include("✘ [4/6] TraceQL search finds the trace");
      expect(run.output).to.match(
        /search empty: TraceQL \{resource\.service\.name="diagram-agent"\} did not list trace [0-9a-f]{32} within 0\.3 s \(last answer: HTTP 200 with 0 other trace\(s\)\)/,
      );
      expect(run.output).to.include(
        "fix: check the service name (--service-name, OTEL_SERVICE_NAME) and that Tempo's search is enabled; the index can lag: re-run with a larger --timeout; `docker logs tracing-tempo`",
      );
    });

    it("Grafana down: nothing listens on Grafana's port", async () => {
      const stub = await withStub();
      const dead = await unusedPortUrl();

      const run = await verify(["--otlp", stub.otlpUrl, "--tempo", stub.tempoUrl, "--grafana", dead]);

      expect(run.code).to.equal(1);
      expect(run.output).to.include("✘ [6/6] Grafana healthy, Tempo data source provisioned");
      expect(run.output).to.include(`Grafana down: ${dead}/api/health: connection refused (ECONNREFUSED)`);
      expect(run.output).to.include(
        "fix: is Grafana running? `docker logs tracing-grafana`; check the port and bind address",
      );
      expect(run.output).to.match(/verify FAILED at \[6\/6\]: Grafana down \(5 passed before it\)$/);
    });

    it("TraceQL metrics empty: the trace is listed by search but no metrics query counts it", async () => {
      // GIVEN a Tempo that stores and lists traces but answers metrics with no series, as a
      // Tempo 2.10 without the metrics generator's local-blocks processor does
      const stub = await withStub({ ...INSTANT_SEARCH, serveMetrics: false });

      const run = await verify(flags(stub, "--timeout", "2"));

      expect(run.code, run.output).to.equal(1);
      expect(run.output).to.include("✔ [4/6] TraceQL search finds the trace");
      expect(run.output).to.include("✘ [5/6] TraceQL metrics count it");
      expect(run.output).to.include(
        'TraceQL metrics empty: {resource.service.name="diagram-agent"} | count_over_time() over the last 5 minutes returned no series within 2 s (last answer: HTTP 200 with no series)',
      );
      expect(run.output).to.include("fix: the overview dashboard needs TraceQL metrics");
      expect(run.output).to.match(/verify FAILED at \[5\/6\]: TraceQL metrics empty \(4 passed before it\)$/);
    });

    it("Grafana down: /api/health reports a failing database", async () => {
      const stub = await withStub({ grafanaHealthy: false });

      const run = await verify(flags(stub));

      expect(run.code).to.equal(1);
      expect(run.output).to.include(
        `Grafana down: ${stub.grafanaUrl}/api/health: HTTP 503: {"commit":"stub","database":"failing","version":"12.1.0"}`,
      );
      expect(run.output).to.include("fix: is Grafana running?");
    });

    it("Tempo data source missing: Grafana has no data source with uid tempo", async () => {
      const stub = await withStub({ provisionDatasource: false });

      const run = await verify(flags(stub, ...LOGIN));

      expect(run.code).to.equal(1);
      expect(run.output).to.include(
        `Tempo data source missing: ${stub.grafanaUrl}/api/datasources/uid/tempo: HTTP 404: {"message":"Data source not found"}`,
      );
      expect(run.output).to.include(
        'fix: check provisioning: provisioning/datasources/tempo.yaml must define uid "tempo" of type tempo; `docker logs tracing-grafana`',
      );
    });

    it("Grafana login rejected: a wrong password is not mistaken for a missing data source", async () => {
      const stub = await withStub();

      const run = await verify(flags(stub, "--grafana-user", "admin"), { env: { GRAFANA_PASSWORD: "wrong" } });

      expect(run.code).to.equal(1);
      expect(run.output).to.include(
        `Grafana login rejected: ${stub.grafanaUrl}/api/datasources/uid/tempo as admin: HTTP 401`,
      );
      expect(run.output).to.include(
        "fix: check --grafana-user and --grafana-password (`pulumi stack output grafanaAdminPassword --show-secrets`)",
      );
    });
  });

  describe("when called wrongly, it exits 2 with usage", () => {
    it("has neither endpoint flags nor a Pulumi CLI", async () => {
      const run = await verify(["--stack", "local"]);

      expect(run.code).to.equal(2);
      expect(run.output).to.include(
        "verify: no --otlp and --tempo given, and no Pulumi CLI to read them from the stack's outputs",
      );
      expect(run.output).to.include("usage: npm run verify -- --stack <name>");
    });

    it("names a malformed --otlp-header", async () => {
      const run = await verify([
        "--otlp",
        "http://127.0.0.1:4318",
        "--tempo",
        "http://127.0.0.1:3200",
        "--otlp-header",
        "novalue",
      ]);

      expect(run.code).to.equal(2);
      expect(run.output).to.include('verify: --otlp-header "novalue": expected Name=Value');
    });

    it("names the stack output that is missing", async () => {
      const pulumi: PulumiRunner = () => Promise.resolve(JSON.stringify({ otlpHttpEndpoint: "http://127.0.0.1:4318" }));

      const run = await verify(["--stack", "local"], { pulumi });

      expect(run.code).to.equal(2);
      expect(run.output).to.include("verify: no --tempo given and the stack has no tempoQueryUrl output");
    });

    it("names a --timeout that is not a positive number", async () => {
      const run = await verify([
        "--otlp",
        "http://127.0.0.1:4318",
        "--tempo",
        "http://127.0.0.1:3200",
        "--timeout",
        "soon",
      ]);

      expect(run.code).to.equal(2);
      expect(run.output).to.include('verify: --timeout "soon": expected a number of seconds greater than 0');
    });
  });

  describe("the command line", () => {
    /** The real entry point, as `npm run verify` starts it (tsx), from the project root. */
    function spawnVerify(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
      return new Promise((resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "scripts/verify.ts", ...argv],
          { cwd: ROOT, env, timeout: 15_000 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
            resolve({ code, output: `${stdout}${stderr}` });
          },
        );
      });
    }

    it("exits 0 against working services", async () => {
      // Real time here, as verify is a process of its own: Tempo's clock a second ahead of this
      // machine's, so the whole-second rounding of the search window never costs it a poll.
      // Only the exit code is asserted; the process may take what a busy machine makes it.
      const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
      const stub = await withStub(INSTANT_SEARCH, { now: () => Date.now() + 1000, sleep: realSleep });

      const run = await spawnVerify(flags(stub, ...LOGIN), process.env);

      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include("✔ [6/6] Grafana healthy, Tempo data source provisioned");
      expect(run.output).to.include("verify passed: 6/6 steps;");
    });

    it("exits 2 with usage when there are no endpoints and no Pulumi CLI on PATH", async () => {
      // In-process, with the real CLI runner looking for `pulumi` on a PATH that has none.
      const run = await verify([], { pulumi: pulumiCli({ PATH: path.dirname(process.execPath) }) });

      expect(run.code).to.equal(2);
      expect(run.output).to.include("no Pulumi CLI");
      expect(run.output).to.include("usage: npm run verify");
    });
  });

  describe("search freshness: the timeout follows what the deployed tempo.yaml promises", () => {
    /** A stack whose only outputs are the endpoints and, when given, its promise. */
    function stackOutputs(stub: StubUrls, tempoSearchWithinSeconds?: number): PulumiRunner {
      return () =>
        Promise.resolve(
          JSON.stringify({ otlpHttpEndpoint: stub.otlpUrl, tempoQueryUrl: stub.tempoUrl, tempoSearchWithinSeconds }),
        );
    }

    /** Seconds from the export until a query listed the trace, from step 4's notes. */
    function listedAfter(output: string): number[] {
      return [...output.matchAll(/lists it, (\d+ ms|\d+\.\d s) after the export/g)].map(([, d]) =>
        d.endsWith(" ms") ? Number.parseFloat(d) / 1000 : Number.parseFloat(d),
      );
    }

    function searchesFor(stub: TracingStub, query: string): number {
      return stub.tempoRequests.filter((r) => new URLSearchParams(r.split("?")[1] ?? "").get("q") === query).length;
    }

    it("a fixed 30 s budget shared by by-id and search, the old verify's, fails against Tempo's default 30 s end cutoff", async () => {
      // GIVEN Tempo 3.0.3 with its defaults: every search window ends 30 s in the past
      const stub = await withStub(TEMPO_DEFAULT_SEARCH);

      // WHEN verify gives the trace 30 s to be readable by id and listed by search
      const run = await verify(flags(stub, "--timeout", "30"));

      // THEN it is readable by id at once, but no search lists it in time
      expect(run.code, run.output).to.equal(1);
      expect(run.output).to.include("✔ [3/6] trace stored in Tempo");
      expect(run.output).to.match(
        /search empty: TraceQL \{resource\.service\.name="diagram-agent"\} did not list trace [0-9a-f]{32} within 30 s \(last answer: HTTP 200 with 0 other trace\(s\)\)/,
      );
      expect(time.elapsed).to.be.within(29_000, 30_000);
    });

    it("passes against the same Tempo when nothing says otherwise: Tempo 3.0's default promise, 31 s, + 5 s", async () => {
      const stub = await withStub(TEMPO_DEFAULT_SEARCH);

      const run = await verify(flags(stub));

      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include(
        "timeout 36 s (Tempo 3.0's defaults list a fresh trace within 31 s; no tempoSearchWithinSeconds output, + 5 s)",
      );
      // Listed once the window's end (now − 30 s, whole seconds) passed the span's start
      const [first, second] = listedAfter(run.output);
      expect(first).to.be.within(30, 31.5);
      expect(second).to.be.within(first, 31.5);
      // Two searches a second for a half-minute promise, not five
      expect(run.output).to.include("(promised within 31 s, searched every 0.5 s)");
      expect(searchesFor(stub, '{resource.service.name="diagram-agent"}')).to.be.within(58, 66);
    });

    it("takes its timeout and search polling from the stack's tempoSearchWithinSeconds", async () => {
      // GIVEN a Tempo configured for search within 2 s (1 s cutoff, 1 s idle, 1 s checks)
      const fast = { queryEndCutoffMs: 1000, traceIdleMs: 1000, flushCheckPeriodMs: 1000 };
      const stub = await withStub(fast);

      const run = await verify(["--stack", "local"], { pulumi: stackOutputs(stub, 2) });

      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include(
        "timeout 7 s (the stack's tempo.yaml lists a fresh trace within 2 s (tempoSearchWithinSeconds), + 5 s)",
      );
      expect(run.output).to.include("lists it, ");
      expect(listedAfter(run.output)[0]).to.be.at.most(2.1);
      // Every 100 ms: the report's time to visibility stays close to the real one
      expect(run.output).to.include("(promised within 2 s, searched every 0.1 s)");
      expect(searchesFor(stub, '{resource.service.name="diagram-agent"}')).to.be.at.least(10);
    });

    it("fails when Tempo lists later than the stack promises, as a tempo.yaml with the default cutoff would", async () => {
      const stub = await withStub(TEMPO_DEFAULT_SEARCH);

      const run = await verify(["--stack", "local"], { pulumi: stackOutputs(stub, 2) });

      expect(run.code, run.output).to.equal(1);
      expect(run.output).to.match(/search empty: .* within 7 s/);
    });

    it("passes against Tempo as the rendered local tempo.yaml sets it, within the promise the local stack exports", async () => {
      // GIVEN the stub as the local tempo.yaml configures search, and the local stack's output
      const stub = await withStub();
      const promise = tempoSearchWithinSeconds(tempoSettingsFor(loadStackConfig(stackFileSource("local"))));
      expect(promise * 1000).to.equal(LOCAL_FRESHNESS.withinMs);

      const run = await verify(["--stack", "local"], { pulumi: stackOutputs(stub, promise) });

      expect(run.code, run.output).to.equal(0);
      for (const after of listedAfter(run.output)) {
        expect(after).to.be.at.most(promise + searchPollInterval(promise * 1000) / 1000);
      }
    });

    it("lets --timeout override the stack's promise", async () => {
      const stub = await withStub({ queryEndCutoffMs: 1000, traceIdleMs: 1000, flushCheckPeriodMs: 1000 });

      const run = await verify(["--stack", "local", "--timeout", "60"], { pulumi: stackOutputs(stub, 2) });

      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include("timeout 60 s (--timeout)");
    });

    it("derives the promise from Tempo's defaults for every key tempo.yaml leaves out", () => {
      expect(freshnessOf({}, "3.0")).to.deep.equal({
        queryEndCutoffMs: 30_000,
        traceIdleMs: 5_000,
        flushCheckPeriodMs: 5_000,
        withinMs: 31_000,
      });
      // 2.10: no cutoff, but the ingester checks every 10 s
      expect(freshnessOf({}, "2.10").withinMs).to.equal(15_000);
    });

    it("reads the keys as Tempo does: the larger of cutoff + 1 s and idle + flush check", () => {
      const yaml = {
        query_frontend: { query_end_cutoff: "1s" },
        live_store: { max_trace_idle: "500ms", flush_check_period: "1s" },
      };
      expect(freshnessOf(yaml, "3.0")).to.deep.equal({
        queryEndCutoffMs: 1000,
        traceIdleMs: 500,
        flushCheckPeriodMs: 1000,
        withinMs: 2000,
      });
      const ingester = { ingester: { trace_idle_period: "2s", flush_check_period: "3s" } };
      expect(freshnessOf(ingester, "2.10").withinMs).to.equal(5000);
      expect(() => freshnessOf({ query_frontend: { query_end_cutoff: 30 } }, "3.0")).to.throw(
        "query_frontend.query_end_cutoff: expected a Go duration string, got 30",
      );
    });

    it("follows the tempo.yaml each stack actually renders", () => {
      for (const stack of ["local", "prod"]) {
        const settings = tempoSettingsFor(loadStackConfig(stackFileSource(stack)));
        const rendered = parseYaml(renderTempoYaml(settings)) as unknown;
        expect(searchFreshness(settings), stack).to.deep.equal(freshnessOf(rendered, settings.release.line));
      }
    });
  });

  describe("helpers", () => {
    it("polls until the deadline, with a last attempt on the deadline itself", async () => {
      // GIVEN a clock that only moves when the poller sleeps
      let now = 0;
      const clock: Clock = {
        now: () => now,
        wallNow: () => now,
        sleep: async (ms) => {
          now += ms;
        },
      };
      const attempts: number[] = [];

      // WHEN nothing ever succeeds within 500 ms
      const result = await pollUntil<void>(
        async () => {
          attempts.push(now);
          return { done: false, miss: `at ${now}` };
        },
        500,
        clock,
      );

      // THEN it tried every 200 ms and once more at 500, reporting the last miss
      expect(attempts).to.deep.equal([0, 200, 400, 500]);
      expect(result).to.deep.equal({ done: false, miss: "at 500", elapsedMs: 500 });
    });

    it("matches trace ids however Tempo formats them", () => {
      expect(sameTraceId("00ab12", "AB12")).to.equal(true);
      expect(sameTraceId("0000000000000000a1b2c3d4e5f60718", "a1b2c3d4e5f60718")).to.equal(true);
      expect(sameTraceId("ab12", "ab13")).to.equal(false);
    });

    it("reads OTEL_EXPORTER_OTLP_HEADERS as comma-separated, percent-encoded pairs", () => {
      expect(parseOtlpHeadersEnv(" Authorization=Basic%20abc= , x-org = team ,broken")).to.deep.equal({
        Authorization: "Basic abc=",
        "x-org": "team",
      });
      expect(parseOtlpHeadersEnv(undefined)).to.deep.equal({});
    });
  });
});
