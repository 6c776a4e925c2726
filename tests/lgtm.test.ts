import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { lgtmStartScript } from "../components/lgtmService";
import { formatGoDuration, parseGoDuration } from "../config/files/goDuration";
import { IMAGES, LGTM_BUNDLED } from "../config/constants/images";
import { TEMPO_RELEASES } from "../config/constants/tempoReleases";
import { renderStackFiles, tempoSettingsFor } from "../config/stack/stackFiles";
import { renderTempoYaml } from "../config/files/tempoConfig";
import { sourceFromMap } from "../config/stack/source";
import { DockerStackConfig, loadStackConfig } from "../config/stack/stackConfig";
import {
  ProgramRun,
  Recorded,
  mockPassword,
  one,
  ofType,
  runProgram,
  runProgramExpectingError,
  stackFileConfig,
} from "./harness";
import { ACCEPTED_KEYS, PLACEMENT_KEYS, keyPaths } from "./tempoSchema";

const CONTAINER = "docker:index/container:Container";

/*
 * What grafana/otel-lgtm 0.31.0 does, written down here from its sources at tag v0.31.0
 * (independently of the code under test), so that a test fails if the code drifts from the image:
 * - docker/run-tempo.sh: `./tempo/tempo --config.file=./tempo-config.yaml`, WORKDIR /otel-lgtm.
 * - docker/tempo-config.yaml: gRPC 9096, OTLP receivers 127.0.0.1:4417 (gRPC) and :4418 (HTTP),
 *   memberlist on 127.0.0.1:7947; docker/otelcol-config.yaml exports traces to 127.0.0.1:4418.
 * - docker/run-grafana.sh: GF_PATHS_DATA=/data/grafana/data, GF_PATHS_PLUGINS=/data/grafana/plugins,
 *   server started as ./bin/grafana in /otel-lgtm/grafana.
 * - docker/run-all.sh: LGTM_SHUTDOWN_TIMEOUT_SECONDS (default 5) before it kills the components.
 */
const IMAGE = {
  tempoConfig: "/otel-lgtm/tempo-config.yaml",
  collectorTracesExport: "127.0.0.1:4418",
  tempoOtlpGrpc: "127.0.0.1:4417",
  tempoGrpcPort: 9096,
  memberlistPort: 7947,
  grafanaData: "/data/grafana/data",
  grafanaPlugins: "/data/grafana/plugins",
  grafanaHome: "/otel-lgtm/grafana",
  bundledPrometheusWrite: "http://127.0.0.1:9090/api/v1/write",
};

/**
 * Every config key under which Tempo 3.0.3 writes to disk in monolithic mode, with its default
 * when no line names it (grafana/tempo v3.0.3: modules/storage/config.go, modules/livestore/config.go,
 * modules/backendscheduler/config.go, modules/generator/storage/config.go). The block builder's WAL
 * is not here: `target: all` does not run the block builder in 3.0.3 (cmd/tempo/app/modules.go).
 */
const TEMPO_WRITE_PATHS: { key: string[]; defaultPath: string }[] = [
  { key: ["storage", "trace", "wal", "path"], defaultPath: "/var/tempo/wal" },
  { key: ["storage", "trace", "local", "path"], defaultPath: "(none: required with backend local)" },
  { key: ["live_store", "wal", "path"], defaultPath: "/var/tempo/live-store/traces" },
  { key: ["live_store", "shutdown_marker_dir"], defaultPath: "/var/tempo/live-store/shutdown-marker" },
  { key: ["backend_scheduler", "local_work_path"], defaultPath: "/var/tempo" },
  { key: ["metrics_generator", "storage", "path"], defaultPath: "(none: generator disabled)" },
];

type Doc = Record<string, unknown>;

const LGTM_CONFIG = { ...stackFileConfig("local"), "tracing:mode": "lgtm" };

function lgtmContainer(run: ProgramRun): Recorded {
  return one(run, CONTAINER, "tracing-lgtm");
}

function uploadAt(container: Recorded, file: string): string {
  const uploads = container.inputs.uploads as { file: string; content: string }[];
  const found = uploads.filter((upload) => upload.file === file);
  expect(found, `uploads to ${file}`).to.have.length(1);
  return found[0].content;
}

function envOf(container: Recorded): string[] {
  return container.inputs.envs as string[];
}

function tempoYamlOf(run: ProgramRun): Doc {
  return parse(uploadAt(lgtmContainer(run), IMAGE.tempoConfig)) as Doc;
}

function getIn(doc: unknown, key: readonly string[]): unknown {
  return key.reduce<unknown>(
    (node, part) => (node !== null && typeof node === "object" ? (node as Doc)[part] : undefined),
    doc,
  );
}

function deleteIn(doc: Doc, key: readonly string[]): void {
  const parent = getIn(doc, key.slice(0, -1));
  if (parent !== null && typeof parent === "object") {
    delete (parent as Doc)[key[key.length - 1]];
  }
}

function strings(node: unknown): string[] {
  if (typeof node === "string") {
    return [node];
  }
  if (node !== null && typeof node === "object") {
    return Object.values(node).flatMap(strings);
  }
  return [];
}

/** The settings the placement changes: listeners and paths. Everything else must be the builder's. */
const PLACED: string[][] = [
  ["server", "grpc_listen_port"],
  ["distributor", "receivers", "otlp", "protocols", "grpc", "endpoint"],
  ["distributor", "receivers", "otlp", "protocols", "http", "endpoint"],
  ["memberlist"],
  ["querier"],
  ...TEMPO_WRITE_PATHS.map((p) => p.key),
];

function withoutPlacement(doc: Doc): Doc {
  const copy = structuredClone(doc);
  for (const key of PLACED) {
    deleteIn(copy, key);
  }
  return copy;
}

function lgtmStack(overrides: Record<string, unknown> = {}): DockerStackConfig {
  const config = loadStackConfig(sourceFromMap({ ...LGTM_CONFIG, ...overrides }));
  if (config.platform !== "docker") {
    throw new Error("expected a docker stack");
  }
  return config;
}

describe("lgtm mode under mocks: Tempo runs the builder's tempo.yaml", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram(LGTM_CONFIG, "local");
  });

  it("uploads tempo.yaml to the file the image's Tempo reads, replacing the image's own", () => {
    const yaml = uploadAt(lgtmContainer(run), IMAGE.tempoConfig);
    expect(yaml).to.contain("# Generated for Tempo 3.0.3 by config/files/tempoConfig.ts");
  });

  it("writes the split mode's settings: the builder's document, only listeners and paths differ", () => {
    // GIVEN the split mode's tempo.yaml for the same stack, with the generator pointed at the
    // bundled Prometheus as lgtm mode does when no URL is configured
    const split = parse(
      renderTempoYaml({ ...tempoSettingsFor(lgtmStack()), metricsRemoteWriteUrl: IMAGE.bundledPrometheusWrite }),
    ) as Doc;
    // THEN apart from where Tempo listens and writes, the documents are the same
    expect(withoutPlacement(tempoYamlOf(run))).to.deep.equal(withoutPlacement(split));
  });

  it("keeps the defaults: 30-day retention, usage reporting off, span metrics to the bundled Prometheus", () => {
    const doc = tempoYamlOf(run);
    expect(getIn(doc, ["backend_worker", "compaction", "block_retention"])).to.equal("717h");
    expect(getIn(doc, ["backend_scheduler", "provider", "compaction", "compaction", "block_retention"])).to.equal(
      "717h",
    );
    expect(getIn(doc, ["usage_report", "reporting_enabled"])).to.equal(false);
    expect(getIn(doc, ["metrics_generator", "storage", "remote_write"])).to.deep.equal([
      { url: IMAGE.bundledPrometheusWrite, send_exemplars: true },
    ]);
  });

  it("puts every path Tempo writes under /data, the volume, and names each one", () => {
    const doc = tempoYamlOf(run);
    for (const { key } of TEMPO_WRITE_PATHS) {
      expect(getIn(doc, key), key.join("."))
        .to.be.a("string")
        .and.match(/^\/data\/tempo(\/|$)/);
    }
    expect(strings(doc).filter((value) => value.startsWith("/") && !value.startsWith("/data/"))).to.deep.equal([]);
    expect(lgtmContainer(run).inputs.volumes).to.deep.equal([
      { volumeName: "tracing-lgtm-data", containerPath: "/data" },
    ]);
  });

  it("listens where the image expects: OTLP behind the bundled collector, its own gRPC and gossip ports", () => {
    const doc = tempoYamlOf(run);
    const protocols = ["distributor", "receivers", "otlp", "protocols"];
    expect(getIn(doc, [...protocols, "http", "endpoint"])).to.equal(IMAGE.collectorTracesExport);
    expect(getIn(doc, [...protocols, "grpc", "endpoint"])).to.equal(IMAGE.tempoOtlpGrpc);
    expect(getIn(doc, ["server", "grpc_listen_port"])).to.equal(IMAGE.tempoGrpcPort);
    expect(getIn(doc, ["server", "http_listen_port"])).to.equal(3200);
    expect(getIn(doc, ["memberlist", "bind_port"])).to.equal(IMAGE.memberlistPort);
    expect(getIn(doc, ["querier", "frontend_worker", "frontend_address"])).to.equal(`127.0.0.1:${IMAGE.tempoGrpcPort}`);
  });

  it("writes only keys Tempo 3.0.3 parses", () => {
    const accepted = new Set([...ACCEPTED_KEYS["3.0"], ...PLACEMENT_KEYS]);
    expect(keyPaths(tempoYamlOf(run)).filter((key) => !accepted.has(key))).to.deep.equal([]);
  });

  it("renders the same tempo.yaml as it deploys (npm run render)", () => {
    const rendered = renderStackFiles(lgtmStack()).find((file) => file.path === "tempo.yaml");
    expect(rendered?.content).to.equal(uploadAt(lgtmContainer(run), IMAGE.tempoConfig));
  });
});

describe("lgtm mode under mocks: every accepted key is honoured", () => {
  it("honours retentionDays and metricsRemoteWriteUrl", async () => {
    const run = await runProgram({
      ...LGTM_CONFIG,
      "tracing:retentionDays": 7,
      "tracing:metricsRemoteWriteUrl": "http://prometheus:9090/api/v1/write",
    });
    const doc = tempoYamlOf(run);
    expect(getIn(doc, ["backend_worker", "compaction", "block_retention"])).to.equal("165h");
    expect(getIn(doc, ["metrics_generator", "storage", "remote_write"])).to.deep.equal([
      { url: "http://prometheus:9090/api/v1/write", send_exemplars: true },
    ]);
  });

  it("keeps Tempo, Loki and Pyroscope from reporting usage unless usageReporting is true", async () => {
    const off = lgtmContainer(await runProgram(LGTM_CONFIG));
    expect(envOf(off)).to.include.members([
      "LOKI_EXTRA_ARGS=-reporting.enabled=false",
      "PYROSCOPE_EXTRA_ARGS=-usage-stats.enabled=false",
    ]);

    const onRun = await runProgram({ ...LGTM_CONFIG, "tracing:usageReporting": true });
    const on = lgtmContainer(onRun);
    expect(envOf(on).filter((e) => /^(LOKI|PYROSCOPE)_EXTRA_ARGS=/.test(e))).to.deep.equal([]);
    expect(getIn(tempoYamlOf(onRun), ["usage_report", "reporting_enabled"])).to.equal(true);
  });

  it("labels generated metrics with deploymentEnvironment", async () => {
    const run = await runProgram({ ...LGTM_CONFIG, "tracing:deploymentEnvironment": "STAGING" });
    expect(getIn(tempoYamlOf(run), ["metrics_generator", "registry", "external_labels", "environment"])).to.equal(
      "STAGING",
    );
  });

  it("refuses a tempoVersion the image does not run, naming the key, with no resource registered", async () => {
    const { error, resources } = await runProgramExpectingError({ ...LGTM_CONFIG, "tracing:tempoVersion": "2.10.8" });
    expect(error.message).to.contain("Invalid stack configuration (nothing was deployed)");
    expect(error.message).to.contain(
      `tracing:tempoVersion = "2.10.8": expected "3.0.3" in lgtm mode: ${IMAGES.lgtm} runs its own Tempo 3.0.3`,
    );
    expect(error.message).to.contain("Tempo 2.10.8 needs tracing:mode split");
    expect(resources).to.deep.equal([]);
  });

  it("knows how to write tempo.yaml for the Tempo the image bundles", () => {
    const line = LGTM_BUNDLED.tempo.split(".").slice(0, 2).join(".");
    expect(TEMPO_RELEASES.map((release) => release.line)).to.include(line);
    expect(IMAGES.lgtm).to.equal("grafana/otel-lgtm:0.31.0");
  });
});

describe("lgtm mode under mocks: Grafana's state and login", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram(LGTM_CONFIG, "local");
  });

  it("points Grafana (server and CLI) at its database and plugins on /data", () => {
    expect(envOf(lgtmContainer(run))).to.include.members([
      `GF_PATHS_DATA=${IMAGE.grafanaData}`,
      `GF_PATHS_PLUGINS=${IMAGE.grafanaPlugins}`,
      "GF_SECURITY_ADMIN_PASSWORD=$__file{/etc/grafana/secrets/admin/password}",
    ]);
  });

  it("resets the admin password from the uploaded secret file, then starts the image's run-all.sh", () => {
    const container = lgtmContainer(run);
    const command = container.inputs.command as string[];
    expect(command.slice(0, 2)).to.deep.equal(["bash", "-c"]);
    expect(command[2]).to.contain(
      `./bin/grafana cli --homepath '${IMAGE.grafanaHome}' \\\n    admin reset-admin-password --password-from-stdin < '/etc/grafana/secrets/admin/password'`,
    );
    expect(command[2].trim().split("\n").pop()).to.equal("cd '/otel-lgtm' && exec ./run-all.sh");
    expect(uploadAt(container, "/etc/grafana/secrets/admin/password")).to.equal(
      mockPassword("tracing-lgtm-admin-password"),
    );
    expect(container.secretInputs).to.deep.equal(["uploads"]);
  });

  it("keeps run-all.sh's MCP bootstrap from failing admin logins at every start", () => {
    // run-all.sh logs in to ${GRAFANA_URL:-http://127.0.0.1:3000} with the admin user and
    // GF_SECURITY_ADMIN_PASSWORD, which here is a $__file{} reference: it must not reach Grafana.
    const url = envOf(lgtmContainer(run))
      .find((e) => e.startsWith("GRAFANA_URL="))
      ?.slice("GRAFANA_URL=".length);
    expect(url).to.be.a("string");
    expect(new URL(url ?? "").port).to.not.be.oneOf(["", "3000"]);
    expect(new URL(url ?? "").hostname).to.equal("127.0.0.1");
  });

  it("gives the image's components time to stop cleanly before Docker kills them", () => {
    const container = lgtmContainer(run);
    const shutdown = Number(
      envOf(container)
        .find((e) => e.startsWith("LGTM_SHUTDOWN_TIMEOUT_SECONDS="))
        ?.split("=")[1],
    );
    // Tempo 3.0 needs about 30 s; run-all.sh must give it that, and Docker must outwait run-all.sh.
    expect(shutdown).to.be.at.least(35);
    expect(container.inputs.stopTimeout).to.be.greaterThan(shutdown);
    expect(container.inputs.destroyGraceSeconds).to.equal(container.inputs.stopTimeout);
  });
});

describe("lgtm start script, run by bash against stubs of the image", () => {
  let root: string;
  const password = "s3cret-from-pulumi";

  function runScript(grafanaExit: number) {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "lgtm-start-"));
    const home = path.join(root, "otel-lgtm");
    const grafanaHome = path.join(home, "grafana");
    fs.mkdirSync(path.join(grafanaHome, "bin"), { recursive: true });
    const passwordFile = path.join(root, "password");
    fs.writeFileSync(passwordFile, password);
    const record = path.join(root, "grafana-call");
    fs.writeFileSync(
      path.join(grafanaHome, "bin", "grafana"),
      `#!/usr/bin/env bash\n{ echo "args=$*"; echo "cwd=$PWD"; echo "data=$GF_PATHS_DATA"; echo "stdin=$(cat)"; } > '${record}'\nexit ${grafanaExit}\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(home, "run-all.sh"), `#!/usr/bin/env bash\necho "run-all pid=$$ cwd=$PWD"\n`, {
      mode: 0o755,
    });
    const script = lgtmStartScript({ home, grafanaHome, adminPasswordFile: passwordFile });
    const result = spawnSync("bash", ["-c", script], {
      encoding: "utf8",
      env: { ...process.env, GF_PATHS_DATA: IMAGE.grafanaData },
    });
    const call = fs.existsSync(record) ? fs.readFileSync(record, "utf8") : "";
    return { result, call, home, grafanaHome };
  }

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("resets the password through grafana cli on the volume's database, then execs run-all.sh", () => {
    const { result, call, home, grafanaHome } = runScript(0);
    expect(result.status).to.equal(0);
    expect(call).to.contain(`args=cli --homepath ${grafanaHome} admin reset-admin-password --password-from-stdin\n`);
    expect(call).to.contain(`cwd=${grafanaHome}\n`);
    expect(call).to.contain(`data=${IMAGE.grafanaData}\n`);
    expect(call).to.contain(`stdin=${password}\n`);
    // exec: run-all.sh replaces the shell, so it is PID 1 in the container and gets SIGTERM.
    expect(result.stdout).to.contain(`run-all pid=${result.pid} cwd=${home}`);
  });

  it("still starts the image when the reset fails", () => {
    const { result, home } = runScript(1);
    expect(result.status).to.equal(0);
    expect(result.stderr).to.contain("Grafana admin password not reset");
    expect(result.stdout).to.contain(`run-all pid=${result.pid} cwd=${home}`);
  });
});

describe("Docker health-check durations", () => {
  const FIELDS = ["interval", "timeout", "startPeriod", "startInterval"];

  for (const [mode, config] of [
    ["split", stackFileConfig("local")],
    ["lgtm", LGTM_CONFIG],
  ] as const) {
    it(`are written as the provider reads them back (Go's Duration.String()) in ${mode} mode`, async () => {
      const run = await runProgram(config);
      const durations = ofType(run, CONTAINER).flatMap((container) => {
        const check = (container.inputs.healthcheck ?? {}) as Record<string, unknown>;
        return FIELDS.filter((field) => check[field] !== undefined).map((field) => String(check[field]));
      });
      expect(durations).to.not.be.empty;
      for (const duration of durations) {
        const nanos = parseGoDuration(duration);
        expect(nanos, duration).to.be.a("number");
        expect(formatGoDuration(nanos ?? -1), duration).to.equal(duration);
      }
    });
  }

  it("gives the lgtm container a one-minute start period as 1m0s", async () => {
    const check = lgtmContainer(await runProgram(LGTM_CONFIG)).inputs.healthcheck as Record<string, unknown>;
    expect(check.startPeriod).to.equal("1m0s");
  });
});
