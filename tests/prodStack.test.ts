import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { IMAGES } from "../config/constants/images";
import { PROD_PROXY, renderProxyConfig } from "../config/files/proxyConfig";
import { loadStackConfig } from "../config/stack/stackConfig";
import { stackFileSource } from "../config/stack/stackFile";
import { grafanaFilesFor, tempoSettingsFor } from "../config/stack/stackFiles";
import { tempoSearchWithinSeconds } from "../config/files/tempoFreshness";
import { TEMPO_BUCKET_PERMISSIONS } from "../components/traceStorage";
import { IAM_PROPAGATION_SECONDS } from "../components/gcp/iamPropagation";
import { INGRESS_PROXY_LIMITS } from "../components/gcp/cloudRunTempo";
import { IAP_ACCESSOR_ROLE } from "../components/gcp/cloudRunGrafana";
import {
  MOCK_PROJECT,
  ProgramRun,
  Recorded,
  mockInvokes,
  mockPassword,
  one,
  ofType,
  runProgram,
  stackFileConfig,
} from "./harness";

const RUN_SERVICE = "gcp:cloudrunv2/service:Service";
const SECRET = "gcp:secretmanager/secret:Secret";
const SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion";
const SECRET_READER = "gcp:secretmanager/secretIamMember:SecretIamMember";
const TEMPO_SA = `serviceAccount:tempo-traces@${MOCK_PROJECT}.iam.gserviceaccount.com`;
const GRAFANA_SA = `serviceAccount:grafana-ui@${MOCK_PROJECT}.iam.gserviceaccount.com`;
const API = "gcp:projects/service:Service";
const WAIT = "pulumi-nodejs:dynamic:Resource";
const RUN_INVOKER = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember";
const IAP_ACCESS = "gcp:iap/webCloudRunServiceIamMember:WebCloudRunServiceIamMember";
const IAP_AGENT = /^serviceAccount:service-\d+@gcp-sa-iap\.iam\.gserviceaccount\.com$/;
/** The committed file's principals: a placeholder group, replaced by `npm run bootstrap -- --grafana-member`. */
const PROD_IAP_MEMBERS = ["group:tracing-users@example.com"];

/**
 * The API each resource type is served by. `gcp.projects.ServiceIdentity` goes through Service
 * Usage, which (like Cloud Resource Manager) must be on before any program can enable APIs.
 */
const API_OF: Record<string, string> = {
  "gcp:cloudrunv2/": "run.googleapis.com",
  "gcp:secretmanager/": "secretmanager.googleapis.com",
  "gcp:serviceaccount/": "iam.googleapis.com",
  "gcp:projects/iAMCustomRole:": "iam.googleapis.com",
  "gcp:storage/": "storage.googleapis.com",
  "gcp:compute/": "compute.googleapis.com",
  "gcp:iap/": "iap.googleapis.com",
  "gcp:projects/serviceIdentity:": "serviceusage.googleapis.com",
  "gcp:projects/service:": "serviceusage.googleapis.com",
};
/** Enabled by the bootstrap: nothing can enable them through an API that is off. */
const BOOTSTRAP_APIS = ["serviceusage.googleapis.com", "cloudresourcemanager.googleapis.com"];

/** Resource types whose GCP name is fixed by the program, or whose identity is (member, role, resource). */
const FIXED_NAME_TYPES = [
  RUN_SERVICE,
  SECRET,
  "gcp:serviceaccount/account:Account",
  "gcp:projects/iAMCustomRole:IAMCustomRole",
  "gcp:compute/network:Network",
  "gcp:compute/subnetwork:Subnetwork",
  SECRET_READER,
  "gcp:storage/bucketIAMMember:BucketIAMMember",
  RUN_INVOKER,
  IAP_ACCESS,
];

function apiOf(type: string): string | undefined {
  return Object.entries(API_OF).find(([prefix]) => type.startsWith(prefix))?.[1];
}

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
  vpcAccess?: { networkInterfaces: { network: string; subnetwork: string }[]; egress: string };
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

  it("registers exactly the bucket, identities, grants, secrets, network, IAP and both services, and no load balancer", () => {
    const counts: Record<string, number> = {};
    for (const resource of run.resources) {
      counts[resource.type] = (counts[resource.type] ?? 0) + 1;
    }
    expect(counts).to.deep.equal({
      [API]: 7,
      "tracing:network:PrivateNetwork": 1,
      "tracing:storage:TraceStorage": 1,
      "tracing:tempo:TempoService": 1,
      "tracing:grafana:GrafanaService": 1,
      "gcp:compute/network:Network": 1,
      "gcp:compute/subnetwork:Subnetwork": 1,
      "gcp:storage/bucket:Bucket": 1,
      "gcp:serviceaccount/account:Account": 2,
      "gcp:projects/iAMCustomRole:IAMCustomRole": 1,
      "gcp:storage/bucketIAMMember:BucketIAMMember": 1,
      "random:index/randomPassword:RandomPassword": 2,
      [SECRET]: 9,
      [SECRET_VERSION]: 9,
      [SECRET_READER]: 8,
      [WAIT]: 2,
      [RUN_SERVICE]: 2,
      "gcp:projects/serviceIdentity:ServiceIdentity": 1,
      [RUN_INVOKER]: 1,
      [IAP_ACCESS]: 1,
    });
    const compute = run.resources.filter((r) => r.type.startsWith("gcp:compute/")).map((r) => r.type);
    expect(compute).to.deep.equal(["gcp:compute/network:Network", "gcp:compute/subnetwork:Subnetwork"]);
  });

  it("enables the resource manager API first and every other API after it", () => {
    const apis = ofType(run, API);
    expect(apis.map((a) => a.inputs.service)).to.deep.equal([
      "cloudresourcemanager.googleapis.com",
      "run.googleapis.com",
      "secretmanager.googleapis.com",
      "iam.googleapis.com",
      "storage.googleapis.com",
      "compute.googleapis.com",
      "iap.googleapis.com",
    ]);
    expect(apis.every((a) => a.inputs.disableOnDestroy === false)).to.equal(true);
    for (const api of apis.slice(1)) {
      expect(api.dependsOn, String(api.inputs.service)).to.deep.equal(["api-cloudresourcemanager"]);
    }
    expect(apis[0].dependsOn).to.deep.equal([]);
  });

  it("lets people reach Grafana through Cloud Run's own IAP, for the configured principals only", () => {
    const grafana = one(run, RUN_SERVICE, "grafana");
    // IAP on, ingress all (people open the run.app URL), invoker check on: only IAP's agent may call.
    expect(grafana.inputs).to.include({ ingress: "INGRESS_TRAFFIC_ALL", iapEnabled: true, invokerIamDisabled: false });
    const invoker = one(run, RUN_INVOKER);
    expect(invoker.inputs).to.deep.include({ name: "grafana", location: "us-central1", role: "roles/run.invoker" });
    expect(String(invoker.inputs.member)).to.match(IAP_AGENT);
    expect(one(run, "gcp:projects/serviceIdentity:ServiceIdentity").inputs).to.deep.equal({
      service: "iap.googleapis.com",
    });
    expect(
      ofType(run, IAP_ACCESS).map((g) => [g.inputs.cloudRunServiceName, g.inputs.role, g.inputs.member]),
    ).to.deep.equal(PROD_IAP_MEMBERS.map((member) => ["grafana", IAP_ACCESSOR_ROLE, member]));
    // Grafana's own login stays behind IAP.
    const env = container(grafana, "grafana").envs ?? [];
    expect(env).to.deep.include({ name: "GF_AUTH_DISABLE_LOGIN_FORM", value: "false" });
    expect(run.outputs.grafanaUrl).to.equal("https://grafana-mock-uc.a.run.app");
  });

  it("sends Grafana's egress through a subnetwork with Private Google Access, so Tempo's internal ingress admits it", () => {
    const subnetwork = one(run, "gcp:compute/subnetwork:Subnetwork");
    expect(subnetwork.inputs).to.deep.include({
      name: "tracing-us-central1",
      region: "us-central1",
      ipCidrRange: "10.8.0.0/24",
      privateIpGoogleAccess: true,
      network: "tracing-network-id",
    });
    expect(one(run, "gcp:compute/network:Network").inputs).to.deep.include({
      name: "tracing",
      autoCreateSubnetworks: false,
    });
    expect(template(one(run, RUN_SERVICE, "grafana")).vpcAccess).to.deep.equal({
      networkInterfaces: [{ network: "tracing", subnetwork: "tracing-us-central1" }],
      egress: "ALL_TRAFFIC",
    });
    // Tempo needs no egress of its own: only callers' egress decides whether they are internal.
    expect(template(one(run, RUN_SERVICE, "tempo")).vpcAccess).to.equal(undefined);
    expect(run.outputs).to.deep.include({ vpcNetwork: "tracing", vpcSubnetwork: "tracing-us-central1" });
  });

  it("replaces every fixed-name resource and grant delete-first, and keeps the bucket protected", () => {
    const fixed = run.resources.filter((r) => FIXED_NAME_TYPES.includes(r.type));
    expect(fixed.length).to.equal(2 + 9 + 2 + 1 + 2 + 8 + 1 + 1 + 1);
    for (const resource of fixed) {
      expect(resource.deleteBeforeReplace, `${resource.type} ${resource.name}`).to.equal(true);
    }
    const bucket = one(run, "gcp:storage/bucket:Bucket");
    expect(bucket.protect).to.equal(true);
    expect(bucket.inputs.name).to.equal("diagramik-traces");
  });

  it("starts each service only after its grants have had time to take effect", () => {
    const waits = ofType(run, WAIT);
    expect(waits.map((w) => w.name).sort()).to.deep.equal(["grafana-iam-propagation", "tempo-iam-propagation"]);
    for (const wait of waits) {
      expect(wait.inputs.seconds).to.equal(IAM_PROPAGATION_SECONDS);
      expect(wait.inputs.__provider, "runs in the engine's own Node.js dynamic provider").to.be.a("string");
    }
    const tempoWait = one(run, WAIT, "tempo-iam-propagation");
    expect(tempoWait.dependsOn).to.include.members([
      "tempo-bucket-access",
      "tempo-config-reader-0",
      "tempo-proxy-config-reader-0",
      "tempo-proxy-auth-reader-0",
    ]);
    expect(tempoWait.inputs.grants).to.have.length(4);
    expect(one(run, RUN_SERVICE, "tempo").dependsOn).to.deep.equal(["tempo-iam-propagation"]);
    const grafanaWait = one(run, WAIT, "grafana-iam-propagation");
    expect(grafanaWait.dependsOn).to.include.members([
      "grafana-datasources-reader-0",
      "grafana-admin-password-reader-0",
      "grafana-tempo-authorization-reader",
    ]);
    expect(one(run, RUN_SERVICE, "grafana").dependsOn).to.deep.equal(["grafana-iam-propagation"]);
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
    // Cloud Run's floor in the second generation: 512 MiB, and always-allocated CPU in whole vCPUs.
    expect(ingress.resources.limits).to.deep.equal({ cpu: "1", memory: "512Mi" });
    expect(INGRESS_PROXY_LIMITS).to.deep.equal({ cpu: "1", memory: "512Mi" });
    expect(ingress.ports).to.deep.equal({ name: "http1", containerPort: 8080 });
    expect(ingress.dependsOns).to.deep.equal(["tempo"]);

    const server = container(tempo, "tempo");
    expect(server.image).to.equal("grafana/tempo:3.0.3");
    expect(server.args).to.deep.equal(["-config.file=/etc/tempo/tempo.yaml"]);
    expect(server.ports).to.equal(undefined);
    expect(server.resources).to.deep.include({ limits: { cpu: "1", memory: "2Gi" }, cpuIdle: false });
    // Go's heap is held to half the container's memory, which also holds Tempo's files.
    expect(server.envs).to.deep.equal([{ name: "GOMEMLIMIT", value: "1024MiB" }]);
    expect(server.startupProbe).to.deep.include({ httpGet: { path: "/ready", port: 3200 } });
    expect(server.volumeMounts).to.deep.equal([{ name: "tempo-config", mountPath: "/etc/tempo" }]);
    expect(spec.volumes.find((v) => v.name === "tempo-config")?.secret).to.deep.equal({
      secret: "tempo-config",
      items: [{ path: "tempo.yaml", version: "1" }],
    });
  });

  it("starts Tempo only after it can read its secrets and its bucket", () => {
    const wait = one(run, WAIT, "tempo-iam-propagation");
    expect(wait.dependsOn).to.include.members([
      "tempo-config-reader-0",
      "tempo-proxy-config-reader-0",
      "tempo-proxy-auth-reader-0",
      "tempo-bucket-access",
      "tempo",
      "api-run",
    ]);
  });

  it("runs Grafana with its login, provisioned from secrets, reaching Tempo through the VPC", () => {
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
    expect(template(grafana).vpcAccess?.egress).to.equal("ALL_TRAFFIC");
  });

  it("uses an existing subnetwork when the config names one, after checking it with a data source", async () => {
    const looked: Record<string, unknown>[] = [];
    const token = "gcp:compute/getSubnetwork:getSubnetwork";
    const answer = mockInvokes[token];
    mockInvokes[token] = (inputs) => {
      looked.push(inputs);
      return answer(inputs);
    };
    try {
      const given = await runProgram(
        { ...stackFileConfig("prod"), "tracing:vpcNetwork": "default", "tracing:vpcSubnetwork": "default" },
        "prod",
      );
      expect(looked).to.deep.equal([{ name: "default", region: "us-central1", project: MOCK_PROJECT }]);
      expect(given.resources.filter((r) => /compute\/(sub)?network:/.test(r.type))).to.deep.equal([]);
      expect(template(one(given, RUN_SERVICE, "grafana")).vpcAccess).to.deep.equal({
        networkInterfaces: [{ network: "default", subnetwork: "default" }],
        egress: "ALL_TRAFFIC",
      });
      expect(ofType(given, API).map((a) => a.inputs.service)).to.include("compute.googleapis.com");
    } finally {
      mockInvokes[token] = answer;
    }
  });

  it("exports the monolith's endpoint and headers, and keeps every credential secret", async () => {
    expect(run.outputs).to.deep.include({
      otlpHttpEndpoint: "https://tempo-mock-uc.a.run.app",
      agentOtlpHeadersSecret: "tempo-otlp-headers",
      agentServiceAccounts: [],
      grafanaAdminPasswordCommand:
        "gcloud secrets versions access latest --secret=grafana-admin-password --project=diagramik-prod",
      agentDotenv:
        "OTEL_EXPORTER_OTLP_ENDPOINT=https://tempo-mock-uc.a.run.app\nOTEL_SERVICE_NAME=diagram-agent\nDEPLOYMENT_ENVIRONMENT=DEPLOYED_SERVICE\n",
      tempoSearchWithinSeconds: tempoSearchWithinSeconds(tempoSettingsFor(loadStackConfig(stackFileSource("prod")))),
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
    "with the load balancer, IAP and Cloud Armor": {
      "tracing:loadBalancer": {
        routes: [
          { host: "tempo.example.com", service: "tempo" },
          { host: "grafana.example.com", service: "grafana" },
        ],
        allowedSourceRanges: ["203.0.113.0/24"],
      },
    },
    "with the load balancer and Cloud Armor, no IAP": {
      "tracing:grafanaIapMembers": [],
      "tracing:loadBalancer": {
        routes: [{ host: "grafana.example.com", service: "grafana" }],
        allowedSourceRanges: ["203.0.113.0/24"],
      },
    },
    "with Tempo's ingress open (the token guards it) and a team group": {
      "tracing:tempoIngress": "all",
      "tracing:grafanaIapMembers": ["group:tracing-team@example.com", "user:ana@example.com"],
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
        expect(run.resources.filter((r) => /IamPolicy|IamBinding|IAMPolicy|IAMBinding/.test(r.type))).to.deep.equal([]);
      });

      it("lets nobody invoke a Cloud Run service directly but IAP's agent, on an IAP-enabled service", () => {
        for (const grant of run.resources.filter((r) => /gcp:cloudrunv2\/serviceIam/.test(r.type))) {
          expect(grant.type).to.equal(RUN_INVOKER);
          expect(grant.inputs.role).to.equal("roles/run.invoker");
          expect(String(grant.inputs.member)).to.match(IAP_AGENT);
          expect(one(run, RUN_SERVICE, String(grant.inputs.name)).inputs.iapEnabled).to.equal(true);
        }
      });

      it("admits exactly the configured principals through IAP, and only to Grafana", () => {
        const configured = (overrides["tracing:grafanaIapMembers"] as string[] | undefined) ?? PROD_IAP_MEMBERS;
        const grants = ofType(run, IAP_ACCESS);
        expect(grants.map((g) => g.inputs.member)).to.deep.equal(configured);
        for (const grant of grants) {
          expect(grant.inputs).to.include({ cloudRunServiceName: "grafana", role: IAP_ACCESSOR_ROLE });
        }
      });

      it("leaves no service open to the internet without IAP in front, or Tempo's token behind it", () => {
        for (const service of ofType(run, RUN_SERVICE)) {
          if (service.inputs.ingress !== "INGRESS_TRAFFIC_ALL") {
            continue;
          }
          if (service.name === "tempo") {
            // Every request meets the ingress proxy, which answers 401 without the bearer token.
            expect(template(service).containers[0].name).to.equal("ingress");
            expect(container(service, "ingress").ports).to.deep.equal({ name: "http1", containerPort: 8080 });
          } else {
            expect(service.inputs, service.name).to.include({ iapEnabled: true, invokerIamDisabled: false });
          }
        }
        const grafana = one(run, RUN_SERVICE, "grafana");
        if (grafana.inputs.iapEnabled !== true) {
          // Without IAP, people come through the load balancer, behind Cloud Armor.
          expect(grafana.inputs.ingress).to.equal("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER");
          expect(
            one(run, "gcp:compute/backendService:BackendService", "tracing-grafana").inputs.securityPolicy,
          ).to.be.a("string");
        }
      });

      it("registers every API its resources use, the resource manager's first", () => {
        const enabled = ofType(run, API).map((a) => String(a.inputs.service));
        for (const resource of run.resources.filter((r) => r.type.startsWith("gcp:"))) {
          const api = apiOf(resource.type);
          expect(api, `the API of ${resource.type}`).to.be.a("string");
          expect([...enabled, ...BOOTSTRAP_APIS], `${resource.type} ${resource.name}`).to.include(api);
        }
        expect(enabled[0]).to.equal("cloudresourcemanager.googleapis.com");
      });

      it("handles Private Google Access for every VPC egress", () => {
        for (const service of ofType(run, RUN_SERVICE)) {
          const egress = template(service).vpcAccess;
          if (egress === undefined) {
            continue;
          }
          for (const nic of egress.networkInterfaces) {
            const managed = ofType(run, "gcp:compute/subnetwork:Subnetwork").find(
              (s) => s.inputs.name === nic.subnetwork,
            );
            expect(managed?.inputs.privateIpGoogleAccess, `${service.name} on ${nic.subnetwork}`).to.equal(true);
          }
        }
      });

      it("replaces fixed-name resources delete-first", () => {
        for (const resource of run.resources.filter((r) => FIXED_NAME_TYPES.includes(r.type))) {
          expect(resource.deleteBeforeReplace, `${resource.type} ${resource.name}`).to.equal(true);
        }
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
