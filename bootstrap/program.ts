/**
 * The one-time set-up of a Google Cloud project for the prod stack, as a Pulumi program of its
 * own (project `tracing-bootstrap`, state in a local folder; `npm run bootstrap` runs it):
 *
 * - the APIs these resources use, and the two a fresh project needs before the prod stack can
 *   enable its own (`gcp.projects.Service` reads the project through Cloud Resource Manager and
 *   enables through Service Usage: hashicorp/terraform-provider-google#11435, #6101);
 * - the Pulumi state bucket: versioned, uniform access, never public, protected;
 * - the KMS key ring and key that encrypt the prod stack's secrets (protected and retained:
 *   key rings cannot be deleted, and a destroyed key loses every secret encrypted with it);
 * - a Workload Identity pool and OIDC provider that trust GitHub's tokens of one repository;
 * - the previewer (reads state, decrypts) and the deployer (DEPLOYER_ROLES, writes state,
 *   encrypts), each impersonable by that repository's workflows only; no key files.
 *
 * Its outputs are the repository variables the workflows read, and nothing else.
 */
import * as gcp from "../components/gcp/sdk";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/stack/errors";
import { DEPLOYER_ROLES } from "./deployerRoles";
import {
  BOOTSTRAP_PROJECT,
  BootstrapInputs,
  CONFIG_KEYS,
  NAMES,
  RepositoryVariable,
  checkInputs,
  productionSubject,
  repositoryCondition,
} from "./settings";

/**
 * APIs the bootstrap's own resources use, plus what CI needs to exchange a GitHub token
 * (sts, iamcredentials) and what the prod stack needs before it can enable anything itself
 * (cloudresourcemanager, serviceusage). Never disabled on destroy: other things may use them.
 */
export const BOOTSTRAP_APIS = [
  "cloudresourcemanager.googleapis.com",
  "serviceusage.googleapis.com",
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "sts.googleapis.com",
  "cloudkms.googleapis.com",
  "storage.googleapis.com",
] as const;

/** Noncurrent state versions are kept this long: enough to restore any recent checkpoint. */
export const STATE_VERSION_DAYS = 90;
/** The KMS key gets a new primary version this often; older versions still decrypt. */
export const KEY_ROTATION_SECONDS = 90 * 24 * 60 * 60;

/** Reads and checks the stack config; stops before any resource when something is wrong. */
function readInputs(): BootstrapInputs {
  const gcpConfig = new pulumi.Config("gcp");
  const own = new pulumi.Config(BOOTSTRAP_PROJECT);
  const { inputs, problems } = checkInputs(
    {
      project: gcpConfig.get("project"),
      region: gcpConfig.get("region"),
      repository: own.get("repository"),
      stateBucket: own.get("stateBucket"),
    },
    (field) => CONFIG_KEYS[field],
  );
  if (inputs === undefined) {
    throw new ConfigError(problems);
  }
  return inputs;
}

/** Registers everything; returns the repository variables as outputs. */
/**
 * The previewer's one project-wide role: read-only, for the project's number and ancestry that
 * the prod program reads before registering anything (components/gcp/projectFacts.ts).
 */
export const PREVIEWER_PROJECT_ROLE = "roles/browser";

export function bootstrapProgram(): Record<RepositoryVariable, pulumi.Output<string>> {
  const inputs = readInputs();
  const { project, region, repository } = inputs;
  const labels = { "managed-by": "pulumi", purpose: "pulumi-bootstrap" };

  const apis = BOOTSTRAP_APIS.map(
    (service) =>
      new gcp.projects.Service(`api-${service.split(".")[0]}`, { project, service, disableOnDestroy: false }),
  );
  const afterApis = { dependsOn: apis };

  // Pulumi state: every checkpoint is an object version that can be restored.
  const stateBucket = new gcp.storage.Bucket(
    "state",
    {
      project,
      name: inputs.stateBucket,
      location: region.toUpperCase(),
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      versioning: { enabled: true },
      forceDestroy: false,
      lifecycleRules: [
        {
          action: { type: "Delete" },
          condition: { withState: "ARCHIVED", daysSinceNoncurrentTime: STATE_VERSION_DAYS },
        },
      ],
      labels,
    },
    { ...afterApis, protect: true },
  );

  // The prod stack's secrets provider. Neither can be deleted for real; losing the key loses
  // every secret in the state, so both are protected and left in place on destroy.
  const keyRing = new gcp.kms.KeyRing(
    "key-ring",
    { project, name: NAMES.keyRing, location: region },
    { ...afterApis, protect: true, retainOnDelete: true },
  );
  const cryptoKey = new gcp.kms.CryptoKey(
    "prod-stack-key",
    {
      name: NAMES.cryptoKey,
      keyRing: keyRing.id,
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: `${KEY_ROTATION_SECONDS}s`,
      labels,
    },
    { protect: true, retainOnDelete: true },
  );

  // Trust GitHub Actions' tokens of this repository, and of no other.
  const pool = new gcp.iam.WorkloadIdentityPool(
    "github-pool",
    {
      project,
      workloadIdentityPoolId: NAMES.pool,
      displayName: "GitHub Actions",
      description: `Workflows of ${repository}`,
    },
    afterApis,
  );
  const provider = new gcp.iam.WorkloadIdentityPoolProvider("github-provider", {
    project,
    workloadIdentityPoolId: pool.workloadIdentityPoolId,
    workloadIdentityPoolProviderId: NAMES.provider,
    displayName: "GitHub repository",
    attributeMapping: {
      "google.subject": "assertion.sub",
      "attribute.repository": "assertion.repository",
    },
    attributeCondition: repositoryCondition(repository),
    oidc: { issuerUri: NAMES.issuer },
  });

  const previewer = new gcp.serviceaccount.Account(
    "previewer",
    {
      project,
      accountId: NAMES.previewer,
      displayName: "Pulumi previewer (pull requests)",
      description: `pulumi preview of the prod stack from ${repository}: reads state, decrypts, changes nothing`,
    },
    afterApis,
  );
  const deployer = new gcp.serviceaccount.Account(
    "deployer",
    {
      project,
      accountId: NAMES.deployer,
      displayName: "Pulumi deployer (production)",
      description: `pulumi up of the prod stack from the ${NAMES.environment} environment of ${repository}`,
    },
    afterApis,
  );
  const previewerMember = pulumi.interpolate`serviceAccount:${previewer.email}`;
  const deployerMember = pulumi.interpolate`serviceAccount:${deployer.email}`;

  // Who may become which account: any workflow of the repository the previewer; only jobs in
  // the production environment the deployer.
  new gcp.serviceaccount.IAMMember("previewer-from-repository", {
    serviceAccountId: previewer.name,
    role: "roles/iam.workloadIdentityUser",
    member: pulumi.interpolate`principalSet://iam.googleapis.com/${pool.name}/attribute.repository/${repository}`,
  });
  new gcp.serviceaccount.IAMMember("deployer-from-production", {
    serviceAccountId: deployer.name,
    role: "roles/iam.workloadIdentityUser",
    member: pulumi.interpolate`principal://iam.googleapis.com/${pool.name}/subject/${productionSubject(repository)}`,
  });

  // The previewer reads; the deployer reads and writes (checkpoints, history, the lock).
  new gcp.storage.BucketIAMMember("previewer-reads-state", {
    bucket: stateBucket.name,
    role: "roles/storage.objectViewer",
    member: previewerMember,
  });
  new gcp.storage.BucketIAMMember("deployer-writes-state", {
    bucket: stateBucket.name,
    role: "roles/storage.objectAdmin",
    member: deployerMember,
  });
  new gcp.kms.CryptoKeyIAMMember("previewer-decrypts", {
    cryptoKeyId: cryptoKey.id,
    role: "roles/cloudkms.cryptoKeyDecrypter",
    member: previewerMember,
  });
  new gcp.kms.CryptoKeyIAMMember("deployer-encrypts-decrypts", {
    cryptoKeyId: cryptoKey.id,
    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    member: deployerMember,
  });
  // The prod program reads the project's number and ancestry in every preview too.
  new gcp.projects.IAMMember("previewer-reads-project", {
    project,
    role: PREVIEWER_PROJECT_ROLE,
    member: previewerMember,
  });
  for (const { role } of DEPLOYER_ROLES) {
    new gcp.projects.IAMMember(`deployer-${role.replace(/^roles\//, "").replace(/\./g, "-")}`, {
      project,
      role,
      member: deployerMember,
    });
  }

  return {
    GCP_WORKLOAD_IDENTITY_PROVIDER: provider.name,
    GCP_DEPLOYER_SERVICE_ACCOUNT: deployer.email,
    GCP_PREVIEWER_SERVICE_ACCOUNT: previewer.email,
    PULUMI_STATE_BUCKET: stateBucket.name,
  };
}
