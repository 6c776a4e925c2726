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
import { ACCESS_CHECK_WAIT } from "../components/gcp/accessCheck";
import { ACCESS_URLS, accessCheckEnvironment, renderAccessCheckScript } from "../config/files/accessCheck";
import { iapAudience } from "../config/files/grafanaEnv";
import { INGRESS_PROXY_LIMITS } from "../components/gcp/cloudRunTempo";
import { IAP_ACCESSOR_ROLE } from "../components/gcp/cloudRunGrafana";
import {
  MOCK_PROJECT,
  MOCK_PROJECT_NUMBER,
  ProgramRun,
  Recorded,
  mockInvokes,
  NO_ORGANIZATION,
  mockPassword,
  one,
  ofType,
  runProgram,
  runProgramExpectingError,
  stackFileConfig,
  withInvokes,
} from "./harness";

const RUN_SERVICE = "gcp:cloudrunv2/service:Service";
const SECRET = "gcp:secretmanager/secret:Secret";
const SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion";
const SECRET_READER = "gcp:secretmanager/secretIamMember:SecretIamMember";
const TEMPO_SA = `serviceAccount:tempo-traces@${MOCK_PROJECT}.iam.gserviceaccount.com`;
const GRAFANA_SA = `serviceAccount:grafana-ui@${MOCK_PROJECT}.iam.gserviceaccount.com`;
const API = "gcp:projects/service:Service";
const JOB = "gcp:cloudrunv2/job:Job";
const RUN_INVOKER = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember";
const IAP_ACCESS = "gcp:iap/webCloudRunServiceIamMember:WebCloudRunServiceIamMember";
const IAP_AGENT = /^serviceAccount:service-\d+@gcp-sa-iap\.iam\.gserviceaccount\.com$/;
const OAUTH_CLIENT_ID = "123456789012-abc123def456.apps.googleusercontent.com";
const OAUTH_CLIENT_SECRET = "GOCSPX-not-a-real-secret-0123456789";
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
  JOB,
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
  commands?: string[];
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

/** A Cloud Run job's task template. */
function jobTemplate(job: Recorded): Omit<Template, "scaling" | "volumes"> & { maxRetries: number; timeout: string } {
  return (
    job.inputs.template as { template: Omit<Template, "scaling" | "volumes"> & { maxRetries: number; timeout: string } }
  ).template;
}

/** A container's environment as a map. */
function envOf(entries: Container["envs"]): Record<string, string> {
  return Object.fromEntries((entries ?? []).map((e) => [e.name, e.value]));
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

  it("registers exactly the bucket, identities, grants, secrets, access checks, IAP and both services, and no network or load balancer", () => {
    const counts: Record<string, number> = {};
    for (const resource of run.resources) {
      counts[resource.type] = (counts[resource.type] ?? 0) + 1;
    }
    expect(counts).to.deep.equal({
      [API]: 6,
      "tracing:storage:TraceStorage": 1,
      "tracing:tempo:TempoService": 1,
      "tracing:grafana:GrafanaService": 1,
      "gcp:storage/bucket:Bucket": 1,
      "gcp:serviceaccount/account:Account": 2,
      "gcp:projects/iAMCustomRole:IAMCustomRole": 1,
      "gcp:storage/bucketIAMMember:BucketIAMMember": 1,
      "random:index/randomPassword:RandomPassword": 2,
      [SECRET]: 10,
      [SECRET_VERSION]: 10,
      [SECRET_READER]: 9,
      [JOB]: 2,
      [RUN_SERVICE]: 2,
      "gcp:projects/serviceIdentity:ServiceIdentity": 1,
      [RUN_INVOKER]: 1,
      [IAP_ACCESS]: 1,
    });
    expect(run.resources.filter((r) => r.type.startsWith("gcp:compute/"))).to.deep.equal([]);
  });

  it("enables the resource manager API first and every other API after it", () => {
    const apis = ofType(run, API);
    expect(apis.map((a) => a.inputs.service)).to.deep.equal([
      "cloudresourcemanager.googleapis.com",
      "run.googleapis.com",
      "secretmanager.googleapis.com",
      "iam.googleapis.com",
      "storage.googleapis.com",
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
    // The form stays for the admin, for when IAP's header cannot be verified.
    const env = envOf(container(grafana, "grafana").envs);
    expect(env).to.include({ GF_AUTH_DISABLE_LOGIN_FORM: "false" });
    expect(run.outputs.grafanaUrl).to.equal("https://grafana-mock-uc.a.run.app");
    // In the committed project (in an organization, its principals of its domain) IAP needs
    // Google's own OAuth client only: no settings of its own.
    expect(ofType(run, "gcp:iap/settings:Settings")).to.deep.equal([]);
  });

  it("signs each person IAP admits in to Grafana as themselves, from IAP's signed header, as Viewer", () => {
    const env = envOf(container(one(run, RUN_SERVICE, "grafana"), "grafana").envs);
    const audience = iapAudience(MOCK_PROJECT_NUMBER, "us-central1", "grafana");
    expect(audience).to.equal(`/projects/${MOCK_PROJECT_NUMBER}/locations/us-central1/services/grafana`);
    expect(env).to.include({
      GF_AUTH_JWT_ENABLED: "true",
      GF_AUTH_JWT_HEADER_NAME: "X-Goog-IAP-JWT-Assertion",
      GF_AUTH_JWT_JWK_SET_URL: "https://www.gstatic.com/iap/verify/public_key-jwk",
      GF_AUTH_JWT_EMAIL_CLAIM: "email",
      GF_AUTH_JWT_AUTO_SIGN_UP: "true",
      GF_AUTH_JWT_ROLE_ATTRIBUTE_PATH: "'Viewer'",
      GF_USERS_AUTO_ASSIGN_ORG_ROLE: "Viewer",
    });
    expect(JSON.parse(env.GF_AUTH_JWT_EXPECT_CLAIMS)).to.deep.equal({
      iss: "https://cloud.google.com/iap",
      aud: audience,
    });
  });

  it("reaches Tempo's public URL from Grafana with the token, through no VPC", () => {
    const grafana = one(run, RUN_SERVICE, "grafana");
    expect(template(grafana).vpcAccess).to.equal(undefined);
    // Nothing to warm up: it scales to zero, and a new instance's first query needs no VPC connection
    expect(template(grafana).scaling).to.deep.equal({ minInstanceCount: 0, maxInstanceCount: 1 });
    expect(envOf(container(grafana, "grafana").envs)).to.include({ TEMPO_URL: "https://tempo-mock-uc.a.run.app" });
    expect(one(run, RUN_SERVICE, "tempo").inputs.ingress).to.equal("INGRESS_TRAFFIC_ALL");
    expect(run.outputs).to.not.have.any.keys("vpcNetwork", "vpcSubnetwork");
  });

  it("with an internal Tempo, sends Grafana's egress through a subnetwork with Private Google Access", async () => {
    const run = await runProgram(
      { ...stackFileConfig("prod"), "tracing:tempoIngress": "internal-and-cloud-load-balancing" },
      "prod",
    );
    expect(one(run, RUN_SERVICE, "tempo").inputs.ingress).to.equal("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER");
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
    // One instance kept warm: a new one's Direct VPC connections can take a minute or more
    expect(template(one(run, RUN_SERVICE, "grafana")).scaling).to.deep.equal({
      minInstanceCount: 1,
      maxInstanceCount: 1,
    });
    // Tempo needs no egress of its own: only callers' egress decides whether they are internal.
    expect(template(one(run, RUN_SERVICE, "tempo")).vpcAccess).to.equal(undefined);
    expect(run.outputs).to.deep.include({ vpcNetwork: "tracing", vpcSubnetwork: "tracing-us-central1" });
    expect(ofType(run, API).map((a) => a.inputs.service)).to.include("compute.googleapis.com");
  });

  it("replaces every fixed-name resource and grant delete-first, and keeps the bucket protected", () => {
    const fixed = run.resources.filter((r) => FIXED_NAME_TYPES.includes(r.type));
    expect(fixed.length).to.equal(2 + 2 + 10 + 2 + 1 + 9 + 1 + 1 + 1);
    for (const resource of fixed) {
      expect(resource.deleteBeforeReplace, `${resource.type} ${resource.name}`).to.equal(true);
    }
    const bucket = one(run, "gcp:storage/bucket:Bucket");
    expect(bucket.protect).to.equal(true);
    expect(bucket.inputs.name).to.equal("diagramik-traces");
  });

  it("starts each service only once its account has used its grants: an access check run as that account", () => {
    // GIVEN the two checks, one per runtime account
    const jobs = ofType(run, JOB);
    expect(jobs.map((j) => j.name).sort()).to.deep.equal(["grafana-access-check", "tempo-access-check"]);
    const secretUrl = (id: string) => ACCESS_URLS.secret(`projects/${MOCK_PROJECT}/secrets/${id}`);
    const expected: Record<string, { account: string; urls: string[]; after: string[] }> = {
      "tempo-access-check": {
        account: TEMPO_SA,
        urls: [
          ACCESS_URLS.bucket("diagramik-traces"),
          ACCESS_URLS.objects("diagramik-traces", "traces/"),
          ...["tempo-config", "tempo-proxy-config", "tempo-proxy-auth"].map(secretUrl),
        ],
        after: [
          "tempo-bucket-access",
          "tempo-config-reader-0",
          "tempo-proxy-config-reader-0",
          "tempo-proxy-auth-reader-0",
        ],
      },
      "grafana-access-check": {
        account: GRAFANA_SA,
        urls: [
          ...[
            "grafana-datasources",
            "grafana-dashboard-provider",
            "grafana-dashboard",
            "grafana-overview-dashboard",
            "grafana-admin-password",
          ].map(secretUrl),
          secretUrl("tempo-authorization"),
        ],
        after: [
          "grafana-datasources-reader-0",
          "grafana-admin-password-reader-0",
          "grafana-tempo-authorization-reader",
        ],
      },
    };
    for (const job of jobs) {
      const want = expected[job.name];
      const task = jobTemplate(job);
      // THEN it runs as the service's account, the script with the URLs that need its grants
      expect(task.serviceAccount).to.equal(want.account.replace("serviceAccount:", ""));
      expect(task.maxRetries).to.equal(0);
      const [check] = task.containers;
      expect(check.image).to.equal(IMAGES.accessCheck);
      expect(check.commands).to.deep.equal(["sh", "-c", renderAccessCheckScript()]);
      expect(envOf(check.envs)).to.deep.equal(accessCheckEnvironment(want.urls));
      // AND it starts after the grants and secret versions, and `pulumi up` waits for its one execution
      expect(job.dependsOn).to.include.members(want.after);
      expect(String(job.inputs.runExecutionToken)).to.match(/^[0-9a-f]{12}$/);
      expect(job.name.length + String(job.inputs.runExecutionToken).length).to.be.below(63);
      expect(job.deleteBeforeReplace).to.equal(true);
    }
    expect(ACCESS_CHECK_WAIT).to.equal("30m");
    // AND each service waits for its check, and for nothing that sleeps
    expect(one(run, RUN_SERVICE, "tempo").dependsOn).to.deep.equal(["tempo-access-check"]);
    expect(one(run, RUN_SERVICE, "grafana").dependsOn).to.deep.equal(["grafana-access-check"]);
    expect(run.resources.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource")).to.deep.equal([]);
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
      "grafana-overview-dashboard": [GRAFANA_SA],
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
      ingress: "INGRESS_TRAFFIC_ALL",
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

  it("checks Tempo's access only after the bucket, its grant and the Cloud Run API exist", () => {
    expect(one(run, JOB, "tempo-access-check").dependsOn).to.include.members([
      "tempo-bucket-access",
      "tempo",
      "api-run",
      "tempo-config",
    ]);
  });

  it("runs Grafana with its login, provisioned from secrets", () => {
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
      "/etc/grafana/dashboards/traces",
      "/etc/grafana/dashboards/overview",
      "/etc/grafana/secrets/admin",
      "/etc/grafana/secrets/tempo",
    ]);
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
        {
          ...stackFileConfig("prod"),
          "tracing:tempoIngress": "internal",
          "tracing:vpcNetwork": "default",
          "tracing:vpcSubnetwork": "default",
        },
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

  it("exports the agent's endpoint and headers, and keeps every credential secret", async () => {
    const token = mockPassword("tempo-ingress-token");
    expect(run.outputs).to.deep.include({
      otlpHttpEndpoint: "https://tempo-mock-uc.a.run.app",
      agentOtlpHeadersSecret: "tempo-otlp-headers",
      agentServiceAccounts: [],
      grafanaAdminPasswordCommand:
        "gcloud secrets versions access latest --secret=grafana-admin-password --project=diagramik-prod",
      agentDotenv:
        "OTEL_EXPORTER_OTLP_ENDPOINT=https://tempo-mock-uc.a.run.app\nOTEL_SERVICE_NAME=diagram-agent\n" +
        `DEPLOYMENT_ENVIRONMENT=DEPLOYED_SERVICE\nOTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20${token}\n`,
      tempoSearchWithinSeconds: tempoSearchWithinSeconds(tempoSettingsFor(loadStackConfig(stackFileSource("prod")))),
    });
    for (const key of ["agentOtlpHeaders", "grafanaAdminPassword", "agentDotenv"]) {
      expect(await pulumi.isSecret(run.exports[key] as pulumi.Output<string>), key).to.equal(true);
    }
    for (const key of ["otlpHttpEndpoint", "grafanaUrl", "agentCloudRunEnvs", "agentGcloudFlags"]) {
      expect(await pulumi.isSecret(run.exports[key] as pulumi.Output<string>), key).to.equal(false);
    }
  });
});

describe("the agent's path to Tempo, with the committed Pulumi.prod.yaml", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram(stackFileConfig("prod"), "prod");
  });

  it("takes traces from a Cloud Run service with default egress and from outside Google Cloud: ingress open, the token at the door", () => {
    // GIVEN Tempo's service: open to any caller (no VPC needed), no Google ID token asked
    const tempo = one(run, RUN_SERVICE, "tempo");
    expect(tempo.inputs).to.include({ ingress: "INGRESS_TRAFFIC_ALL", invokerIamDisabled: true });
    // THEN every request meets the ingress proxy first, which wants the bearer token on every path
    expect(template(tempo).containers[0].name).to.equal("ingress");
    const proxy = renderProxyConfig(PROD_PROXY);
    expect(proxy).to.match(/if \(\$tempo_authorized = 0\) \{\s+return 401;/);
    // AND the agent's endpoint is Tempo's https URL, OTLP at /v1/traces behind it
    expect(run.outputs.otlpHttpEndpoint).to.equal("https://tempo-mock-uc.a.run.app");
    expect(proxy).to.include("location = /v1/traces");
  });

  it("gives a Cloud Run agent its exact envs, the headers from their secret, and gcloud flags for the same", () => {
    expect(run.outputs.agentCloudRunEnvs).to.deep.equal([
      { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "https://tempo-mock-uc.a.run.app" },
      { name: "OTEL_SERVICE_NAME", value: "diagram-agent" },
      { name: "DEPLOYMENT_ENVIRONMENT", value: "DEPLOYED_SERVICE" },
      {
        name: "OTEL_EXPORTER_OTLP_HEADERS",
        valueSource: { secretKeyRef: { secret: "tempo-otlp-headers", version: "latest" } },
      },
    ]);
    expect(run.outputs.agentGcloudFlags).to.equal(
      "--update-env-vars=OTEL_EXPORTER_OTLP_ENDPOINT=https://tempo-mock-uc.a.run.app,OTEL_SERVICE_NAME=diagram-agent," +
        "DEPLOYMENT_ENVIRONMENT=DEPLOYED_SERVICE --update-secrets=OTEL_EXPORTER_OTLP_HEADERS=tempo-otlp-headers:latest",
    );
  });

  it("lets the agent's service account mount the headers secret once it is named, and nothing else", async () => {
    const agent = `monolith@${MOCK_PROJECT}.iam.gserviceaccount.com`;
    const withAgent = await runProgram({ ...stackFileConfig("prod"), "tracing:agentServiceAccounts": [agent] }, "prod");
    const grants = ofType(withAgent, SECRET_READER).filter((g) => g.inputs.member === `serviceAccount:${agent}`);
    expect(grants.map((g) => g.inputs.secretId)).to.deep.equal([`projects/${MOCK_PROJECT}/secrets/tempo-otlp-headers`]);
    expect(withAgent.outputs.agentServiceAccounts).to.deep.equal([agent]);
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
    "with Tempo's ingress internal, a team group and an admin": {
      "tracing:tempoIngress": "internal-and-cloud-load-balancing",
      "tracing:grafanaIapMembers": ["group:tracing-team@example.com", "user:ana@example.com"],
      "tracing:grafanaAdmins": ["user:ana@example.com"],
    },
    "with a custom OAuth client for a contractor outside the organization": {
      "tracing:grafanaIapMembers": ["group:tracing-team@example.com", "user:contractor@gmail.com"],
      "tracing:grafanaOauthClientId": OAUTH_CLIENT_ID,
      "tracing:grafanaOauthClientSecret": { secure: OAUTH_CLIENT_SECRET },
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
        const images = [
          ...ofType(run, RUN_SERVICE).flatMap((s) => template(s).containers.map((c) => c.image)),
          ...ofType(run, JOB).flatMap((j) => jobTemplate(j).containers.map((c) => c.image)),
        ];
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
        const credentials = [
          mockPassword("tempo-ingress-token"),
          mockPassword("grafana-admin-password"),
          OAUTH_CLIENT_SECRET,
        ];
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
});

describe("people reach Grafana in every kind of project", () => {
  it("in an organization, with its own principals: IAP with Google's client, each person signed in, admins by name", async () => {
    const run = await runProgram(
      {
        ...stackFileConfig("prod"),
        "tracing:grafanaIapMembers": ["group:tracing-team@example.com", "user:ana@example.com"],
        "tracing:grafanaAdmins": ["user:Ana@example.com"],
        "tracing:grafanaDefaultRole": "Editor",
      },
      "prod",
    );
    expect(ofType(run, "gcp:iap/settings:Settings")).to.deep.equal([]);
    const env = envOf(container(one(run, RUN_SERVICE, "grafana"), "grafana").envs);
    expect(env).to.include({
      GF_AUTH_JWT_ROLE_ATTRIBUTE_PATH: "contains(['ana@example.com'], email) && 'Admin' || 'Editor'",
      GF_USERS_AUTO_ASSIGN_ORG_ROLE: "Editor",
    });
  });

  it("stops before any resource in a project without an organization, with the console step and the keys", async () => {
    // GIVEN a project that has no organization, and no custom OAuth client configured
    const { error, resources } = await withInvokes(NO_ORGANIZATION, () =>
      runProgramExpectingError(stackFileConfig("prod"), {}, "prod"),
    );
    // THEN nothing is registered, and the message says what to do, where, and which keys take it
    expect(resources).to.deep.equal([]);
    expect(error.message).to.include("tracing:grafanaOauthClientId is not set: expected a custom OAuth client for IAP");
    expect(error.message).to.include("project diagramik-prod has no organization");
    expect(error.message).to.include("https://console.cloud.google.com/auth/overview?project=diagramik-prod");
    expect(error.message).to.include("https://iap.googleapis.com/v1/oauth/clientIds/CLIENT_ID:handleRedirect");
    expect(error.message).to.include(
      "pulumi config set --secret tracing:grafanaOauthClientSecret <client secret> -s prod",
    );
  });

  it("configures IAP's custom OAuth client in a project without an organization, its secret a Pulumi secret", async () => {
    const run = await withInvokes(NO_ORGANIZATION, () =>
      runProgram(
        {
          ...stackFileConfig("prod"),
          "tracing:grafanaOauthClientId": OAUTH_CLIENT_ID,
          "tracing:grafanaOauthClientSecret": { secure: OAUTH_CLIENT_SECRET },
        },
        "prod",
      ),
    );
    const settings = one(run, "gcp:iap/settings:Settings");
    expect(settings.inputs).to.deep.equal({
      name: `projects/${MOCK_PROJECT}`,
      accessSettings: { oauthSettings: { clientId: OAUTH_CLIENT_ID, clientSecret: OAUTH_CLIENT_SECRET } },
    });
    expect(settings.secretInputs).to.deep.equal(["accessSettings"]);
    expect(ofType(run, IAP_ACCESS).map((g) => g.inputs.member)).to.deep.equal(PROD_IAP_MEMBERS);
  });

  it("stops before any resource when a principal is outside the organization, naming it", async () => {
    const { error, resources } = await runProgramExpectingError(
      {
        ...stackFileConfig("prod"),
        "tracing:grafanaIapMembers": ["group:team@example.com", "user:contractor@gmail.com"],
      },
      {},
      "prod",
    );
    expect(resources).to.deep.equal([]);
    expect(error.message).to.include(
      "expected a custom OAuth client for IAP: user:contractor@gmail.com is outside the organization of diagramik-prod (example.com)",
    );
  });

  it("refuses an OAuth client secret held in plain text, without echoing it", async () => {
    const { error, resources } = await runProgramExpectingError(
      {
        ...stackFileConfig("prod"),
        "tracing:grafanaOauthClientId": OAUTH_CLIENT_ID,
        "tracing:grafanaOauthClientSecret": OAUTH_CLIENT_SECRET,
      },
      {},
      "prod",
    );
    expect(resources).to.deep.equal([]);
    expect(error.message).to.include(
      'tracing:grafanaOauthClientSecret = "(a plain value, not shown)": expected the OAuth client\'s secret, set with `pulumi config set --secret tracing:grafanaOauthClientSecret ...`',
    );
    expect(error.message).to.not.include(OAUTH_CLIENT_SECRET);
  });

  it("goes on, saying so, when the organization's domain cannot be read to place a principal", async () => {
    const unreadable = {
      "gcp:organizations/getOrganization:getOrganization": () => {
        throw new Error("Permission 'resourcemanager.organizations.get' denied");
      },
    };
    const run = await withInvokes(unreadable, () =>
      runProgram({ ...stackFileConfig("prod"), "tracing:grafanaIapMembers": ["group:partners@other.example"] }, "prod"),
    );
    expect(ofType(run, IAP_ACCESS).map((g) => g.inputs.member)).to.deep.equal(["group:partners@other.example"]);
  });
});
