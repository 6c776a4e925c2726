import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { IMAGES } from "../config/constants/images";
import { renderTracesDashboard } from "../config/files/grafanaProvisioning";
import { loadStackConfig } from "../config/stack/stackConfig";
import { stackFileSource } from "../config/stack/stackFile";
import { tempoSettingsFor } from "../config/stack/stackFiles";
import { renderTempoYaml } from "../config/files/tempoConfig";
import { tempoSearchWithinSeconds } from "../config/files/tempoFreshness";
import { renderOverviewDashboard } from "../config/files/overviewDashboard";
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

const CONTAINER = "docker:index/container:Container";
const IMAGE = "docker:index/remoteImage:RemoteImage";

interface Port {
  internal: number;
  external: number;
  ip: string;
}
interface Upload {
  file: string;
  content: string;
}

function summary(run: ProgramRun): string[] {
  return run.resources.map((r) => `${r.type} ${r.name}`).sort();
}

function uploads(container: Recorded): Upload[] {
  return container.inputs.uploads as Upload[];
}

function envs(container: Recorded): string[] {
  return container.inputs.envs as string[];
}

describe("local stack (split mode) under mocks", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram(stackFileConfig("local"), "local");
  });

  it("registers exactly the network, volume, Tempo and Grafana, and no LGTM container", () => {
    expect(summary(run)).to.deep.equal([
      "docker:index/container:Container tracing-grafana",
      "docker:index/container:Container tracing-tempo",
      "docker:index/network:Network tracing",
      "docker:index/remoteImage:RemoteImage tracing-grafana-image",
      "docker:index/remoteImage:RemoteImage tracing-tempo-image",
      "docker:index/volume:Volume tracing-tempo-data",
      "random:index/randomPassword:RandomPassword tracing-grafana-admin-password",
      "tracing:grafana:GrafanaService tracing-grafana",
      "tracing:storage:TraceStorage tracing-tempo",
      "tracing:tempo:TempoService tracing-tempo",
    ]);
  });

  it("pins every image to a version", () => {
    const images = ofType(run, IMAGE).map((image) => image.inputs.name as string);
    expect(images).to.deep.equal(["grafana/tempo:3.0.3", IMAGES.grafana]);
    for (const image of images) {
      expect(image).to.match(/:\d+\.\d+\.\d+$/);
    }
  });

  it("publishes every port on 127.0.0.1 only", () => {
    const ports = ofType(run, CONTAINER).flatMap((c) => c.inputs.ports as Port[]);
    expect(ports.map((p) => `${p.ip}:${p.external}->${p.internal}`).sort()).to.deep.equal([
      "127.0.0.1:3000->3000",
      "127.0.0.1:3200->3200",
      "127.0.0.1:4317->4317",
      "127.0.0.1:4318->4318",
    ]);
  });

  it("runs Tempo with the builder's tempo.yaml, its data volume and a /ready health check", () => {
    const tempo = one(run, CONTAINER, "tracing-tempo");
    const expectedYaml = renderTempoYaml(tempoSettingsFor(loadStackConfig(stackFileSource("local"))));
    expect(uploads(tempo)).to.deep.equal([{ file: "/etc/tempo/tempo.yaml", content: expectedYaml }]);
    expect(tempo.inputs).to.deep.include({
      name: "tracing-tempo",
      image: "sha256:tracing-tempo-image",
      command: ["-config.file=/etc/tempo/tempo.yaml"],
      volumes: [{ volumeName: "tracing-tempo-data", containerPath: "/var/tempo" }],
      networksAdvanced: [{ name: "tracing", aliases: ["tempo"] }],
      restart: "unless-stopped",
      wait: true,
    });
    expect(tempo.inputs.healthcheck).to.deep.include({
      tests: ["CMD", "/tempo", "-health", "-health.url=http://127.0.0.1:3200/ready"],
    });
    expect(tempo.parent).to.equal("tracing-tempo");
  });

  it("keeps the trace volume when the stack is destroyed", () => {
    const volume = one(run, "docker:index/volume:Volume");
    expect(volume.retainOnDelete).to.equal(true);
    expect(volume.inputs.name).to.equal("tracing-tempo-data");
  });

  it("provisions Grafana with Tempo, the dashboards and a generated admin password", () => {
    const grafana = one(run, CONTAINER, "tracing-grafana");
    const files = uploads(grafana).map((u) => u.file);
    expect(files).to.deep.equal([
      "/etc/grafana/provisioning/datasources/tempo.yaml",
      "/etc/grafana/provisioning/dashboards/diagram-agent.yaml",
      "/etc/grafana/dashboards/traces/diagram-agent-traces.json",
      "/etc/grafana/dashboards/overview/diagram-agent-overview.json",
      "/etc/grafana/secrets/admin/password",
    ]);
    expect(uploads(grafana)[0].content).to.contain("url: http://tempo:3200");
    expect(uploads(grafana)[2].content).to.equal(renderTracesDashboard("diagram-agent"));
    expect(uploads(grafana)[3].content).to.equal(
      renderOverviewDashboard({ serviceName: "diagram-agent", environments: ["DEBUG", "DEPLOYED_SERVICE", "DEBUG"] }),
    );
    expect(uploads(grafana)[4].content).to.equal(mockPassword("tracing-grafana-admin-password"));
    expect(grafana.secretInputs).to.deep.equal(["uploads"]);
    expect(grafana.dependsOn).to.deep.equal(["tracing-tempo"]);
  });

  it("gives anonymous visitors the configured role, never Admin, and keeps the login form", () => {
    const env = envs(one(run, CONTAINER, "tracing-grafana"));
    expect(env).to.include.members([
      "GF_AUTH_ANONYMOUS_ENABLED=true",
      "GF_AUTH_ANONYMOUS_ORG_ROLE=Editor",
      "GF_AUTH_DISABLE_LOGIN_FORM=false",
      "GF_SECURITY_ADMIN_PASSWORD=$__file{/etc/grafana/secrets/admin/password}",
    ]);
    expect(env.join("\n")).to.not.contain("Admin\n");
  });

  it("exports the URLs, the agent's .env and the admin password as a secret", async () => {
    expect(run.outputs).to.deep.include({
      grafanaUrl: "http://127.0.0.1:3000",
      tempoQueryUrl: "http://127.0.0.1:3200",
      otlpHttpEndpoint: "http://127.0.0.1:4318",
      otlpGrpcEndpoint: "http://127.0.0.1:4317",
      agentDotenv:
        "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318\nOTEL_SERVICE_NAME=diagram-agent\nDEPLOYMENT_ENVIRONMENT=DEBUG\n",
      // What the deployed tempo.yaml promises for search freshness; `npm run verify` waits that long.
      tempoSearchWithinSeconds: tempoSearchWithinSeconds(tempoSettingsFor(loadStackConfig(stackFileSource("local")))),
    });
    expect(await pulumi.isSecret(run.exports.grafanaAdminPassword as pulumi.Output<string>)).to.equal(true);
    expect(await pulumi.isSecret(run.exports.grafanaUrl as pulumi.Output<string>)).to.equal(false);
  });
});

describe("local stack variants under mocks", () => {
  it("runs only the all-in-one LGTM container in lgtm mode, with its /data volume", async () => {
    const run = await runProgram({ ...stackFileConfig("local"), "tracing:mode": "lgtm" });
    expect(summary(run)).to.deep.equal([
      "docker:index/container:Container tracing-lgtm",
      "docker:index/network:Network tracing",
      "docker:index/remoteImage:RemoteImage tracing-lgtm-image",
      "docker:index/volume:Volume tracing-lgtm-data",
      "random:index/randomPassword:RandomPassword tracing-lgtm-admin-password",
      "tracing:lgtm:LgtmService tracing-lgtm",
      "tracing:storage:TraceStorage tracing-lgtm",
    ]);
    const lgtm = one(run, CONTAINER);
    expect(one(run, IMAGE).inputs.name).to.equal(IMAGES.lgtm);
    expect(lgtm.inputs.volumes).to.deep.equal([{ volumeName: "tracing-lgtm-data", containerPath: "/data" }]);
    expect((lgtm.inputs.ports as Port[]).every((p) => p.ip === "127.0.0.1")).to.equal(true);
    // The image's own default is anonymous Admin; it must be overridden.
    expect(envs(lgtm)).to.include.members(["GF_AUTH_ANONYMOUS_ENABLED=true", "GF_AUTH_ANONYMOUS_ORG_ROLE=Editor"]);
  });

  it("turns anonymous access off when the role is none", async () => {
    const run = await runProgram({ "tracing:grafanaAnonymousRole": "none" });
    const env = envs(one(run, CONTAINER, "tracing-grafana"));
    expect(env).to.include("GF_AUTH_ANONYMOUS_ENABLED=false");
    expect(env.some((e) => e.startsWith("GF_AUTH_ANONYMOUS_ORG_ROLE"))).to.equal(false);
  });

  it("runs Tempo 2.10 with its own image and without a health check it cannot run", async () => {
    const run = await runProgram({ "tracing:tempoVersion": "2.10.8" });
    expect(one(run, IMAGE, "tracing-tempo-image").inputs.name).to.equal("grafana/tempo:2.10.8");
    const tempo = one(run, CONTAINER, "tracing-tempo");
    expect(tempo.inputs).to.not.have.any.keys("healthcheck", "wait");
    expect(uploads(tempo)[0].content).to.contain("compactor:");
  });

  it("binds to every interface and publishes custom ports only when configured", async () => {
    const run = await runProgram({ "tracing:bindAddress": "0.0.0.0", "tracing:grafanaPort": 13000 });
    const grafana = one(run, CONTAINER, "tracing-grafana");
    expect(grafana.inputs.ports).to.deep.equal([{ internal: 3000, external: 13000, ip: "0.0.0.0", protocol: "tcp" }]);
    expect(run.outputs.grafanaUrl).to.equal("http://localhost:13000");
  });
});

describe("bad local config stops the program before any resource", () => {
  const cases: { config: Record<string, unknown>; message: string }[] = [
    {
      config: { "tracing:grafanaPort": "70000" },
      message: 'tracing:grafanaPort = "70000": expected a whole number from 1 to 65535',
    },
    {
      config: { "tracing:otlpHttpPort": "http" },
      message: 'tracing:otlpHttpPort = "http": expected a whole number from 1 to 65535',
    },
    {
      config: { "tracing:tempoPort": 3000 },
      message:
        'tracing:tempoPort = "3000": expected a port no other key uses (tracing:grafanaPort already publishes 3000)',
    },
    {
      config: { "tracing:retentionDays": "30 days" },
      message: 'tracing:retentionDays = "30 days": expected a whole number of days from 1 to 3650',
    },
    {
      config: { "tracing:retentionDays": 0 },
      message: 'tracing:retentionDays = "0": expected a whole number of days from 1 to 3650',
    },
    { config: { "tracing:mode": "compose" }, message: 'tracing:mode = "compose": expected one of "split", "lgtm"' },
    {
      config: { "tracing:tempoVersion": "latest" },
      message: 'tracing:tempoVersion = "latest": expected one of "3.0.3", "2.10.8"',
    },
    {
      config: { "tracing:metricsRemoteWriteUrl": "prometheus:9090/api/v1/write" },
      message:
        'tracing:metricsRemoteWriteUrl = "prometheus:9090/api/v1/write": expected an absolute http:// or https:// URL',
    },
    {
      config: { "tracing:grafanaAnonymousRole": "Admin" },
      message:
        'tracing:grafanaAnonymousRole = "Admin": expected one of "none", "Viewer", "Editor"; anonymous Admin would let anyone',
    },
    {
      config: { "tracing:bindAddress": "localhost" },
      message: 'tracing:bindAddress = "localhost": expected an IPv4 address',
    },
    { config: { "tracing:usageReporting": "yes" }, message: 'tracing:usageReporting = "yes": expected true or false' },
    { config: { "tracing:platform": "aws" }, message: 'tracing:platform = "aws": expected one of "docker", "gcp"' },
    {
      config: { "tracing:serviceName": "diagram agent" },
      message: 'tracing:serviceName = "diagram agent": expected letters, digits',
    },
    {
      config: { "tracing:retentonDays": 5 },
      message: 'tracing:retentonDays = "5": expected a key this program knows: did you mean tracing:retentionDays?',
    },
    {
      config: { "tracing:bucketName": "diagramik-traces" },
      message:
        'tracing:bucketName = "diagramik-traces": expected no such key on tracing:platform "docker": tracing:bucketName applies only to platform "gcp"',
    },
  ];

  for (const { config, message } of cases) {
    const [key] = Object.keys(config);
    it(`rejects ${key} = ${JSON.stringify(config[key])}`, async () => {
      const { error, resources } = await runProgramExpectingError({ ...stackFileConfig("local"), ...config });
      expect(error.message).to.contain("Invalid stack configuration (nothing was deployed)");
      expect(error.message).to.contain(message);
      expect(resources).to.deep.equal([]);
    });
  }
});
