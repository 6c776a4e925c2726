/**
 * `npm run bootstrap`, without side effects: its flags, the environment and arguments of every
 * `pulumi` command it runs, and what it prints. scripts/bootstrap.ts runs these; the tests check
 * them without a Pulumi CLI.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { ConfigProblem, describeProblem } from "../config/stack/errors";
import { SERVICE_ACCOUNT_EMAIL, bucketNameProblem, iapMemberProblem } from "../config/stack/gcpNames";
import {
  BootstrapInputs,
  CONFIG_KEYS,
  InputField,
  PROD_STACK,
  REPOSITORY_VARIABLES,
  RepositoryVariable,
  checkInputs,
  secretsProviderUrl,
} from "./settings";

export const USAGE = [
  "usage: npm run bootstrap -- --project <id> --region <region> --repo <owner/name>",
  "                            --grafana-member <principal> [--grafana-member ...]",
  "                            [--agent-service-account <email> ...]",
  "                            [--traces-bucket <name>] [--state-bucket <name>] [--state-dir <dir>]",
  "                            [--yes] [--preview]",
  "",
  "  --project         the Google Cloud project that will hold the prod stack (you need Owner on it)",
  "  --region          region of the state bucket and the KMS key, e.g. europe-west1",
  "  --repo            the GitHub repository whose workflows deploy, as owner/name (exact case)",
  "  --grafana-member  who may open Grafana through IAP, e.g. group:team@example.com; repeatable",
  "                    (written to Pulumi.prod.yaml as tracing:grafanaIapMembers)",
  "  --agent-service-account  the service account the agent's Cloud Run service runs as, allowed to",
  "                    mount the OTLP headers secret; repeatable (tracing:agentServiceAccounts)",
  "  --traces-bucket   the prod stack's trace bucket, tracing:bucketName (default: <project>-traces)",
  "  --state-bucket    the Pulumi state bucket to create (default: <project>-pulumi-state)",
  "  --state-dir     where the bootstrap's own state is kept (default: $PULUMI_BOOTSTRAP_STATE_DIR,",
  "                  else ~/.pulumi-bootstrap)",
  "  --yes           create without asking (pulumi up --yes)",
  "  --preview       only show what would be created; initialise nothing",
].join("\n");

/** The flag of each input, as the user types it. */
export const FLAGS: Record<InputField, string> = {
  project: "--project",
  region: "--region",
  repository: "--repo",
  stateBucket: "--state-bucket",
};

/** What the bootstrap writes into Pulumi.prod.yaml besides the project, region and secrets provider. */
export interface ProdStackSettings {
  /** `tracing:bucketName`: bucket names are global, so the committed example cannot be everyone's. */
  readonly tracesBucket: string;
  /** `tracing:grafanaIapMembers`: the people who may open Grafana. */
  readonly grafanaMembers: readonly string[];
  /** `tracing:agentServiceAccounts`: the agents' identities; empty leaves the file's list alone. */
  readonly agentServiceAccounts: readonly string[];
}

/** The trace bucket's name when none is given. */
export function defaultTracesBucket(project: string): string {
  return `${project}-traces`;
}

export interface BootstrapOptions {
  readonly inputs: BootstrapInputs;
  readonly prod: ProdStackSettings;
  /** Absolute path of the folder that holds the bootstrap stack's state (a file backend). */
  readonly stateDir: string;
  /** `pulumi up --yes`: no confirmation prompt. */
  readonly yes: boolean;
  /** `pulumi preview` only: nothing is created and the prod stack is left alone. */
  readonly previewOnly: boolean;
}

export type ParsedArgs =
  | { readonly kind: "run"; readonly options: BootstrapOptions }
  | { readonly kind: "help" }
  | { readonly kind: "usage-error"; readonly message: string };

/**
 * Reads the command line. Every problem with the inputs is reported at once, naming the flag,
 * the value given and what is valid; nothing runs until they are all right.
 */
export function parseBootstrapArgs(argv: readonly string[], env: NodeJS.ProcessEnv, home: string): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        project: { type: "string" },
        region: { type: "string" },
        repo: { type: "string" },
        "state-bucket": { type: "string" },
        "traces-bucket": { type: "string" },
        "grafana-member": { type: "string", multiple: true },
        "agent-service-account": { type: "string", multiple: true },
        "state-dir": { type: "string" },
        yes: { type: "boolean", default: false },
        preview: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    return { kind: "usage-error", message: `npm run bootstrap: ${(error as Error).message}` };
  }
  if (values.help) {
    return { kind: "help" };
  }
  const { inputs, problems } = checkInputs(
    {
      project: values.project,
      region: values.region,
      repository: values.repo,
      stateBucket: values["state-bucket"],
    },
    (field) => FLAGS[field],
  );
  const prod = checkProdSettings(
    values["traces-bucket"],
    values["grafana-member"] ?? [],
    values["agent-service-account"] ?? [],
    inputs?.project,
  );
  if (inputs === undefined || prod.settings === undefined) {
    const lines = [...problems, ...prod.problems].map((problem) => `  - ${describeProblem(problem)}`);
    return {
      kind: "usage-error",
      message: `npm run bootstrap: invalid arguments (nothing was created):\n${lines.join("\n")}`,
    };
  }
  const stateDir = values["state-dir"] ?? env.PULUMI_BOOTSTRAP_STATE_DIR ?? path.join(home, ".pulumi-bootstrap");
  if (stateDir.trim() === "") {
    return { kind: "usage-error", message: "npm run bootstrap: --state-dir is empty: expected a folder path" };
  }
  return {
    kind: "run",
    options: {
      inputs,
      prod: prod.settings,
      stateDir: path.resolve(stateDir),
      yes: values.yes,
      previewOnly: values.preview,
    },
  };
}

/** The prod stack's settings from their flags, with the same rules the prod program applies. */
function checkProdSettings(
  tracesBucket: string | undefined,
  members: readonly string[],
  agents: readonly string[],
  project: string | undefined,
): { settings: ProdStackSettings | undefined; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const bucket = tracesBucket?.trim() || (project === undefined ? undefined : defaultTracesBucket(project));
  const bucketIssue = bucket === undefined ? undefined : bucketNameProblem(bucket);
  if (bucketIssue !== undefined) {
    problems.push({ key: "--traces-bucket", value: tracesBucket, expected: `a valid GCS bucket name: ${bucketIssue}` });
  }
  if (members.length === 0) {
    problems.push({
      key: "--grafana-member",
      value: undefined,
      expected:
        "at least one principal who may open Grafana, e.g. --grafana-member group:team@example.com " +
        '(or yourself: --grafana-member "user:$(gcloud config get account)")',
    });
  }
  for (const member of members) {
    const issue = iapMemberProblem(member, project ?? "");
    if (issue !== undefined) {
      problems.push({ key: "--grafana-member", value: member, expected: issue });
    }
  }
  for (const agent of agents) {
    if (!SERVICE_ACCOUNT_EMAIL.test(agent)) {
      problems.push({
        key: "--agent-service-account",
        value: agent,
        expected: "a service account email, e.g. monolith@my-project.iam.gserviceaccount.com",
      });
    }
  }
  if (problems.length > 0 || bucket === undefined) {
    return { settings: undefined, problems };
  }
  return {
    settings: {
      tracesBucket: bucket,
      grafanaMembers: [...new Set(members)],
      agentServiceAccounts: [...new Set(agents)],
    },
    problems: [],
  };
}

/** One `pulumi` invocation: where, with which environment, with which arguments. */
export interface PulumiCommand {
  /** Folder the CLI runs in: `bootstrap` (the bootstrap program) or `.` (the tracing program). */
  readonly dir: "bootstrap" | ".";
  /** Variables set for this command only (on top of the caller's environment). */
  readonly env: Readonly<Record<string, string>>;
  readonly args: readonly string[];
}

/**
 * The bootstrap stack's environment: its state in a file backend of its own, whatever the
 * user's `pulumi login` or PULUMI_BACKEND_URL says. It holds no secret; its passphrase is empty
 * unless the user set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (both respected).
 */
export function bootstrapStackEnv(stateDir: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const scoped: Record<string, string> = { PULUMI_BACKEND_URL: `file://${stateDir}` };
  const hasFile = (env.PULUMI_CONFIG_PASSPHRASE_FILE ?? "") !== "";
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && !hasFile) {
    scoped.PULUMI_CONFIG_PASSPHRASE = "";
  }
  return scoped;
}

/** The prod stack's environment: the state bucket, for these commands only (no `pulumi login`). */
export function prodStackEnv(stateBucket: string): Record<string, string> {
  return { PULUMI_BACKEND_URL: `gs://${stateBucket}` };
}

/** The bootstrap stack is named after the project, so one state folder serves several projects. */
export function bootstrapStackName(inputs: BootstrapInputs): string {
  return inputs.project;
}

/** Select (or create) the bootstrap stack, record its inputs, then `pulumi up` (or preview). */
export function bootstrapCommands(options: BootstrapOptions, env: NodeJS.ProcessEnv): PulumiCommand[] {
  const { inputs } = options;
  const stack = bootstrapStackName(inputs);
  const scoped = bootstrapStackEnv(options.stateDir, env);
  const config: [string, string][] = [
    [CONFIG_KEYS.project, inputs.project],
    [CONFIG_KEYS.region, inputs.region],
    [CONFIG_KEYS.repository, inputs.repository],
    [CONFIG_KEYS.stateBucket, inputs.stateBucket],
  ];
  const apply = options.previewOnly
    ? ["preview", "--stack", stack, "--diff"]
    : ["up", "--stack", stack, ...(options.yes ? ["--yes"] : [])];
  return [
    { dir: "bootstrap", env: scoped, args: ["stack", "select", "--create", stack] },
    {
      dir: "bootstrap",
      env: scoped,
      args: [
        "config",
        "set-all",
        "--stack",
        stack,
        ...config.flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]),
      ],
    },
    { dir: "bootstrap", env: scoped, args: apply },
  ];
}

/** The bootstrap stack's outputs, read back after `pulumi up`. */
export function outputsCommand(options: BootstrapOptions, env: NodeJS.ProcessEnv): PulumiCommand {
  const stack = bootstrapStackName(options.inputs);
  return {
    dir: "bootstrap",
    env: bootstrapStackEnv(options.stateDir, env),
    args: ["stack", "output", "--json", "--stack", stack],
  };
}

/** The repository variables from `pulumi stack output --json`; throws naming what is missing. */
export function repositoryVariablesFrom(json: string): Record<RepositoryVariable, string> {
  const outputs = JSON.parse(json) as Record<string, unknown>;
  const missing = REPOSITORY_VARIABLES.filter((name) => typeof outputs[name] !== "string" || outputs[name] === "");
  if (missing.length > 0) {
    throw new Error(`the bootstrap stack has no output ${missing.join(", ")}: did its \`pulumi up\` finish?`);
  }
  return Object.fromEntries(REPOSITORY_VARIABLES.map((name) => [name, String(outputs[name])])) as Record<
    RepositoryVariable,
    string
  >;
}

/** `pulumi stack ls --json` in the state bucket, to learn whether the prod stack exists. */
export function listStacksCommand(inputs: BootstrapInputs): PulumiCommand {
  return { dir: ".", env: prodStackEnv(inputs.stateBucket), args: ["stack", "ls", "--json"] };
}

/** Whether `pulumi stack ls --json` lists the prod stack of this project. */
export function prodStackListed(json: string): boolean {
  const stacks = JSON.parse(json) as { name?: unknown }[];
  // The DIY backend elides the project when it is the current one (pkg/backend/diy/backend.go, String()).
  return stacks.some((stack) => stack.name === PROD_STACK || stack.name === `organization/tracing/${PROD_STACK}`);
}

/** What Pulumi.prod.yaml records, as far as the bootstrap cares. */
export interface ProdStackFile {
  readonly secretsProvider: string | undefined;
  readonly encryptedKey: string | undefined;
  readonly project: string | undefined;
  readonly region: string | undefined;
  readonly tracesBucket: string | undefined;
  readonly grafanaMembers: readonly string[];
  readonly agentServiceAccounts: readonly string[];
}

export function readProdStackFile(text: string): ProdStackFile {
  const file = (parse(text) ?? {}) as {
    secretsprovider?: unknown;
    encryptedkey?: unknown;
    config?: Record<string, unknown>;
  };
  const nonEmpty = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  return {
    secretsProvider: nonEmpty(file.secretsprovider),
    encryptedKey: nonEmpty(file.encryptedkey),
    project: nonEmpty(file.config?.["gcp:project"]),
    region: nonEmpty(file.config?.["gcp:region"]),
    tracesBucket: nonEmpty(file.config?.["tracing:bucketName"]),
    grafanaMembers: readMembers(file.config?.["tracing:grafanaIapMembers"]),
    agentServiceAccounts: readMembers(file.config?.["tracing:agentServiceAccounts"]),
  };
}

/** A list as `config set --path` writes it, or as JSON text as `config set` would. */
function readMembers(value: unknown): string[] {
  let list = value;
  if (typeof value === "string") {
    try {
      list = JSON.parse(value) as unknown;
    } catch {
      return [];
    }
  }
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === "string") : [];
}

/**
 * What turns the prod stack into one CI can use: it exists in the state bucket, Pulumi.prod.yaml
 * records the KMS secrets provider and its encrypted data key, and the stack deploys into the
 * project the bootstrap prepared. Runs nothing that is already so; `change-secrets-provider`
 * only when the stack exists with another provider (re-encrypting its state).
 */
export function prodStackCommands(
  inputs: BootstrapInputs,
  prod: ProdStackSettings,
  exists: boolean,
  file: ProdStackFile,
): PulumiCommand[] {
  const env = prodStackEnv(inputs.stateBucket);
  const url = secretsProviderUrl(inputs.project, inputs.region);
  const commands: PulumiCommand[] = [];
  if (!exists) {
    commands.push({ dir: ".", env, args: ["stack", "init", PROD_STACK, "--secrets-provider", url] });
  } else if (file.secretsProvider !== url || file.encryptedKey === undefined) {
    commands.push({ dir: ".", env, args: ["stack", "change-secrets-provider", url, "--stack", PROD_STACK] });
  }
  if (file.project !== inputs.project) {
    commands.push({ dir: ".", env, args: ["config", "set", "gcp:project", inputs.project, "--stack", PROD_STACK] });
  }
  if (file.region !== inputs.region) {
    commands.push({ dir: ".", env, args: ["config", "set", "gcp:region", inputs.region, "--stack", PROD_STACK] });
  }
  if (file.tracesBucket !== prod.tracesBucket) {
    commands.push({
      dir: ".",
      env,
      args: ["config", "set", "tracing:bucketName", prod.tracesBucket, "--stack", PROD_STACK],
    });
  }
  if (JSON.stringify(file.grafanaMembers) !== JSON.stringify(prod.grafanaMembers)) {
    commands.push(...setList(env, "tracing:grafanaIapMembers", prod.grafanaMembers));
  }
  if (
    prod.agentServiceAccounts.length > 0 &&
    JSON.stringify(file.agentServiceAccounts) !== JSON.stringify(prod.agentServiceAccounts)
  ) {
    commands.push(...setList(env, "tracing:agentServiceAccounts", prod.agentServiceAccounts));
  }
  return commands;
}

/** A list key replaced whole: `config rm` then one `--path` entry per item, a YAML list in the file. */
function setList(env: Readonly<Record<string, string>>, key: string, items: readonly string[]): PulumiCommand[] {
  return [
    { dir: ".", env, args: ["config", "rm", key, "--stack", PROD_STACK] },
    {
      dir: ".",
      env,
      args: [
        "config",
        "set-all",
        "--stack",
        PROD_STACK,
        "--path",
        ...items.flatMap((item, index) => ["--plaintext", `${key}[${index}]=${item}`]),
      ],
    },
  ];
}

/** A command as a person would type it, for the log. */
export function describeCommand(command: PulumiCommand): string {
  const env = Object.entries(command.env).map(([key, value]) => `${key}=${shellQuote(value)}`);
  const cd = command.dir === "." ? [] : [`(cd ${command.dir} &&`];
  const close = command.dir === "." ? "" : ")";
  return [...cd, ...env, "pulumi", ...command.args.map(shellQuote)].join(" ") + close;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `gh variable set` lines for the repository variables the workflows read. */
export function ghVariableCommands(variables: Record<RepositoryVariable, string>, repository: string): string[] {
  return REPOSITORY_VARIABLES.map(
    (name) => `gh variable set ${name} --repo ${shellQuote(repository)} --body ${shellQuote(variables[name])}`,
  );
}

/** What the team does next, printed after a successful run. */
export function nextSteps(inputs: BootstrapInputs, variables: Record<RepositoryVariable, string>): string {
  return [
    "",
    "Bootstrap done. Next:",
    "",
    `1. Set the repository variables the workflows read (GitHub CLI, as an admin of ${inputs.repository}):`,
    "",
    ...ghVariableCommands(variables, inputs.repository).map((line) => `   ${line}`),
    "",
    `2. Create the \`production\` environment (Settings → Environments), deployments from \`main\` only;`,
    "   add required reviewers if every deploy should wait for approval. Protect `main`.",
    "",
    `3. Review and commit Pulumi.prod.yaml: it now records the secrets provider`,
    `   (${secretsProviderUrl(inputs.project, inputs.region)}) and the encrypted data key,`,
    "   gcp:project/gcp:region, the trace bucket (tracing:bucketName) and who may open Grafana",
    "   (tracing:grafanaIapMembers).",
    "",
    "   If the project has no organization, or a --grafana-member is outside it, the preview stops",
    "   and prints the one console step IAP then needs (an OAuth client) and the two keys to set.",
    "",
    "4. Merge to main: deploy.yml runs `pulumi up -s prod`. Then open the `grafanaUrl` output",
    `   (PULUMI_BACKEND_URL=gs://${inputs.stateBucket} pulumi stack output grafanaUrl -s prod).`,
    "",
  ].join("\n");
}
