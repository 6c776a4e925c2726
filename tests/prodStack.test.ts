import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { IMAGES } from "../config/constants/images";
import { PROD_PROXY, renderProxyConfig } from "../config/files/proxyConfig";
import { loadStackConfig } from "../config/stack/stackConfig";
import { stackFileSource } from "../config/stack/stackFile";
import { grafanaFilesFor } from "../config/files/stackFiles";
import { TEMPO_BUCKET_PERMISSIONS } from "../components/traceStorage";
import { MOCK_PROJECT, ProgramRun, Recorded, mockPassword, one, ofType, runProgram, stackFileConfig } from "./harness";

const RUN_SERVICE = "gcp:cloudrunv2/service:Service";
const SECRET = "gcp:secretmanager/secret:Secret";
const SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion";
const SECRET_READER = "gcp:secretmanager/secretIamMember:SecretIamMember";
const TEMPO_SA = `serviceAccount:tempo-traces@${MOCK_PROJECT}.iam.gserviceaccount.com`;
const GRAFANA_SA = `serviceAccount:grafana-ui@${MOCK_PROJECT}.iam.gserviceaccount.com`;

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { containerPort: number };
  dependsOns?: string[];
  envs?: { name: string; value: string }[];
  resources: { limits: Record<string, string>; cpuIdle: boolean };
  startupProbe: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
}
interface Template {
  serviceAccount: string;
  scaling: { minInstanceCount: number; maxInstanceCount: number };
  containers: Container[];
  volumes: { name: string; secret: { secret: string; items: { path: string; version: string }[] } }[];
  vpcAccess?: Record<string, unknown>;
}

function template(service: Recorded): Template {
  return service.inputs.template as Template;
}

function container(service: Recorded, name: string): Container {
  const found = template(service).containers.find((c) => c.name === name);
  if (!found) {
    throw new Error(`no container ${name}`);
  }
  return found;
}

/** Secret id → its version's data, and who may read it. */
function secrets(run: ProgramRun) {
  const byId = new Map<string, { data: string; readers: string[]; secretData: boolean }>();
  for (const secret of ofType(run, SECRET)) {
    const version = one(run, SECRET_VERSION, secret.name);
    // A grant names its secret by full resource name or by bare id; both mean the same secret.
    const readers = ofType(run, SECRET_READER)
      .filter((grant) => String(grant.inputs.secretId).split("/").pop() === secret.inputs.secretId)
      .map((grant) => String(grant.inputs.member));
    byId.set(String(secret.inputs.secretId), {
      data: String(version.inputs.secretData),
      readers,
      secretData: version.secretInputs.includes("secretData"),
    });
  }
  return byId;
}

describe("prod stack under mocks", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram(stackFileConfig("prod"), "prod");
  });

  it("registers exactly the bucket, identities, grants, secrets and both services, and no load balancer", () => {
    const counts: Record<string, number> = {};
    for (const resource of run.resources) {
      counts[resource.type] = (counts[resource.type] ?? 0) + 1;
    }
    expect(counts).to.deep.equal({
      "gcp:projects/service:Service": 4,
      "tracing:storage:TraceStorage": 1,
      "tracing:tempo:TempoService": 1,
      "tracing:grafana:GrafanaService": 1,
      "gcp:storage/bucket:Bucket": 1,
      "gcp:serviceaccount/account:Account": 2,
      "gcp:projects/iAMCustomRole:IAMCustomRole": 1,
      "gcp:storage/bucketIAMMember:BucketIAMMember": 1,
      "random:index/randomPassword:RandomPassword": 2,
      [SECRET]: 9,
      [SECRET_VERSION]: 9,
      [SECRET_READER]: 8,
      [RUN_SERVICE]: 2,
    });
    expect(run.resources.some((r) => r.type.startsWith("gcp:compute/"))).to.equal(false);
  });

  it("keeps traces in a private, protected bucket that expires blocks at the retention", () => {
    const bucket = one(run, "gcp:storage/bucket:Bucket");
    expect(bucket.protect).to.equal(true);
    expect(bucket.inputs).to.deep.include({
      name: "diagramik-traces",
      location: "US-CENTRAL1",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
      lifecycleRules: [{ action: { type: "Delete" }, condition: { age: 30, matchesPrefixes: ["traces/"] } }],
    });
  });

  it("grants Tempo exactly the guide's permissions, on the bucket only", () => {
    const role = one(run, "gcp:projects/iAMCustomRole:IAMCustomRole");
    expect(role.inputs.permissions).to.have.members([...TEMPO_BUCKET_PERMISSIONS]);
    expect(role.inputs.permissions).to.include("storage.buckets.get");
    expect(one(run, "gcp:storage/bucketIAMMember:BucketIAMMember").inputs).to.deep.equal({
      bucket: "diagramik-traces",
      role: `projects/${MOCK_PROJECT}/roles/tempo_trace_bucket_access`,
      member: TEMPO_SA,
    });
    expect(one(run, "gcp:serviceaccount/account:Account", "tempo-sa").inputs.accountId).to.equal("tempo-traces");
  });

  it("holds every generated file in Secret Manager, each readable only by its service", () => {
    const config = loadStackConfig(stackFileSource("prod"));
    const files = grafanaFilesFor(config);
    const golden = fs.readFileSync(path.join(__dirname, "golden", "tempo-3.0.3-gcs.yaml"), "utf8");
    const byId = secrets(run);
    const token = mockPassword("tempo-ingress-token");
    expect(Object.fromEntries([...byId].map(([id, s]) => [id, s.readers]))).to.deep.equal({
      "tempo-config": [TEMPO_SA],
      "tempo-proxy-config": [TEMPO_SA],
      "tempo-proxy-auth": [TEMPO_SA],
      "tempo-otlp-headers": [],
      "tempo-authorization": [GRAFANA_SA],
      "grafana-datasources": [GRAFANA_SA],
      "grafana-dashboard-provider": [GRAFANA_SA],
      "grafana-dashboard": [GRAFANA_SA],
      "grafana-admin-password": [GRAFANA_SA],
    });
    expect(byId.get("tempo-config")?.data).to.equal(golden);
    expect(byId.get("tempo-proxy-config")?.data).to.equal(renderProxyConfig(PROD_PROXY));
    expect(byId.get("tempo-proxy-auth")?.data).to.contain(`"Bearer ${token}" 1;`);
    expect(byId.get("tempo-otlp-headers")?.data).to.equal(`Authorization=Bearer%20${token}`);
    expect(byId.get("tempo-authorization")?.data).to.equal(`Bearer ${token}`);
    expect(byId.get("grafana-datasources")?.data).to.equal(files.datasources);
    expect(byId.get("grafana-admin-password")?.data).to.equal(mockPassword("grafana-admin-password"));
    expect([...byId.values()].every((s) => s.secretData)).to.equal(true);
    expect(ofType(run, SECRET_READER).every((g) => g.inputs.role === "roles/secretmanager.secretAccessor")).to.equal(
      true,
    );
  });

  it("runs Tempo behind its ingress proxy: one instance, CPU always allocated, tempo.yaml from the secret", () => {
    const tempo = one(run, RUN_SERVICE, "tempo");
    expect(tempo.inputs).to.deep.include({
      name: "tempo",
      location: "us-central1",
      ingress: "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
      invokerIamDisabled: true,
    });
    const spec = template(tempo);
    expect(spec.serviceAccount).to.equal(TEMPO_SA.replace("serviceAccount:", ""));
    expect(spec.scaling).to.deep.equal({ minInstanceCount: 1, maxInstanceCount: 1 });
    expect(spec.containers.map((c) => c.name)).to.deep.equal(["ingress", "tempo"]);

    const ingress = container(tempo, "ingress");
    expect(ingress.image).to.equal(IMAGES.ingressProxy);
    expect(ingress.ports).to.deep.equal({ name: "http1", containerPort: 8080 });
    expect(ingress.dependsOns).to.deep.equal(["tempo"]);

    const server = container(tempo, "tempo");
    expect(server.image).to.equal("grafana/tempo:3.0.3");
    expect(server.args).to.deep.equal(["-config.file=/etc/tempo/tempo.yaml"]);
    expect(server.ports).to.equal(undefined);
    expect(server.resources).to.deep.include({ limits: { cpu: "1", memory: "2Gi" }, cpuIdle: false });
    expect(server.startupProbe).to.deep.include({ httpGet: { path: "/ready", port: 3200 } });
    expect(server.volumeMounts).to.deep.equal([{ name: "tempo-config", mountPath: "/etc/tempo" }]);
    expect(spec.volumes.find((v) => v.name === "tempo-config")?.secret).to.deep.equal({
      secret: "tempo-config",
      items: [{ path: "tempo.yaml", version: "1" }],
    });
  });

  it("starts Tempo only after it can read its secrets and its bucket", () => {
    const tempo = one(run, RUN_SERVICE, "tempo");
    expect(tempo.dependsOn).to.include.members([
      "tempo-config-reader-0",
      "tempo-proxy-config-reader-0",
      "tempo-proxy-auth-reader-0",
      "tempo",
      "api-run",
    ]);
  });

  it("runs Grafana with login only, provisioned from secrets, reaching Tempo through the VPC", () => {
    const grafana = one(run, RUN_SERVICE, "grafana");
    const main = container(grafana, "grafana");
    const env = Object.fromEntries((main.envs ?? []).map((e) => [e.name, e.value]));
    expect(env).to.include({
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_AUTH_DISABLE_LOGIN_FORM: "false",
      GF_SECURITY_ADMIN_PASSWORD: "$__file{/etc/grafana/secrets/admin/password}",
      TEMPO_URL: "https://tempo-mock-uc.a.run.app",
    });
    expect(env).to.not.have.key("GF_AUTH_ANONYMOUS_ORG_ROLE");
    expect(main.image).to.equal(IMAGES.grafana);
    expect(main.volumeMounts.map((m) => m.mountPath)).to.deep.equal([
      "/etc/grafana/provisioning/datasources",
      "/etc/grafana/provisioning/dashboards",
      "/etc/grafana/dashboards",
      "/etc/grafana/secrets/admin",
      "/etc/grafana/secrets/tempo",
    ]);
    expect(template(grafana).vpcAccess).to.deep.equal({
      networkInterfaces: [{ network: "default", subnetwork: "default" }],
      egress: "ALL_TRAFFIC",
    });
  });

  it("exports the monolith's endpoint and headers, and keeps every credential secret", async () => {
    expect(run.outputs).to.deep.include({
      otlpHttpEndpoint: "https://tempo-mock-uc.a.run.app",
      agentOtlpHeadersSecret: "tempo-otlp-headers",
      grafanaAdminPasswordCommand:
        "gcloud secrets versions access latest --secret=grafana-admin-password --project=diagramik-prod",
      agentDotenv:
        "OTEL_EXPORTER_OTLP_ENDPOINT=https://tempo-mock-uc.a.run.app\nOTEL_SERVICE_NAME=diagram-agent\nDEPLOYMENT_ENVIRONMENT=DEPLOYED_SERVICE\n",
    });
    for (const key of ["agentOtlpHeaders", "grafanaAdminPassword"]) {
      expect(await pulumi.isSecret(run.exports[key] as pulumi.Output<string>), key).to.equal(true);
    }
    for (const key of ["agentDotenv", "otlpHttpEndpoint", "grafanaUrl"]) {
      expect(await pulumi.isSecret(run.exports[key] as pulumi.Output<string>), key).to.equal(false);
    }
  });
});

describe("prod stack security invariants", () => {
  const variants: Record<string, Record<string, unknown>> = {
    "as checked in": {},
    "with the load balancer and Cloud Armor": {
      "tracing:loadBalancer": {
        routes: [
          { host: "tempo.example.com", service: "tempo" },
          { host: "grafana.example.com", service: "grafana" },
        ],
        allowedSourceRanges: ["203.0.113.0/24"],
      },
    },
    "with Tempo 2.10 and agents": {
      "tracing:tempoVersion": "2.10.8",
      "tracing:agentServiceAccounts": [`monolith@${MOCK_PROJECT}.iam.gserviceaccount.com`],
    },
  };

  for (const [label, overrides] of Object.entries(variants)) {
    describe(label, () => {
      let run: ProgramRun;
      before(async () => {
        run = await runProgram({ ...stackFileConfig("prod"), ...overrides }, "prod");
      });

      it("grants nothing to allUsers or allAuthenticatedUsers, and nothing project-wide", () => {
        const text = JSON.stringify(run.resources.map((r) => r.inputs));
        expect(text).to.not.match(/allUsers|allAuthenticatedUsers/);
        expect(run.resources.filter((r) => /gcp:projects\/iAM(Member|Binding|Policy)/.test(r.type))).to.deep.equal([]);
        expect(run.resources.filter((r) => /gcp:cloudrunv2\/serviceIam/.test(r.type))).to.deep.equal([]);
      });

      it("pins every image, and none is latest", () => {
        const images = ofType(run, RUN_SERVICE).flatMap((s) => template(s).containers.map((c) => c.image));
        expect(images.length).to.be.greaterThan(2);
        for (const image of images) {
          expect(image).to.match(/:\d+\.\d+\.\d+(-[a-z]+)?$/);
        }
      });

      it("never lets anonymous visitors into Grafana", () => {
        const env = container(one(run, RUN_SERVICE, "grafana"), "grafana").envs ?? [];
        expect(env).to.deep.include({ name: "GF_AUTH_ANONYMOUS_ENABLED", value: "false" });
      });

      it("keeps generated credentials out of every plain input", () => {
        const credentials = [mockPassword("tempo-ingress-token"), mockPassword("grafana-admin-password")];
        for (const resource of run.resources) {
          for (const [key, value] of Object.entries(resource.inputs)) {
            if (resource.secretInputs.includes(key)) {
              continue;
            }
            const text = JSON.stringify(value) ?? "";
            for (const credential of credentials) {
              expect(text.includes(credential), `${resource.type} ${resource.name}.${key}`).to.equal(false);
            }
          }
        }
      });

      it("keeps the bucket protected and never force-destroyed", () => {
        const bucket = one(run, "gcp:storage/bucket:Bucket");
        expect(bucket.protect).to.equal(true);
        expect(bucket.inputs.forceDestroy).to.equal(false);
      });
    });
  }

  it("lets the agents' service accounts read the OTLP headers and nothing else", async () => {
    const monolith = `serviceAccount:monolith@${MOCK_PROJECT}.iam.gserviceaccount.com`;
    const run = await runProgram(
      { ...stackFileConfig("prod"), "tracing:agentServiceAccounts": [monolith.replace("serviceAccount:", "")] },
      "prod",
    );
    const grants = ofType(run, SECRET_READER).filter((g) => g.inputs.member === monolith);
    expect(grants.map((g) => g.inputs.secretId)).to.deep.equal([`projects/${MOCK_PROJECT}/secrets/tempo-otlp-headers`]);
  });
});
