/**
 * What the bootstrap is given (project, region, repository, state bucket), how each value is
 * checked, and the fixed names of what it creates. Shared by the Pulumi program
 * (bootstrap/program.ts), which reads the values from its stack config, and by the command
 * (`npm run bootstrap`, bootstrap/command.ts), which reads them from its flags: both stop on the
 * same rules with the same messages, naming the config key or the flag.
 */
import { ConfigProblem } from "../config/stack/errors";
import { PROJECT_ID, REGION, bucketNameProblem } from "../config/stack/gcpNames";

/** The bootstrap's inputs, checked. */
export interface BootstrapInputs {
  /** The Google Cloud project id that will hold the prod stack. */
  readonly project: string;
  /** Region of the state bucket and of the KMS key ring. */
  readonly region: string;
  /** The one GitHub repository (owner/name) whose workflows may deploy. */
  readonly repository: string;
  /** Name of the GCS bucket that holds the Pulumi state. @default `<project>-pulumi-state` */
  readonly stateBucket: string;
}

export type InputField = keyof BootstrapInputs;
export type RawInputs = { readonly [F in InputField]?: string | undefined };

/** The Pulumi project name (bootstrap/Pulumi.yaml), and the namespace of its own config keys. */
export const BOOTSTRAP_PROJECT = "tracing-bootstrap";

/** The bootstrap stack's config key of each input. */
export const CONFIG_KEYS: Record<InputField, string> = {
  project: "gcp:project",
  region: "gcp:region",
  repository: `${BOOTSTRAP_PROJECT}:repository`,
  stateBucket: `${BOOTSTRAP_PROJECT}:stateBucket`,
};

/** Names of what the bootstrap creates; fixed, so the docs and the workflows can name them. */
export const NAMES = {
  /** The KMS key ring (key rings cannot be deleted, so it is never renamed). */
  keyRing: "pulumi",
  /** The KMS key that encrypts the prod stack's data key. */
  cryptoKey: "prod-stack",
  /** The Workload Identity pool for GitHub Actions. */
  pool: "github",
  /** Its OIDC provider, bound to the one repository. */
  provider: "tracing-repo",
  /** Runs `pulumi up` from the production environment of deploy.yml. */
  deployer: "pulumi-deployer",
  /** Runs `pulumi preview` for pull requests; reads only. */
  previewer: "pulumi-previewer",
  /** The GitHub environment whose tokens may impersonate the deployer. */
  environment: "production",
  /** GitHub Actions' OIDC issuer. */
  issuer: "https://token.actions.githubusercontent.com",
} as const;

/** The stack the bootstrap prepares. */
export const PROD_STACK = "prod";

/**
 * The repository variables .github/workflows/*.yml read, in the order `gh variable set` lines
 * are printed. The bootstrap program's outputs are exactly these (a test compares them with the
 * `vars.*` the workflows use).
 */
export const REPOSITORY_VARIABLES = [
  "GCP_WORKLOAD_IDENTITY_PROVIDER",
  "GCP_DEPLOYER_SERVICE_ACCOUNT",
  "GCP_PREVIEWER_SERVICE_ACCOUNT",
  "PULUMI_STATE_BUCKET",
] as const;
export type RepositoryVariable = (typeof REPOSITORY_VARIABLES)[number];

/** The state bucket's name when none is given. */
export function defaultStateBucket(project: string): string {
  return `${project}-pulumi-state`;
}

/** The prod stack's secrets provider: the bootstrap's KMS key (pulumi `stack init --secrets-provider`). */
export function secretsProviderUrl(project: string, region: string): string {
  return `gcpkms://projects/${project}/locations/${region}/keyRings/${NAMES.keyRing}/cryptoKeys/${NAMES.cryptoKey}`;
}

/** The OIDC subject of a job in the production environment (GitHub's `sub` claim). */
export function productionSubject(repository: string): string {
  return `repo:${repository}:environment:${NAMES.environment}`;
}

/** The attribute condition of the pool's provider: tokens of this one repository, no other. */
export function repositoryCondition(repository: string): string {
  return `assertion.repository == '${repository}'`;
}

// GitHub: an owner is 1-39 letters, digits or single hyphens, not at either end; a repository
// name is 1-100 letters, digits, '.', '-' or '_'.
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?\/[A-Za-z0-9._-]{1,100}$/;
/** @pulumi/gcp 9.37.0, WorkloadIdentityPoolProvider.attributeMapping: google.subject "Cannot exceed 127 characters". */
const MAX_SUBJECT = 127;

function repositoryProblem(repository: string): string | undefined {
  const expected = "a GitHub repository as owner/name, e.g. my-org/tracing";
  if (!REPOSITORY.test(repository)) {
    return expected;
  }
  const name = repository.split("/")[1];
  if (name === "." || name === "..") {
    return expected;
  }
  const subject = productionSubject(repository);
  if (subject.length > MAX_SUBJECT) {
    return `${expected}, short enough that the OIDC subject "${subject}" fits Workload Identity's ${MAX_SUBJECT} characters (it has ${subject.length})`;
  }
  return undefined;
}

/** What a valid value of each field looks like, for the messages. */
const EXPECTED: Record<Exclude<InputField, "repository" | "stateBucket">, string> = {
  project: "a GCP project id: 6-30 lowercase letters, digits and hyphens, starting with a letter, e.g. my-tracing-prod",
  region: "a GCP region such as us-central1 or europe-west1",
};

/**
 * Checks raw inputs; `nameOf` turns a field into what the user typed (a config key or a flag),
 * so every problem names it. Returns the inputs, or every problem at once.
 */
export function checkInputs(
  raw: RawInputs,
  nameOf: (field: InputField) => string,
): { inputs: BootstrapInputs; problems: [] } | { inputs: undefined; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const value = (field: InputField): string | undefined => {
    const given = raw[field]?.trim();
    return given === undefined || given === "" ? undefined : given;
  };
  const fail = (field: InputField, given: string | undefined, expected: string) =>
    problems.push({ key: nameOf(field), value: given, expected });

  const project = value("project");
  if (project === undefined || !PROJECT_ID.test(project)) {
    fail("project", project, EXPECTED.project);
  }
  const region = value("region");
  if (region === undefined || !REGION.test(region)) {
    fail("region", region, EXPECTED.region);
  }
  const repository = value("repository");
  const repositoryIssue =
    repository === undefined ? "a GitHub repository as owner/name, e.g. my-org/tracing" : repositoryProblem(repository);
  if (repositoryIssue !== undefined) {
    fail("repository", repository, repositoryIssue);
  }
  const givenBucket = value("stateBucket");
  // The default derives from the project; a bad project is reported once, not twice.
  const validProject = project !== undefined && PROJECT_ID.test(project) ? project : undefined;
  const stateBucket = givenBucket ?? (validProject === undefined ? undefined : defaultStateBucket(validProject));
  const bucketIssue = stateBucket === undefined ? undefined : bucketNameProblem(stateBucket);
  if (bucketIssue !== undefined) {
    const which = givenBucket === undefined ? ` (the default, ${JSON.stringify(stateBucket)}, is not one)` : "";
    fail("stateBucket", givenBucket, `a valid GCS bucket name${which}: ${bucketIssue}`);
  }

  if (
    problems.length > 0 ||
    project === undefined ||
    region === undefined ||
    repository === undefined ||
    stateBucket === undefined
  ) {
    return { inputs: undefined, problems };
  }
  return { inputs: { project, region, repository, stateBucket }, problems: [] };
}
