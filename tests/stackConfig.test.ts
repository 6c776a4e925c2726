import { expect } from "chai";
import { ConfigError } from "../config/stack/errors";
import { ALL_CONFIG_KEYS } from "../config/stack/keys";
import { ConfigReader } from "../config/stack/reader";
import { sourceFromMap } from "../config/stack/source";
import { DEFAULTS, loadStackConfig } from "../config/stack/stackConfig";
import { stackFileSource } from "../config/stack/stackFile";
import { findTempoRelease } from "../config/constants/tempoReleases";
import { readDoc } from "./docs";
import { renderStackFiles } from "../config/stack/stackFiles";
import { parse } from "yaml";
import { stackFileConfig } from "./harness";

function load(values: Record<string, unknown>) {
  return loadStackConfig(sourceFromMap(values));
}

function problemsOf(values: Record<string, unknown>): string[] {
  try {
    load(values);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems.map((p) => p.key);
    }
    throw error;
  }
  return [];
}

describe("stack config", () => {
  it("fills every default when nothing is set", () => {
    expect(load({})).to.deep.equal({
      platform: "docker",
      mode: "split",
      tempo: findTempoRelease("3.0.3"),
      retentionDays: 30,
      metricsRemoteWriteUrl: undefined,
      usageReporting: false,
      serviceName: "diagram-agent",
      deploymentEnvironment: "DEBUG",
      grafanaAnonymousRole: "none",
      bindAddress: "127.0.0.1",
      hostPorts: { grafana: 3000, tempo: 3200, otlpGrpc: 4317, otlpHttp: 4318 },
    });
  });

  it("reads the checked-in local stack", () => {
    const config = loadStackConfig(stackFileSource("local"));
    expect(config).to.include({
      platform: "docker",
      mode: "split",
      grafanaAnonymousRole: "Editor",
      bindAddress: "127.0.0.1",
    });
    expect(config.tempo.version).to.equal(DEFAULTS.tempoVersion);
  });

  it("takes values as Pulumi hands them over: numbers and booleans as text", () => {
    const config = load({ "tracing:retentionDays": 7, "tracing:usageReporting": true, "tracing:grafanaPort": "3001" });
    expect(config).to.deep.include({ retentionDays: 7, usageReporting: true });
    expect(config.platform === "docker" && config.hostPorts.grafana).to.equal(3001);
  });

  it("hands the prod stack's block upload interval to tempo.yaml, 30 s unless set", () => {
    const prod = (extra: Record<string, unknown>) =>
      parse(
        renderStackFiles(load({ ...stackFileConfig("prod"), ...extra })).find((f) => f.path === "tempo.yaml")
          ?.content ?? "",
      ) as { live_store: Record<string, unknown> };
    expect(prod({}).live_store.max_block_duration).to.equal("30s");
    expect(prod({ "tracing:tempoBlockUpload": "2s" }).live_store.max_block_duration).to.equal("2s");
  });

  it("selects the 2.10 line and its image together", () => {
    const config = load({ "tracing:tempoVersion": "2.10.8" });
    expect(config.tempo).to.deep.equal({
      version: "2.10.8",
      line: "2.10",
      image: "grafana/tempo:2.10.8",
      hasHealthFlag: false,
    });
  });

  it("reports every bad key at once", () => {
    expect(
      problemsOf({ "tracing:mode": "compose", "tracing:retentionDays": "30 days", "tracing:bindAddress": "localhost" }),
    ).to.deep.equal(["tracing:retentionDays", "tracing:mode", "tracing:bindAddress"]);
  });

  it("treats a blank value as unset", () => {
    expect(load({ "tracing:mode": "  " }).platform === "docker" && load({ "tracing:mode": "  " })).to.include({
      mode: "split",
    });
  });

  it("refuses a misspelt key, naming the known key nearest to it", () => {
    // GIVEN a typo that would otherwise be ignored and leave the default in place
    // WHEN the config is loaded THEN it stops, naming the key, its value and the nearest known key
    expect(() => load({ "tracing:retentonDays": "5", "tracing:otlpHttpPrt": "4319" })).to.throw(
      ConfigError,
      [
        'tracing:otlpHttpPrt = "4319": expected a key this program knows: did you mean tracing:otlpHttpPort?',
        'tracing:retentonDays = "5": expected a key this program knows: did you mean tracing:retentionDays?',
      ].join(" (every key: docs/configuration.md)\n  - "),
    );
  });

  it("reads a key without a namespace as the project's, as the Pulumi CLI does", () => {
    expect(load({ retentionDays: 7 })).to.include({ retentionDays: 7 });
    expect(problemsOf({ retentonDays: 7 })).to.deep.equal(["tracing:retentonDays"]);
  });

  it("suggests only keys of the stack's own platform", () => {
    expect(() =>
      load({
        "tracing:platform": "gcp",
        "gcp:project": "diagramik-prod",
        "gcp:region": "us-central1",
        "tracing:bucketName": "diagramik-traces",
        "tracing:vpcNetwork": "default",
        "tracing:vpcSubnetwork": "default",
        "tracing:bucketPrefx": "x/",
      }),
    ).to.throw(ConfigError, "did you mean tracing:bucketPrefix?");
    expect(() => load({ "tracing:grafanaPrt": "3001" })).to.throw(ConfigError, "did you mean tracing:grafanaPort?");
  });

  it("leaves other namespaces to their owners", () => {
    expect(problemsOf({ "gcp:project": "diagramik-prod", "docker:host": "unix:///var/run/docker.sock" })).to.deep.equal(
      [],
    );
  });

  it("refuses to read a key that is not declared, so the unknown-key check cannot fall behind", () => {
    const reader = new ConfigReader(sourceFromMap({}), "tracing");
    expect(() => reader.raw("notDeclared")).to.throw(/tracing:notDeclared is read but not declared/);
  });

  it("documents every key it reads in the configuration page's tables", () => {
    const page = readDoc("docs/configuration.md");
    const tableRows = page.split("\n").filter((line) => line.startsWith("| `"));
    const undocumented = ALL_CONFIG_KEYS.filter(
      (key) => !tableRows.some((row) => row.split("|")[1].includes(`\`${key}\``)),
    );
    expect(undocumented).to.deep.equal([]);
  });

  it("names the key, the value and what is valid in its message", () => {
    expect(() => load({ "tracing:retentionDays": "30 days" })).to.throw(
      ConfigError,
      'tracing:retentionDays = "30 days": expected a whole number of days from 1 to 3650',
    );
  });
});
