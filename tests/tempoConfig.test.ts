import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
  GUIDE_GCS_TUNING,
  TempoSettings,
  blockRetention,
  buildTempoConfig,
  renderTempoYaml,
} from "../config/files/tempoConfig";
import { TEMPO_RELEASES, TempoLine, findTempoRelease } from "../config/constants/tempoReleases";
import { ACCEPTED_KEYS } from "./tempoSchema";

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
  backend: { kind: "gcs", bucketName: "diagramik-traces", ...GUIDE_GCS_TUNING },
  durability: "ephemeral",
  externalLabels: { source: "tempo", environment: "DEPLOYED_SERVICE" },
};

/** Every key path of a YAML document, lists flattened to their items' keys. */
function keyPaths(node: unknown, prefix = ""): string[] {
  if (Array.isArray(node)) {
    return node.flatMap((item) => keyPaths(item, `${prefix}[]`));
  }
  if (node !== null && typeof node === "object") {
    return Object.entries(node).flatMap(([key, value]) => {
      const here = prefix ? `${prefix}.${key}` : key;
      return [here, ...keyPaths(value, here)];
    });
  }
  return [];
}

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
      usage_report: { reporting_enabled: false },
      live_store: {
        wal: { path: "/var/tempo/live-store/traces" },
        shutdown_marker_dir: "/var/tempo/live-store/shutdown-marker",
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
    expect(config).to.not.have.any.keys("live_store", "backend_scheduler", "backend_worker", "ingester");
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

  it("writes the guide's GCS tuning and no test endpoint unless one is given", () => {
    const gcs = (buildTempoConfig(GCS_PROD).storage as { trace: { gcs: Record<string, unknown> } }).trace.gcs;
    expect(gcs).to.deep.equal({
      bucket_name: "diagramik-traces",
      prefix: "traces/",
      chunk_buffer_size: 10485760,
      list_blocks_concurrency: 3,
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
        ...GUIDE_GCS_TUNING,
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
    expect(config.shutdown_delay).to.equal("3s");
    expect(config.server).to.include({ graceful_shutdown_timeout: "2s" });
    expect(config.backend_worker).to.deep.include({ finish_on_shutdown_timeout: "1s" });
    expect(config.live_store).to.include({
      flush_check_period: "1s",
      max_trace_idle: "1s",
      max_block_duration: "500ms",
    });
    const legacy = buildTempoConfig({ ...GCS_PROD, release: release("2.10.8") });
    expect(legacy.ingester).to.deep.equal({ flush_all_on_shutdown: true });
  });

  it("keeps the release defaults where the disk persists", () => {
    const config = buildTempoConfig(LOCAL_30);
    expect(config).to.not.have.any.keys("shutdown_delay", "memberlist");
    expect(config.server).to.not.have.key("graceful_shutdown_timeout");
  });

  it("starts the YAML with a header naming the release", () => {
    expect(renderTempoYaml(LOCAL_30).split("\n")[0]).to.equal(
      "# Generated for Tempo 3.0.3 by config/files/tempoConfig.ts. Do not edit.",
    );
  });
});
