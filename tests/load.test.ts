import { expect } from "chai";
import { LoadMainDeps, main, realLoadDeps } from "../scripts/load/main";
import { LoadResult } from "../scripts/load/report";
import { percentiles } from "../scripts/load/stats";
import { PulumiRunner } from "../scripts/verify/stackOutputs";
import { ReceivedSpan, StubBehaviour, StubUrls, TracingStub } from "./stubs/tempoStub";
import { VirtualTime } from "./stubs/virtualTime";
import { GcsEmulator } from "../scripts/gcsEmulator/server";

interface Run {
  readonly code: number;
  /** What went to stdout: the report, or the JSON document with --json. */
  readonly stdout: string;
  /** Progress with --json, and usage errors. */
  readonly stderr: string;
}

const noPulumi: PulumiRunner = () => Promise.resolve(undefined);

/**
 * Runs the load command in-process, as `npm run load -- <argv>` would, on `time`'s clock: its
 * waits cost no real time, and how busy the machine is changes nothing it reports.
 */
async function load(
  argv: readonly string[],
  options: { pulumi?: PulumiRunner; time?: VirtualTime } = {},
): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const deps: LoadMainDeps = {
    ...realLoadDeps,
    clock: (options.time ?? new VirtualTime()).clock,
    write: (line) => stdout.push(line),
    writeError: (line) => stderr.push(line),
    pulumi: options.pulumi ?? noPulumi,
  };
  const code = await main(argv, {}, deps);
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
}

function parseResult(run: Run): LoadResult {
  return JSON.parse(run.stdout) as LoadResult;
}

/** A Tempo that lists a trace 200-300 ms after its last span (live-store idle 200 ms, checks every 100 ms, no end cutoff). */
const QUICK_TEMPO: Partial<StubBehaviour> = { queryEndCutoffMs: 0, traceIdleMs: 200, flushCheckPeriodMs: 100 };

/** Small and short: these tests measure the command, not the machine. */
const SMALL = ["--spans-per-trace", "10", "--exporters", "2", "--batch-size", "200"];

describe("npm run load", () => {
  let running: TracingStub | undefined;

  /** A stub on `time`'s clock, which the load command then runs on too. */
  async function withStub(behaviour: Partial<StubBehaviour>, time: VirtualTime): Promise<TracingStub & StubUrls> {
    const stub = await TracingStub.start({ ...QUICK_TEMPO, ...behaviour }, { now: time.wallNow, sleep: time.sleep });
    running = stub;
    return stub;
  }

  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it("offers diagram-agent traces at the rate, and reports accepted spans, export latency and when samples became visible", async () => {
    // GIVEN a Tempo that answers each push after 30 ms, behind a token on both sides, whose stack says search within 2 s
    const time = new VirtualTime();
    const stub = await withStub(
      {
        otlpDelayMs: 30,
        requiredOtlpHeaders: { authorization: "Bearer t0ken" },
        requiredTempoHeaders: { authorization: "Bearer t0ken" },
      },
      time,
    );
    const stack: PulumiRunner = () =>
      Promise.resolve(
        JSON.stringify({
          otlpHttpEndpoint: stub.otlpUrl,
          tempoQueryUrl: stub.tempoUrl,
          agentOtlpHeaders: "Authorization=Bearer%20t0ken",
          tempoSearchWithinSeconds: 2,
        }),
      );

    // WHEN 2000 spans/s are offered for 0.5 s, one trace in every 0.1 s followed
    const run = await load(
      [
        ...["--stack", "prod", "--rate", "2000", "--duration", "0.5", "--sample-every", "0.1"],
        ...["--deployment-environment", "DEBUG", "--json", ...SMALL],
      ],
      { pulumi: stack, time },
    );

    // THEN all of it arrives, in traces of the agent's shape
    expect(run.code, run.stderr).to.equal(0);
    const result = parseResult(run);
    expect(result.passed).to.equal(true);
    expect(result.settings).to.include({
      spansPerSecond: 2000,
      spansPerTrace: 10,
      timeoutSeconds: 7,
      searchWithinSeconds: 2,
    });
    // On the test's clock the generator keeps time exactly: 100 traces of 10 spans in 0.5 s
    expect(result.traces.offered).to.equal(100);
    expect(result.spans.offered).to.equal(1000);
    expect(result.generator.keptUp).to.equal(true);
    expect(result.spans).to.include({ accepted: 1000, refused: 0, failed: 0, dropped: 0 });
    expect(stub.spans).to.have.length(1000);
    expectAgentShape(stub.spans, 10, result.target.runId);
    // as the agent reports it, for the overview dashboard's environment variable
    expect(stub.spans.every((span) => span.resource["deployment.environment"] === "DEBUG")).to.equal(true);

    // Every push answered 200 once; every export timed, the stub's delay included
    const requests = result.exportLatencyMs.count;
    expect(requests).to.be.at.least(1000 / 200);
    expect(result.httpAnswers).to.deep.equal({ 200: requests });
    expect(stub.otlpStatuses).to.have.length(requests);
    const latency = result.exportLatencyMs;
    expect(latency.p50).to.be.at.least(30);
    expect([latency.p50, latency.p90, latency.p99, latency.max]).to.deep.equal(
      [latency.p50, latency.p90, latency.p99, latency.max].sort((a, b) => (a ?? 0) - (b ?? 0)),
    );

    // Samples: one every 0.1 s, each readable by id and listed by search, by id first
    const { visibility } = result;
    expect(visibility.samples).to.equal(5);
    expect(visibility).to.include({ followed: 5, notAccepted: 0 });
    expect(visibility.byId).to.include({ visible: 5, never: 0 });
    expect(visibility.search).to.include({ visible: 5, never: 0 });
    // Listed only once the live-store would have cut it: 200 ms idle after the spans arrived,
    // which is 170 ms after the push was answered (the stub answers 30 ms after storing)
    expect(visibility.search.ms.p50).to.be.at.least(170);
    expect(visibility.byId.ms.max).to.be.at.most(visibility.search.ms.max ?? 0);
    const sampled = stub.spans.filter((span) => span.attributes["load.sample"] !== undefined);
    expect(sampled).to.have.length(5);

    // Progress went to stderr, the document alone to stdout
    expect(run.stderr).to.match(/^load: 2000 spans\/s for 0\.5 s \(200 traces\/s of 10 spans\)/);
    expect(run.stderr).to.match(/load passed: \d+ spans\/s accepted of \d+ offered, 0\/s refused/);
  });

  it("counts Tempo's 429s: each retried by the exporter, the spans of a batch refused in the end counted as refused", async () => {
    // GIVEN Tempo's ingestion limit at 500 spans/s, and Retry-After: 0 so the exporter's retries are immediate
    const time = new VirtualTime();
    const stub = await withStub({ ingestSpansPerSecond: 500, retryAfter: "0" }, time);

    const run = await load(
      [
        ...["--otlp", stub.otlpUrl, "--tempo", stub.tempoUrl, "--rate", "3000", "--duration", "0.6"],
        ...["--sample-every", "10", "--timeout", "1", "--json", ...SMALL],
      ],
      { time },
    );

    const result = parseResult(run);
    const { spans } = result;
    expect(spans.accepted).to.be.above(0);
    expect(spans.refused).to.be.above(0);
    expect(spans.refusedByStatus).to.deep.equal({ 429: spans.refused });
    expect(spans.accepted + spans.refused + spans.failed + spans.dropped).to.equal(spans.offered);
    expect(result.perSecond.refused).to.be.above(0);
    // Every 429 the stub sent was seen, and a refused batch was asked five more times first
    const answered429 = stub.otlpStatuses.filter((status) => status === 429).length;
    expect(result.httpAnswers["429"]).to.equal(answered429);
    expect(answered429).to.be.at.least(6 * Math.ceil(spans.refused / 200));
    expect(result.exportErrors).to.deep.equal(["HTTP 429 on every attempt, the exporter's retries used up"]);
    expect(run.code, run.stderr).to.equal(0);
  });

  it("reports the bucket operations the run caused, read from npm run gcs-emulator, and per day at that rate", async () => {
    // GIVEN the real emulator as the bucket, and a Tempo that writes to it while the load runs:
    // here, two uploads, a listing and a read made as soon as load has taken its first count
    const time = new VirtualTime();
    const emulator = await GcsEmulator.start(
      { port: 0, buckets: ["traces"], principal: "tempo@p.iam.gserviceaccount.com" },
      { clock: time.clock, wallNow: time.wallNow, write: () => undefined },
    );
    const stub = await withStub({}, time);
    let tempoWrote = false;
    const tempoWrites = async () => {
      const upload = (name: string) =>
        fetch(`${emulator.url}/upload/storage/v1/b/traces/o?uploadType=media&name=${name}`, {
          method: "POST",
          body: "x",
        });
      await upload("traces/a");
      await upload("traces/b");
      await fetch(`${emulator.url}/storage/v1/b/traces/o?prefix=traces%2F`);
      await fetch(`${emulator.url}/storage/v1/b/traces/o/traces%2Fa?alt=media`);
    };
    try {
      const stdout: string[] = [];
      const code = await main(
        [
          ...["--otlp", stub.otlpUrl, "--tempo", stub.tempoUrl, "--rate", "500", "--duration", "0.4"],
          ...["--gcs-emulator", emulator.url, "--settle", "60", "--sample-every", "10", "--json", ...SMALL],
        ],
        {},
        {
          ...realLoadDeps,
          clock: time.clock,
          http: async (url, init) => {
            const answer = await fetch(url, init);
            if (String(url).endsWith("/_emulator/operations") && !tempoWrote) {
              tempoWrote = true;
              await tempoWrites();
            }
            return answer;
          },
          write: (line) => stdout.push(line),
          writeError: () => undefined,
          pulumi: noPulumi,
        },
      );

      // THEN the report holds exactly those operations, by class and method, over the run and its settle
      expect(code).to.equal(0);
      const result = JSON.parse(stdout.join("\n")) as LoadResult;
      const bucket = result.bucketOperations;
      expect(bucket).to.deep.include({ classA: 3, classB: 1, free: 0 });
      expect(bucket?.byMethod).to.deep.equal({
        "storage.objects.get": 1,
        "storage.objects.insert": 2,
        "storage.objects.list": 1,
      });
      // 60 s of settle on the test's clock, beyond the run itself
      expect(bucket?.seconds).to.be.at.least(60);
      expect(bucket?.perDay.classA).to.equal(Math.round((3 * 86_400) / (bucket?.seconds ?? 1)));
    } finally {
      await emulator.close();
    }
  });

  it("exits 1 when Tempo refuses everything, saying so", async () => {
    const time = new VirtualTime();
    const stub = await withStub({ ingestSpansPerSecond: 0, retryAfter: "0" }, time);

    const run = await load(
      ["--otlp", stub.otlpUrl, "--tempo", stub.tempoUrl, "--rate", "500", "--duration", "0.2", ...SMALL],
      { time },
    );

    expect(run.code).to.equal(1);
    expect(run.stdout).to.match(/✘ every span refused: none of \d+ spans was accepted \(HTTP 429 on every attempt/);
    expect(run.stdout).to.include("fix: Tempo refused the whole rate (HTTP 429)");
    expect(run.stdout).to.match(/load FAILED: every span refused$/);
  });

  it("exits 1, naming the link, when sampled traces are stored but never listed by search", async () => {
    const time = new VirtualTime();
    const stub = await withStub({ indexSearch: false }, time);

    const run = await load(
      [
        ...["--otlp", stub.otlpUrl, "--tempo", stub.tempoUrl, "--rate", "500", "--duration", "0.3"],
        ...["--sample-every", "0.1", "--timeout", "5", ...SMALL],
      ],
      { time },
    );

    expect(run.code, run.stdout).to.equal(1);
    expect(run.stdout).to.match(/readable by id +3\/3 samples: p50 \d+ ms/);
    expect(run.stdout).to.match(/listed by search +0\/3 samples; never: 3/);
    expect(run.stdout).to.match(
      /✘ search empty: 3 of 3 accepted samples were never listed by TraceQL search within 5 s \(e\.g\. trace [0-9a-f]{32}\)/,
    );
    expect(run.stdout).to.include("fix: check the service name");
  });

  it("exits 1 before sending anything when Tempo is not ready", async () => {
    const time = new VirtualTime();
    const stub = await withStub({ tempoReady: false }, time);

    const run = await load(["--otlp", stub.otlpUrl, "--tempo", stub.tempoUrl], { time });

    expect(run.code).to.equal(1);
    expect(run.stdout).to.include(`✘ Tempo not ready: ${stub.tempoUrl}/ready: HTTP 503`);
    expect(stub.spans).to.have.length(0);
  });

  describe("when called wrongly, it exits 2 with usage", () => {
    const endpoints = ["--otlp", "http://127.0.0.1:4318", "--tempo", "http://127.0.0.1:3200"];
    const cases: [string, string[], string][] = [
      ["a rate that is not a number", ["--rate", "fast"], 'load: --rate "fast": expected a number from 1 to 1000000'],
      [
        "no spans in a trace",
        ["--spans-per-trace", "0"],
        'load: --spans-per-trace "0": expected a whole number from 1 to 1000',
      ],
      ["half an exporter", ["--exporters", "1.5"], 'load: --exporters "1.5": expected a whole number from 1 to 64'],
      ["no duration", ["--duration", "0"], 'load: --duration "0": expected a number from 0.1 to 86400'],
      ["a timeout of zero", ["--timeout", "0"], 'load: --timeout "0": expected a number of seconds greater than 0'],
      ["a malformed header", ["--otlp-header", "novalue"], 'load: --otlp-header "novalue": expected Name=Value'],
      ["a settle without an emulator", ["--settle", "60"], "load: --settle counts bucket operations after the run"],
      ["an unknown flag", ["--bogus"], "load: Unknown option '--bogus'"],
    ];
    for (const [what, argv, message] of cases) {
      it(what, async () => {
        const run = await load([...endpoints, ...argv]);

        expect(run.code).to.equal(2);
        expect(run.stderr).to.include(message);
        expect(run.stderr).to.include("usage: npm run load -- --stack <name> [options]");
        expect(run.stdout).to.equal("");
      });
    }

    it("has neither endpoint flags nor a Pulumi CLI", async () => {
      const run = await load(["--rate", "100"]);

      expect(run.code).to.equal(2);
      expect(run.stderr).to.include("load: no --otlp and --tempo given, and no Pulumi CLI");
    });
  });

  it("takes nearest-rank percentiles: every one a measured value", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).to.deep.equal({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(percentiles([7])).to.deep.equal({ count: 1, p50: 7, p90: 7, p99: 7, max: 7 });
    expect(percentiles([])).to.deep.equal({ count: 0 });
  });
});

/** One root `agent.generate_diagram` per trace, every other span under a span of the same trace. */
function expectAgentShape(spans: readonly ReceivedSpan[], spansPerTrace: number, runId: string): void {
  const traces = new Map<string, ReceivedSpan[]>();
  spans.forEach((span) => traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]));
  for (const [traceId, members] of traces) {
    expect(members, traceId).to.have.length(spansPerTrace);
    const roots = members.filter((span) => span.parentSpanId === undefined);
    expect(roots.map((span) => span.name)).to.deep.equal(["agent.generate_diagram"]);
    const [root] = roots;
    expect(root.kind).to.equal(2); // SERVER
    expect(root.serviceName).to.equal("diagram-agent-load");
    expect(root.attributes).to.include({ "load.run_id": runId, "http.route": "/api/v1/diagrams/" });
    expect(typeof root.attributes["agent.has_history"]).to.equal("boolean");
    const ids = new Set(members.map((span) => span.spanId));
    for (const child of members.filter((span) => span !== root)) {
      expect(ids.has(child.parentSpanId ?? ""), `${child.name} has its parent in the trace`).to.equal(true);
      expect(child.startMs).to.be.at.least(root.startMs);
      expect(child.endMs).to.be.at.most(root.endMs);
    }
  }
  const names = new Set(spans.map((span) => span.name));
  for (const name of ["agent.load_history", "chat gpt-4o", "POST", "agent.render_diagram"]) {
    expect(names.has(name), name).to.equal(true);
  }
  expect([...names].some((name) => name.startsWith("tool."))).to.equal(true);
}
