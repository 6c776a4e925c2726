import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { parseDocument } from "yaml";
import { DEPLOYER_ROLES } from "../bootstrap/deployerRoles";
import { docSection } from "./docs";
import { BOOTSTRAP_APIS, KEY_ROTATION_SECONDS, PREVIEWER_PROJECT_ROLE, STATE_VERSION_DAYS } from "../bootstrap/program";
import { CONFIG_KEYS, REPOSITORY_VARIABLES, secretsProviderUrl } from "../bootstrap/settings";
import {
  MOCK_PROJECT,
  MOCK_PROJECT_NUMBER,
  ProgramRun,
  Recorded,
  one,
  ofType,
  requireProgram,
  runPulumi,
} from "./harness";

/*
 * The bootstrap program (bootstrap/index.ts) under Pulumi's mocks, run once with good inputs,
 * then once per bad input (those stop before any resource, so each run is quick).
 */

const ROOT = path.resolve(__dirname, "..");
const REPOSITORY = "my-org/tracing";
const REGION = "europe-west1";
const CONFIG = {
  "gcp:project": MOCK_PROJECT,
  "gcp:region": REGION,
  [CONFIG_KEYS.repository]: REPOSITORY,
};
const POOL = `projects/${MOCK_PROJECT_NUMBER}/locations/global/workloadIdentityPools/github`;
const DEPLOYER = `serviceAccount:pulumi-deployer@${MOCK_PROJECT}.iam.gserviceaccount.com`;
const PREVIEWER = `serviceAccount:pulumi-previewer@${MOCK_PROJECT}.iam.gserviceaccount.com`;
const STATE_BUCKET = `${MOCK_PROJECT}-pulumi-state`;
const KEY_ID = `projects/${MOCK_PROJECT}/locations/${REGION}/keyRings/pulumi/cryptoKeys/prod-stack`;

const PROJECT_GRANT = "gcp:projects/iAMMember:IAMMember";
const ACCOUNT_GRANT = "gcp:serviceaccount/iAMMember:IAMMember";
const BUCKET_GRANT = "gcp:storage/bucketIAMMember:BucketIAMMember";
const KEY_GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember";
const GRANT_TYPES = [PROJECT_GRANT, ACCOUNT_GRANT, BUCKET_GRANT, KEY_GRANT];

/** CONFIG without `key`. */
function without(key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(CONFIG).filter(([k]) => k !== key));
}

function runBootstrap(config: Record<string, unknown>, resources: Recorded[] = []): Promise<ProgramRun> {
  return runPulumi(() => requireProgram("bootstrap/index.ts"), config, "bootstrap", resources);
}

/** Every grant made to `member`, as "type role on resource". */
function grantsTo(run: ProgramRun, member: string): string[] {
  return run.resources
    .filter((r) => GRANT_TYPES.includes(r.type) && r.inputs.member === member)
    .map((r) => {
      const on =
        r.inputs.bucket ?? r.inputs.cryptoKeyId ?? r.inputs.serviceAccountId ?? `project ${String(r.inputs.project)}`;
      return `${r.type} ${String(r.inputs.role)} on ${String(on)}`;
    })
    .sort();
}

describe("bootstrap program under mocks", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runBootstrap(CONFIG);
  });

  it("registers exactly the APIs, the state bucket, the KMS key, the pool and provider, two accounts and their grants", () => {
    const counts: Record<string, number> = {};
    for (const resource of run.resources) {
      counts[resource.type] = (counts[resource.type] ?? 0) + 1;
    }
    expect(counts).to.deep.equal({
      "gcp:projects/service:Service": BOOTSTRAP_APIS.length,
      "gcp:storage/bucket:Bucket": 1,
      "gcp:kms/keyRing:KeyRing": 1,
      "gcp:kms/cryptoKey:CryptoKey": 1,
      "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": 1,
      "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": 1,
      "gcp:serviceaccount/account:Account": 2,
      [ACCOUNT_GRANT]: 2,
      [BUCKET_GRANT]: 2,
      [KEY_GRANT]: 2,
      [PROJECT_GRANT]: DEPLOYER_ROLES.length + 1,
    });
    expect(run.resources.every((r) => r.custom)).to.equal(true);
  });

  it("enables the APIs it uses and the two a fresh project needs before the prod stack can enable its own", () => {
    const apis = ofType(run, "gcp:projects/service:Service");
    expect(apis.map((api) => api.inputs.service)).to.have.members([...BOOTSTRAP_APIS]);
    expect(BOOTSTRAP_APIS).to.include.members(["cloudresourcemanager.googleapis.com", "serviceusage.googleapis.com"]);
    expect(BOOTSTRAP_APIS).to.include.members(["sts.googleapis.com", "iamcredentials.googleapis.com"]);
    expect(apis.every((api) => api.inputs.disableOnDestroy === false && api.inputs.project === MOCK_PROJECT)).to.equal(
      true,
    );
  });

  it("keeps the Pulumi state in a versioned, private, protected bucket in the region", () => {
    const bucket = one(run, "gcp:storage/bucket:Bucket");
    expect(bucket.protect).to.equal(true);
    expect(bucket.inputs).to.deep.include({
      name: STATE_BUCKET,
      project: MOCK_PROJECT,
      location: "EUROPE-WEST1",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: true },
      forceDestroy: false,
    });
    // Only superseded checkpoints ever expire; the live state object never does.
    expect(bucket.inputs.lifecycleRules).to.deep.equal([
      { action: { type: "Delete" }, condition: { withState: "ARCHIVED", daysSinceNoncurrentTime: STATE_VERSION_DAYS } },
    ]);
    expect(bucket.dependsOn).to.have.length(BOOTSTRAP_APIS.length);
  });

  it("protects and retains the KMS key ring and key, which is the prod stack's secrets provider", () => {
    const ring = one(run, "gcp:kms/keyRing:KeyRing");
    const key = one(run, "gcp:kms/cryptoKey:CryptoKey");
    for (const resource of [ring, key]) {
      expect(resource.protect, resource.name).to.equal(true);
      expect(resource.retainOnDelete, resource.name).to.equal(true);
    }
    expect(ring.inputs).to.deep.equal({ project: MOCK_PROJECT, name: "pulumi", location: REGION });
    expect(key.inputs).to.deep.include({
      name: "prod-stack",
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: `${KEY_ROTATION_SECONDS}s`,
    });
    // The URL `stack init --secrets-provider` is given names exactly this key.
    expect(secretsProviderUrl(MOCK_PROJECT, REGION)).to.equal(`gcpkms://${KEY_ID}`);
    expect(ofType(run, KEY_GRANT).map((grant) => grant.inputs.cryptoKeyId)).to.deep.equal([KEY_ID, KEY_ID]);
  });

  it("trusts GitHub's OIDC tokens of the one repository, and no other", () => {
    expect(one(run, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool").inputs.workloadIdentityPoolId).to.equal(
      "github",
    );
    expect(one(run, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider").inputs).to.deep.include({
      project: MOCK_PROJECT,
      workloadIdentityPoolId: "github",
      workloadIdentityPoolProviderId: "tracing-repo",
      attributeMapping: { "google.subject": "assertion.sub", "attribute.repository": "assertion.repository" },
      attributeCondition: "assertion.repository == 'my-org/tracing'",
      oidc: { issuerUri: "https://token.actions.githubusercontent.com" },
    });
  });

  it("lets the repository's workflows become the previewer, and only its production jobs the deployer", () => {
    const bindings = ofType(run, ACCOUNT_GRANT).map((grant) => grant.inputs);
    expect(bindings).to.have.deep.members([
      {
        serviceAccountId: `projects/${MOCK_PROJECT}/serviceAccounts/pulumi-previewer@${MOCK_PROJECT}.iam.gserviceaccount.com`,
        role: "roles/iam.workloadIdentityUser",
        member: `principalSet://iam.googleapis.com/${POOL}/attribute.repository/my-org/tracing`,
      },
      {
        serviceAccountId: `projects/${MOCK_PROJECT}/serviceAccounts/pulumi-deployer@${MOCK_PROJECT}.iam.gserviceaccount.com`,
        role: "roles/iam.workloadIdentityUser",
        member: `principal://iam.googleapis.com/${POOL}/subject/repo:my-org/tracing:environment:production`,
      },
    ]);
  });

  it("grants the deployer every role of bootstrap/deployerRoles.ts project-wide, state objectAdmin and encrypt/decrypt", () => {
    expect(grantsTo(run, DEPLOYER)).to.deep.equal(
      [
        ...DEPLOYER_ROLES.map(({ role }) => `${PROJECT_GRANT} ${role} on project ${MOCK_PROJECT}`),
        `${BUCKET_GRANT} roles/storage.objectAdmin on ${STATE_BUCKET}`,
        `${KEY_GRANT} roles/cloudkms.cryptoKeyEncrypterDecrypter on ${KEY_ID}`,
      ].sort(),
    );
    expect(new Set(DEPLOYER_ROLES.map(({ role }) => role)).size).to.equal(DEPLOYER_ROLES.length);
  });

  it("leaves the previewer read-only: state objects, decryption, and reading the project's number and ancestry", () => {
    expect(grantsTo(run, PREVIEWER)).to.deep.equal(
      [
        `${BUCKET_GRANT} roles/storage.objectViewer on ${STATE_BUCKET}`,
        `${KEY_GRANT} roles/cloudkms.cryptoKeyDecrypter on ${KEY_ID}`,
        `${PROJECT_GRANT} ${PREVIEWER_PROJECT_ROLE} on project ${MOCK_PROJECT}`,
      ].sort(),
    );
    expect(PREVIEWER_PROJECT_ROLE).to.equal("roles/browser");
  });

  it("creates no key file and grants nothing to the public or to anyone outside the pipeline", () => {
    expect(run.resources.filter((r) => r.type === "gcp:serviceaccount/key:Key")).to.deep.equal([]);
    const members = run.resources.filter((r) => GRANT_TYPES.includes(r.type)).map((r) => String(r.inputs.member));
    expect(members.filter((m) => /allUsers|allAuthenticatedUsers/.test(m))).to.deep.equal([]);
    const pipeline = [DEPLOYER, PREVIEWER];
    const federated = members.filter((m) => !pipeline.includes(m));
    expect(federated).to.have.length(2);
    expect(
      federated.every((m) => m.startsWith(`principal`) && m.includes(`/${POOL}/`) && m.includes(REPOSITORY)),
    ).to.equal(true);
  });

  it("outputs exactly the repository variables the workflows read", () => {
    const workflows = ["preview.yml", "deploy.yml"].map((file) =>
      fs.readFileSync(path.join(ROOT, ".github", "workflows", file), "utf8"),
    );
    const read = new Set(workflows.flatMap((text) => [...text.matchAll(/\bvars\.([A-Za-z0-9_]+)/g)].map((m) => m[1])));
    expect([...read].sort()).to.deep.equal([...REPOSITORY_VARIABLES].sort());
    expect(run.outputs).to.deep.equal({
      GCP_WORKLOAD_IDENTITY_PROVIDER: `${POOL}/providers/tracing-repo`,
      GCP_DEPLOYER_SERVICE_ACCOUNT: `pulumi-deployer@${MOCK_PROJECT}.iam.gserviceaccount.com`,
      GCP_PREVIEWER_SERVICE_ACCOUNT: `pulumi-previewer@${MOCK_PROJECT}.iam.gserviceaccount.com`,
      PULUMI_STATE_BUCKET: STATE_BUCKET,
    });
  });

  it("takes the state bucket's name from config when given", async () => {
    const custom = await runBootstrap({ ...CONFIG, [CONFIG_KEYS.stateBucket]: "acme-tracing-state" });
    expect(one(custom, "gcp:storage/bucket:Bucket").inputs.name).to.equal("acme-tracing-state");
    expect(custom.outputs.PULUMI_STATE_BUCKET).to.equal("acme-tracing-state");
  });

  describe("stops before any resource on a bad input, naming the key, the value and what is valid", () => {
    const cases: { what: string; config: Record<string, unknown>; message: string }[] = [
      {
        what: "no project",
        config: without("gcp:project"),
        message: "gcp:project is not set: expected a GCP project id",
      },
      {
        what: "a malformed project",
        config: { ...CONFIG, "gcp:project": "My_Project" },
        message: 'gcp:project = "My_Project": expected a GCP project id: 6-30 lowercase letters',
      },
      { what: "no region", config: without("gcp:region"), message: "gcp:region is not set: expected a GCP region" },
      {
        what: "a malformed region",
        config: { ...CONFIG, "gcp:region": "europe" },
        message: 'gcp:region = "europe": expected a GCP region such as us-central1',
      },
      {
        what: "no repository",
        config: without(CONFIG_KEYS.repository),
        message: "tracing-bootstrap:repository is not set: expected a GitHub repository as owner/name",
      },
      {
        what: "a repository without its owner",
        config: { ...CONFIG, [CONFIG_KEYS.repository]: "tracing" },
        message: 'tracing-bootstrap:repository = "tracing": expected a GitHub repository as owner/name',
      },
      {
        what: "a repository URL",
        config: { ...CONFIG, [CONFIG_KEYS.repository]: "https://github.com/my-org/tracing" },
        message: 'tracing-bootstrap:repository = "https://github.com/my-org/tracing": expected a GitHub repository',
      },
      {
        what: "a repository whose production subject exceeds 127 characters",
        config: { ...CONFIG, [CONFIG_KEYS.repository]: `my-org/${"t".repeat(95)}` },
        message: `:environment:production" fits Workload Identity's 127 characters (it has ${5 + 102 + 23})`,
      },
      {
        what: "a malformed state bucket",
        config: { ...CONFIG, [CONFIG_KEYS.stateBucket]: "Pulumi_State" },
        message: 'tracing-bootstrap:stateBucket = "Pulumi_State": expected a valid GCS bucket name',
      },
    ];
    for (const { what, config, message } of cases) {
      it(what, async () => {
        const resources: Recorded[] = [];
        let error: unknown;
        try {
          await runBootstrap(config, resources);
        } catch (caught) {
          error = caught;
        }
        expect(error, "the program should have failed").to.be.instanceOf(Error);
        expect((error as Error).message)
          .to.include("nothing was deployed")
          .and.include(message);
        expect(resources).to.deep.equal([]);
      });
    }
  });
});

describe("bootstrap/Pulumi.yaml", () => {
  const text = fs.readFileSync(path.join(ROOT, "bootstrap", "Pulumi.yaml"), "utf8");

  it("is strict YAML that reads the same under YAML 1.1 and 1.2", () => {
    const strict = parseDocument(text, { strict: true, uniqueKeys: true, version: "1.2" });
    const legacy = parseDocument(text, { strict: true, uniqueKeys: true, version: "1.1" });
    expect([...strict.errors, ...strict.warnings, ...legacy.errors, ...legacy.warnings]).to.deep.equal([]);
    expect(legacy.toJS()).to.deep.equal(strict.toJS());
    expect(text).to.not.match(/\t/);
  });

  it("names its own project and entry point, a TypeScript Node.js program", () => {
    const project = parseDocument(text).toJS() as Record<string, unknown>;
    expect(project).to.deep.include({
      name: "tracing-bootstrap",
      main: "index.ts",
      runtime: { name: "nodejs", options: { packagemanager: "npm", typescript: true } },
    });
    // Without `main`, the Node.js host would run the package.json "main" of the repository: index.ts, the tracing program.
    expect(fs.existsSync(path.join(ROOT, "bootstrap", String(project.main)))).to.equal(true);
  });
});

describe("bootstrap/tsconfig.json", () => {
  /** A tsconfig's compilerOptions, read by TypeScript's own parser (it allows comments). */
  function compilerOptions(file: string): Record<string, unknown> {
    const { config, error } = ts.parseConfigFileTextToJson(file, fs.readFileSync(file, "utf8"));
    expect(error, file).to.equal(undefined);
    return (config as { compilerOptions: Record<string, unknown> }).compilerOptions;
  }

  it("gives ts-node, which Pulumi runs from bootstrap/, the options npm test type-checks with", () => {
    const own = compilerOptions(path.join(ROOT, "bootstrap", "tsconfig.json"));
    const root = compilerOptions(path.join(ROOT, "tsconfig.json"));
    const keys = ["strict", "target", "lib", "module", "moduleResolution", "esModuleInterop"];
    expect(Object.fromEntries(keys.map((key) => [key, own[key]]))).to.deep.equal(
      Object.fromEntries(keys.map((key) => [key, root[key]])),
    );
    // `export =` (bootstrap/index.ts) compiles only to CommonJS; ts-node's own default is Node16.
    expect(own.module).to.equal("commonjs");
    expect(ts.convertCompilerOptionsFromJson(own, path.join(ROOT, "bootstrap")).errors).to.deep.equal([]);
  });
});

describe("the deployer's roles in docs/delivery.md", () => {
  it("lists exactly bootstrap/deployerRoles.ts, each with the same reason", () => {
    const section = docSection("docs/delivery.md", "What the deployer may do");
    const rows = [...section.matchAll(/^\| `(roles\/[^`]+)` \| (.+) \|$/gm)].map((m) => ({ role: m[1], why: m[2] }));
    expect(rows).to.deep.equal(DEPLOYER_ROLES.map(({ role, why }) => ({ role, why })));
  });

  it("can be written as a Markdown table: no reason holds a pipe or a line break", () => {
    for (const { role, why } of DEPLOYER_ROLES) {
      expect(why, role).to.not.match(/[|\n]/);
      expect(role).to.match(/^roles\/[a-zA-Z]+(\.[a-zA-Z]+)?$/);
    }
  });
});
