import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
  BlockUploadInterval,
  DEFAULT_BLOCK_UPLOAD,
  GUIDE_GCS_TUNING,
  PROD_GCS_TUNING,
  PROD_CAPACITY,
  TempoSettings,
  blockRetention,
  buildTempoConfig,
  renderTempoYaml,
  tempoGoMemLimit,
} from "../config/files/tempoConfig";
import { goDurationMs } from "../config/files/goDuration";
import { freshnessOf, searchFreshness } from "../config/files/tempoFreshness";
import { TEMPO_RELEASES, TempoLine, findTempoRelease } from "../config/constants/tempoReleases";
import { ACCEPTED_KEYS, keyPaths } from "./tempoSchema";

function release(version: string) {
  const found = findTempoRelease(version);
  if (!found) {
    throw new Error(`no release ${version}`);
  }
  return found;
}

const LOCAL_30: TempoSettings = {
  release: release("3.0.3"),
  backend: { kind: "local" },
  retentionDays: 30,
  durability: "standard",
  externalLabels: { source: "tempo", environment: "DEBUG" },
  metricsRemoteWriteUrl: undefined,
  usageReporting: false,
};

const GCS_PROD: TempoSettings = {
  ...LOCAL_30,
  backend: { kind: "gcs", bucketName: "diagramik-traces", ...PROD_GCS_TUNING },
  durability: "ephemeral",
  externalLabels: { source: "tempo", environment: "DEPLOYED_SERVICE" },
};

const GOLDEN_DIR = path.join(__dirname, "golden");

/** Compares with a checked-in file; `UPDATE_GOLDEN=1 npm test` rewrites it after a reviewed change. */
function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, actual);
  }
  expect(actual, `differs from tests/golden/${name}`).to.equal(fs.readFileSync(file, "utf8"));
}

describe("Tempo config builder", () => {
  it("renders the whole 3.0 document for the local disk", () => {
    expect(buildTempoConfig(LOCAL_30)).to.deep.equal({
      stream_over_http_enabled: true,
      server: { http_listen_port: 3200, grpc_listen_port: 9095, log_level: "info" },
      distributor: {
        receivers: {
          otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } },
        },
      },
      storage: {
        trace: { backend: "local", wal: { path: "/var/tempo/wal" }, local: { path: "/var/tempo/blocks" } },
      },
      query_frontend: { query_end_cutoff: "1s", metrics: { max_duration: "169h", max_intervals: 10_100 } },
      usage_report: { reporting_enabled: false },
      live_store: {
        wal: { path: "/var/tempo/live-store/traces" },
        shutdown_marker_dir: "/var/tempo/live-store/shutdown-marker",
        flush_check_period: "1s",
        max_trace_idle: "1s",
      },
      backend_scheduler: {
        local_work_path: "/var/tempo",
        provider: { compaction: { compaction: { block_retention: "717h" } } },
      },
      backend_worker: { compaction: { block_retention: "717h" } },
    });
  });

  it("renders the whole 2.10 document for the local disk, with the compactor's retention", () => {
    const config = buildTempoConfig({ ...LOCAL_30, release: release("2.10.8") });
    expect(config).to.deep.include({ compactor: { compaction: { block_retention: "717h" } } });
    expect(config.ingester).to.deep.equal({ trace_idle_period: "1s", flush_check_period: "1s" });
    expect(config).to.not.have.any.keys("live_store", "backend_scheduler", "backend_worker");
  });

  it("never writes the blocks Tempo 3.0 removed", () => {
    for (const settings of [LOCAL_30, GCS_PROD]) {
      expect(buildTempoConfig(settings)).to.not.have.any.keys("ingester", "compactor", "ingester_client");
    }
  });

  for (const tempo of TEMPO_RELEASES) {
    for (const [backend, base] of [
      ["local", LOCAL_30],
      ["gcs", GCS_PROD],
    ] as const) {
      const settings: TempoSettings = {
        ...base,
        release: tempo,
        metricsRemoteWriteUrl: "http://prometheus:9090/api/v1/write",
      };
      it(`writes only keys Tempo ${tempo.version} parses (${backend}, every optional block on)`, () => {
        const accepted = ACCEPTED_KEYS[tempo.line as TempoLine];
        const unknown = keyPaths(buildTempoConfig(settings)).filter((key) => !accepted.has(key));
        expect(unknown).to.deep.equal([]);
      });
    }
  }

  it("matches the golden tempo.yaml for 3.0 on local disk", () => {
    expectGolden("tempo-3.0.3-local.yaml", renderTempoYaml(LOCAL_30));
  });

  it("matches the golden tempo.yaml for 2.10 on local disk", () => {
    expectGolden("tempo-2.10.8-local.yaml", renderTempoYaml({ ...LOCAL_30, release: release("2.10.8") }));
  });

  it("matches the golden tempo.yaml for 3.0 on GCS with the ephemeral profile", () => {
    expectGolden("tempo-3.0.3-gcs.yaml", renderTempoYaml(GCS_PROD));
  });

  it("matches the golden tempo.yaml for 2.10 on GCS with the ephemeral profile", () => {
    expectGolden("tempo-2.10.8-gcs.yaml", renderTempoYaml({ ...GCS_PROD, release: release("2.10.8") }));
  });

  it("writes the guide's GCS tuning, one listing per blocklist poll, and no test endpoint unless one is given", () => {
    const gcs = (buildTempoConfig(GCS_PROD).storage as { trace: { gcs: Record<string, unknown> } }).trace.gcs;
    expect(GUIDE_GCS_TUNING.listBlocksConcurrency).to.equal(3);
    expect(gcs).to.deep.equal({
      bucket_name: "diagramik-traces",
      prefix: "traces/",
      chunk_buffer_size: 10485760,
      // the guide's 3 split every poll's listing into three class A operations
      list_blocks_concurrency: 1,
      hedge_requests_at: "500ms",
      hedge_requests_up_to: 2,
    });
  });

  it("points GCS at a test server when an endpoint is given", () => {
    const settings: TempoSettings = {
      ...GCS_PROD,
      backend: {
        kind: "gcs",
        bucketName: "b",
        ...PROD_GCS_TUNING,
        endpoint: "http://127.0.0.1:4443/storage/v1/",
        insecure: true,
      },
    };
    const gcs = (buildTempoConfig(settings).storage as { trace: { gcs: Record<string, unknown> } }).trace.gcs;
    expect(gcs).to.include({ endpoint: "http://127.0.0.1:4443/storage/v1/", insecure: true });
  });

  it("configures the metrics generator only with a remote-write URL", () => {
    expect(buildTempoConfig(LOCAL_30)).to.not.have.any.keys("metrics_generator", "overrides");
    const config = buildTempoConfig({ ...LOCAL_30, metricsRemoteWriteUrl: "https://mimir.example/api/v1/push" });
    expect(config.metrics_generator).to.deep.equal({
      registry: { external_labels: { source: "tempo", environment: "DEBUG" } },
      storage: {
        path: "/var/tempo/generator/wal",
        remote_write: [{ url: "https://mimir.example/api/v1/push", send_exemplars: true }],
      },
    });
    expect(config.overrides).to.deep.equal({
      defaults: { metrics_generator: { processors: ["service-graphs", "span-metrics"] } },
    });
  });

  it("reports usage only when asked", () => {
    expect(buildTempoConfig(LOCAL_30).usage_report).to.deep.equal({ reporting_enabled: false });
    expect(buildTempoConfig({ ...LOCAL_30, usageReporting: true }).usage_report).to.deep.equal({
      reporting_enabled: true,
    });
  });

  it("keeps Tempo's retention a few hours inside the configured days", () => {
    expect(blockRetention(30)).to.equal("717h");
    expect(blockRetention(1)).to.equal("21h");
  });

  it("keeps every path Tempo writes under the one data volume", () => {
    const paths = keyPaths(buildTempoConfig({ ...GCS_PROD, metricsRemoteWriteUrl: "http://p/w" })).filter(
      (key) => key.endsWith("path") || key.endsWith("_dir"),
    );
    expect(paths).to.have.length.greaterThan(3);
    const yaml = parse(renderTempoYaml(LOCAL_30)) as Record<string, unknown>;
    const values = JSON.stringify(yaml).match(/"\/[^"]*"/g) ?? [];
    for (const value of values) {
      expect(value.startsWith('"/var/tempo'), value).to.equal(true);
    }
  });

  it("bounds shutdown on an ephemeral disk so Tempo exits inside Cloud Run's 10 s", () => {
    const config = buildTempoConfig(GCS_PROD);
    expect(config.shutdown_delay).to.equal("5s");
    expect(config.server).to.include({ graceful_shutdown_timeout: "2s" });
    expect(config.backend_worker).to.deep.include({ finish_on_shutdown_timeout: "1s" });
    // and Tempo still exits inside Cloud Run's 10 s (measured about 7 s, docs/production.md)
    expect(goDurationMs(String(config.shutdown_delay)) + 2000 + 1000).to.be.below(10_000);
    const legacy = buildTempoConfig({ ...GCS_PROD, release: release("2.10.8") });
    // and a block every 10 minutes: completing a 30-minute one took RSS past 2 GiB (measured 2.79 GB)
    expect(legacy.ingester).to.deep.include({ flush_all_on_shutdown: true, max_block_duration: "10m" });
  });

  describe("block upload interval (tempoBlockUpload): bucket writes against replacement loss", () => {
    const liveStore = (blockUpload: BlockUploadInterval) =>
      buildTempoConfig({ ...GCS_PROD, blockUpload }).live_store as Record<string, unknown>;
    const ms = (text: unknown): number => goDurationMs(String(text));
    /** After SIGTERM Tempo keeps cutting for shutdown_delay; what is not cut by then is lost. */
    const cutInTime = (live: Record<string, unknown>): boolean =>
      // In the head block by idle + one check; a block cut at most max_block_duration + one
      // check later; the upload (measured: well under a second) within the last check.
      ms(live.max_trace_idle) + 2 * ms(live.flush_check_period) + ms(live.max_block_duration) <=
      ms(buildTempoConfig(GCS_PROD).shutdown_delay);

    it("cuts every 30 s by default, Tempo's own interval: 20 s measured at 2.13 times the defaults' class A operations", () => {
      expect(DEFAULT_BLOCK_UPLOAD).to.equal("30s");
      expect(liveStore(DEFAULT_BLOCK_UPLOAD)).to.include({ max_block_duration: "30s" });
      expect(buildTempoConfig(GCS_PROD).live_store).to.deep.equal(liveStore("30s"));
    });

    it("with 2s, keeps cutting long enough after SIGTERM for a block with everything accepted before it", () => {
      expect(liveStore("2s")).to.include({ max_block_duration: "2s" });
      expect(cutInTime(liveStore("2s"))).to.equal(true);
    });

    it("with 30s, cannot: the trade docs/capacity.md states", () => {
      expect(cutInTime(liveStore("30s"))).to.equal(false);
    });

    it("changes nothing else", () => {
      const { max_block_duration: _a, ...rest30 } = liveStore("30s");
      const { max_block_duration: _b, ...rest2 } = liveStore("2s");
      expect(rest30).to.deep.equal(rest2);
    });

    it("is a Tempo 3.0 setting: Tempo 2.10's ingester uploads everything on shutdown", () => {
      const legacy = (blockUpload: BlockUploadInterval) =>
        renderTempoYaml({ ...GCS_PROD, release: release("2.10.8"), blockUpload });
      expect(legacy("2s")).to.equal(legacy("30s"));
    });
  });

  it("keeps the release defaults for shutdown and capacity where the disk persists", () => {
    const config = buildTempoConfig(LOCAL_30);
    expect(config).to.not.have.any.keys("shutdown_delay", "memberlist", "overrides");
    expect(config.server).to.not.have.key("graceful_shutdown_timeout");
    expect(config.query_frontend).to.not.have.key("search");
    expect(config.live_store).to.not.have.any.keys(
      "complete_block_timeout",
      "flush_op_timeout",
      "block_reclaim_grace",
      "max_live_traces_bytes",
    );
  });

  describe("search freshness (issue 9: listed by TraceQL search within 3 s of export)", () => {
    for (const tempo of TEMPO_RELEASES) {
      for (const base of [LOCAL_30, GCS_PROD]) {
        const settings: TempoSettings = { ...base, release: tempo };
        it(`promises at most 3 s on Tempo ${tempo.version}, ${base.durability} profile`, () => {
          const freshness = searchFreshness(settings);
          // The ephemeral 3.0 profile checks twice as often: at 20k spans/s, 1 s gave a p99 over 3 s.
          const checkMs = tempo.line === "3.0" && base.durability === "ephemeral" ? 500 : 1000;
          expect(freshness).to.include({ queryEndCutoffMs: 1000, traceIdleMs: checkMs, flushCheckPeriodMs: checkMs });
          expect(freshness.withinMs).to.be.at.most(3000);
        });
      }
    }

    it("would promise half a minute without these keys, so each one matters", () => {
      const config = buildTempoConfig(LOCAL_30);
      const liveStore = config.live_store as Record<string, unknown>;
      const withoutCutoff = { ...config, query_frontend: {} };
      const withoutIdle = { ...config, live_store: { ...liveStore, max_trace_idle: undefined } };
      expect(freshnessOf(config, "3.0").withinMs).to.equal(2000);
      expect(freshnessOf(withoutCutoff, "3.0").withinMs).to.equal(31_000);
      expect(freshnessOf(withoutIdle, "3.0").withinMs).to.equal(6000);
    });
  });

  describe("prod capacity (ephemeral profile, Tempo 3.0)", () => {
    const config = buildTempoConfig(GCS_PROD);
    const at = (...keys: string[]): number => {
      let value: unknown = config;
      for (const key of keys) {
        value = (value as Record<string, unknown>)[key];
      }
      if (typeof value !== "string") {
        throw new Error(`${keys.join(".")} is not set`);
      }
      return goDurationMs(value);
    };
    const poll = at("storage", "trace", "blocklist_poll");
    const backendAfter = at("query_frontend", "search", "query_backend_after");
    const completeBlock = at("live_store", "complete_block_timeout");
    const cutoff = at("query_frontend", "query_end_cutoff");

    it("writes the chosen settings", () => {
      expect(config.query_frontend).to.deep.equal({
        query_end_cutoff: "1s",
        search: { query_backend_after: "120s" },
        metrics: { max_duration: "169h", max_intervals: 10_100 },
      });
      expect(config.live_store).to.include({
        flush_check_period: "500ms",
        max_trace_idle: "500ms",
        max_trace_live: "2s",
        max_block_bytes: 8 * 1024 * 1024,
        complete_block_timeout: "130s",
        flush_op_timeout: "10s",
        block_reclaim_grace: "35s",
        max_live_traces_bytes: 100_000_000,
      });
      // complete_block_concurrency is Tempo's default (2) again: blocks are cut at most every 2 s.
      expect(config.live_store).to.not.have.key("complete_block_concurrency");
      expect(config.storage).to.deep.include({
        trace: {
          ...(config.storage as { trace: Record<string, unknown> }).trace,
          blocklist_poll: "90s",
          block: { bloom_filter_shard_size_bytes: 16_384 },
        },
      });
      expect(config.backend_scheduler).to.deep.include({ backend_flush_interval: "5m" });
      expect(config.overrides).to.deep.equal({
        defaults: {
          ingestion: { rate_limit_bytes: 6_000_000, burst_size_bytes: 15_000_000 },
          global: { max_bytes_per_trace: 5_000_000 },
        },
      });
    });

    it("keeps the end cutoff inside query_backend_after, as Tempo requires at start-up", () => {
      expect(cutoff).to.be.at.most(backendAfter);
    });

    it("lets the querier see an uploaded block before searches stop asking the live-store for it", () => {
      // A block reaches the bucket seconds after its traces end (measured: under 10 s at 20k spans/s).
      expect(poll + 30_000).to.be.at.most(backendAfter);
    });

    it("keeps a block in the live-store for as long as searches still ask the live-store for it", () => {
      // Block end times are whole seconds: one second of rounding, plus margin.
      expect(completeBlock).to.be.at.least(backendAfter + 10_000);
    });

    it("keeps files for running queries at least the querier's 30 s search timeout", () => {
      expect(at("live_store", "block_reclaim_grace")).to.be.at.least(30_000);
    });

    it("accepts a whole export batch within the burst, and refuses above the rate", () => {
      // The OpenTelemetry SDKs send at most 512 spans a batch by default; npm run load 2048.
      const largestBatchBytes = 2048 * 300;
      expect(PROD_CAPACITY.ingestionBurstSizeBytes).to.be.at.least(largestBatchBytes);
      expect(PROD_CAPACITY.ingestionRateLimitBytes).to.be.below(30_000_000); // Tempo's default lets it grow
    });

    it("merges the ingestion limits with the metrics generator's processors", () => {
      const both = buildTempoConfig({ ...GCS_PROD, metricsRemoteWriteUrl: "http://p/w" });
      expect((both.overrides as { defaults: Record<string, unknown> }).defaults).to.have.all.keys(
        "metrics_generator",
        "ingestion",
        "global",
      );
    });

    it("applies the ingestion limits on Tempo 2.10 too, without the 3.0 live-store keys", () => {
      const legacy = buildTempoConfig({ ...GCS_PROD, release: release("2.10.8") });
      expect((legacy.overrides as { defaults: Record<string, unknown> }).defaults).to.deep.include(
        (config.overrides as { defaults: Record<string, unknown> }).defaults,
      );
      expect(legacy.query_frontend).to.deep.equal({
        query_end_cutoff: "1s",
        metrics: { max_duration: "169h", max_intervals: 10_100 },
      });
      expect((legacy.storage as { trace: Record<string, unknown> }).trace).to.not.have.key("blocklist_poll");
    });
  });

  describe("TraceQL metrics, for the overview dashboard", () => {
    const week = 7 * 24 * 3600 * 1000;
    for (const version of ["3.0.3", "2.10.8"]) {
      it(`lets Tempo ${version} answer a 7-day range in one-minute steps`, () => {
        const metrics = (
          buildTempoConfig({ ...LOCAL_30, release: release(version) }).query_frontend as Record<
            string,
            Record<string, string | number>
          >
        ).metrics;
        // Tempo refuses a range longer than max_duration, and more than max_intervals steps
        expect(goDurationMs(String(metrics.max_duration))).to.be.at.least(week);
        expect(Number(metrics.max_intervals)).to.be.at.least(week / 60_000);
        expect(Number(metrics.max_intervals)).to.be.below(2 * (week / 60_000));
      });
    }

    it("turns on the metrics generator's local-blocks processor for every span on Tempo 2.10 only", () => {
      const legacy = buildTempoConfig({ ...LOCAL_30, release: release("2.10.8") });
      expect(legacy.metrics_generator).to.deep.equal({
        storage: { path: "/var/tempo/generator/wal" },
        traces_storage: { path: "/var/tempo/generator/traces" },
        // flushed to the bucket: 2.10's frontend reads only the generator's blocks past 30 minutes
        processor: { local_blocks: { filter_server_spans: false, flush_to_storage: true } },
      });
      expect(legacy.overrides).to.deep.equal({ defaults: { metrics_generator: { processors: ["local-blocks"] } } });
      // 3.0 answers from its live-store and blocks: no generator unless metrics are sent somewhere
      expect(buildTempoConfig(LOCAL_30)).to.not.have.any.keys("metrics_generator", "overrides");
      const sending = buildTempoConfig({
        ...LOCAL_30,
        release: release("2.10.8"),
        metricsRemoteWriteUrl: "http://p/w",
      });
      expect(
        (sending.overrides as { defaults: { metrics_generator: { processors: string[] } } }).defaults.metrics_generator
          .processors,
      ).to.deep.equal(["service-graphs", "span-metrics", "local-blocks"]);
    });
  });

  describe("GOMEMLIMIT for the Tempo container", () => {
    it("is half the container's memory limit, in the units Go reads", () => {
      expect(tempoGoMemLimit("2Gi")).to.equal("1024MiB");
      expect(tempoGoMemLimit("1536Mi")).to.equal("768MiB");
      expect(tempoGoMemLimit("4Gi")).to.equal("2048MiB");
    });

    it("refuses a size Cloud Run would not take", () => {
      expect(() => tempoGoMemLimit("2G")).to.throw(/2Gi or 1536Mi/);
      expect(() => tempoGoMemLimit("")).to.throw();
    });
  });

  it("starts the YAML with a header naming the release", () => {
    expect(renderTempoYaml(LOCAL_30).split("\n")[0]).to.equal(
      "# Generated for Tempo 3.0.3 by config/files/tempoConfig.ts. Do not edit.",
    );
  });
});
