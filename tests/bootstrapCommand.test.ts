import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BootstrapOptions,
  ParsedArgs,
  bootstrapCommands,
  bootstrapStackEnv,
  describeCommand,
  ghVariableCommands,
  parseBootstrapArgs,
  prodStackCommands,
  prodStackListed,
  readProdStackFile,
  repositoryVariablesFrom,
} from "../bootstrap/command";
import { runBootstrap } from "../bootstrap/run";
import { secretsProviderUrl } from "../bootstrap/settings";

/*
 * `npm run bootstrap` without a Pulumi CLI: its flags, the pulumi commands it would run and
 * with which environment, and the whole run (bootstrap/run.ts, which scripts/bootstrap.ts calls)
 * with a stub `pulumi` first on PATH that records its calls.
 */

const ROOT = path.resolve(__dirname, "..");
const HOME = "/home/someone";
const GOOD = [
  "--project",
  "my-tracing-prod",
  "--region",
  "europe-west1",
  "--repo",
  "my-org/tracing",
  "--grafana-member",
  "group:tracing@my-org.example",
];
/** What GOOD writes into Pulumi.prod.yaml besides the project and region. */
const PROD = {
  tracesBucket: "my-tracing-prod-traces",
  grafanaMembers: ["group:tracing@my-org.example"],
  agentServiceAccounts: [] as string[],
};
const URL = secretsProviderUrl("my-tracing-prod", "europe-west1");
const VARIABLES = {
  GCP_WORKLOAD_IDENTITY_PROVIDER: "projects/42/locations/global/workloadIdentityPools/github/providers/tracing-repo",
  GCP_DEPLOYER_SERVICE_ACCOUNT: "pulumi-deployer@my-tracing-prod.iam.gserviceaccount.com",
  GCP_PREVIEWER_SERVICE_ACCOUNT: "pulumi-previewer@my-tracing-prod.iam.gserviceaccount.com",
  PULUMI_STATE_BUCKET: "my-tracing-prod-pulumi-state",
};

function options(argv: string[], env: NodeJS.ProcessEnv = {}): BootstrapOptions {
  const parsed = parseBootstrapArgs(argv, env, HOME);
  if (parsed.kind !== "run") {
    throw new Error(`expected the arguments to parse, got ${JSON.stringify(parsed)}`);
  }
  return parsed.options;
}

function usageError(parsed: ParsedArgs): string {
  if (parsed.kind !== "usage-error") {
    throw new Error(`expected a usage error, got ${JSON.stringify(parsed)}`);
  }
  return parsed.message;
}

describe("npm run bootstrap: arguments", () => {
  it("takes the project, region and repository, and defaults the state bucket and the state folder", () => {
    expect(options(GOOD)).to.deep.equal({
      inputs: {
        project: "my-tracing-prod",
        region: "europe-west1",
        repository: "my-org/tracing",
        stateBucket: "my-tracing-prod-pulumi-state",
      },
      prod: PROD,
      stateDir: "/home/someone/.pulumi-bootstrap",
      yes: false,
      previewOnly: false,
    });
  });

  it("takes the state bucket, the state folder (flag over PULUMI_BOOTSTRAP_STATE_DIR), --yes and --preview", () => {
    const env = { PULUMI_BOOTSTRAP_STATE_DIR: "/srv/bootstrap-state" };
    expect(options(GOOD, env).stateDir).to.equal("/srv/bootstrap-state");
    const given = options(
      [...GOOD, "--state-bucket", "acme-state", "--state-dir", "/tmp/b", "--yes", "--preview"],
      env,
    );
    expect(given).to.deep.include({ stateDir: "/tmp/b", yes: true, previewOnly: true });
    expect(given.inputs.stateBucket).to.equal("acme-state");
  });

  it("reports every missing flag at once, naming each and what is valid", () => {
    const message = usageError(parseBootstrapArgs([], {}, HOME));
    expect(message.split("\n")).to.deep.equal([
      "npm run bootstrap: invalid arguments (nothing was created):",
      "  - --project is not set: expected a GCP project id: 6-30 lowercase letters, digits and hyphens, starting with a letter, e.g. my-tracing-prod",
      "  - --region is not set: expected a GCP region such as us-central1 or europe-west1",
      "  - --repo is not set: expected a GitHub repository as owner/name, e.g. my-org/tracing",
      "  - --grafana-member is not set: expected at least one principal who may open Grafana, e.g. --grafana-member group:team@example.com " +
        '(or yourself: --grafana-member "user:$(gcloud config get account)")',
    ]);
  });

  it("takes the trace bucket and several Grafana members, each checked like the prod program checks them", () => {
    const given = options([...GOOD, "--grafana-member", "user:ana@my-org.example", "--traces-bucket", "acme-traces"]);
    expect(given.prod).to.deep.equal({
      tracesBucket: "acme-traces",
      grafanaMembers: ["group:tracing@my-org.example", "user:ana@my-org.example"],
      agentServiceAccounts: [],
    });
    expect(usageError(parseBootstrapArgs([...GOOD, "--grafana-member", "allUsers"], {}, HOME))).to.include(
      '--grafana-member = "allUsers": expected named principals only',
    );
    expect(usageError(parseBootstrapArgs([...GOOD, "--traces-bucket", "Traces"], {}, HOME))).to.include(
      '--traces-bucket = "Traces": expected a valid GCS bucket name',
    );
  });

  it("names the flag, the value and what is valid for each malformed value", () => {
    const cases: [string[], string][] = [
      [["--project", "My_Project"], '--project = "My_Project": expected a GCP project id'],
      [["--project", "abc"], '--project = "abc": expected a GCP project id'],
      [["--region", "Europe West"], '--region = "Europe West": expected a GCP region'],
      [["--repo", "my-org"], '--repo = "my-org": expected a GitHub repository as owner/name'],
      [["--repo", "my-org/tracing/extra"], '--repo = "my-org/tracing/extra": expected a GitHub repository'],
      [["--repo", "my-org-/tracing"], '--repo = "my-org-/tracing": expected a GitHub repository'],
      [["--state-bucket", "Bad_Bucket"], '--state-bucket = "Bad_Bucket": expected a valid GCS bucket name'],
    ];
    for (const [override, expected] of cases) {
      const flag = override[0];
      const argv = [...GOOD];
      const at = argv.indexOf(flag);
      if (at >= 0) {
        argv.splice(at, 2, ...override);
      } else {
        argv.push(...override);
      }
      const message = usageError(parseBootstrapArgs(argv, {}, HOME));
      expect(message, flag).to.include(expected);
      expect(message.split("\n"), flag).to.have.length(2);
    }
  });

  it("refuses unknown flags, stray words and a flag without its value", () => {
    expect(usageError(parseBootstrapArgs([...GOOD, "--force"], {}, HOME))).to.include("'--force'");
    expect(usageError(parseBootstrapArgs([...GOOD, "prod"], {}, HOME))).to.include("'prod'");
    expect(usageError(parseBootstrapArgs(["--project"], {}, HOME))).to.include("--project");
  });

  it("answers --help with the usage", () => {
    expect(parseBootstrapArgs(["--help"], {}, HOME)).to.deep.equal({ kind: "help" });
  });
});

describe("npm run bootstrap: the pulumi commands", () => {
  it("keeps the bootstrap stack in its own file backend, whatever the user is logged in to", () => {
    const scoped = bootstrapStackEnv("/tmp/b", { PULUMI_BACKEND_URL: "gs://someone-elses-bucket" });
    expect(scoped).to.deep.equal({ PULUMI_BACKEND_URL: "file:///tmp/b", PULUMI_CONFIG_PASSPHRASE: "" });
  });

  it("never overrides the user's passphrase or passphrase file", () => {
    expect(bootstrapStackEnv("/b", { PULUMI_CONFIG_PASSPHRASE_FILE: "/secret/p" })).to.deep.equal({
      PULUMI_BACKEND_URL: "file:///b",
    });
    expect(bootstrapStackEnv("/b", { PULUMI_CONFIG_PASSPHRASE: "s3cret" })).to.deep.equal({
      PULUMI_BACKEND_URL: "file:///b",
    });
  });

  it("selects or creates the bootstrap stack, records its inputs, then runs pulumi up", () => {
    const commands = bootstrapCommands(options([...GOOD, "--state-dir", "/tmp/b"]), {});
    expect(commands.map(describeCommand)).to.deep.equal([
      "(cd bootstrap && PULUMI_BACKEND_URL=file:///tmp/b PULUMI_CONFIG_PASSPHRASE='' pulumi stack select --create my-tracing-prod)",
      "(cd bootstrap && PULUMI_BACKEND_URL=file:///tmp/b PULUMI_CONFIG_PASSPHRASE='' pulumi config set-all --stack my-tracing-prod" +
        " --plaintext gcp:project=my-tracing-prod --plaintext gcp:region=europe-west1" +
        " --plaintext tracing-bootstrap:repository=my-org/tracing" +
        " --plaintext tracing-bootstrap:stateBucket=my-tracing-prod-pulumi-state)",
      "(cd bootstrap && PULUMI_BACKEND_URL=file:///tmp/b PULUMI_CONFIG_PASSPHRASE='' pulumi up --stack my-tracing-prod)",
    ]);
    expect(bootstrapCommands(options([...GOOD, "--yes"]), {})[2].args).to.deep.equal([
      "up",
      "--stack",
      "my-tracing-prod",
      "--yes",
    ]);
    expect(bootstrapCommands(options([...GOOD, "--preview"]), {})[2].args).to.deep.equal([
      "preview",
      "--stack",
      "my-tracing-prod",
      "--diff",
    ]);
  });

  it("initialises a new prod stack in the state bucket with the KMS key, and points it at the project", () => {
    const committed = readProdStackFile(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"));
    expect(committed.secretsProvider).to.equal(undefined);
    const commands = prodStackCommands(options(GOOD).inputs, PROD, false, committed);
    const env = "PULUMI_BACKEND_URL=gs://my-tracing-prod-pulumi-state";
    expect(commands.map(describeCommand)).to.deep.equal([
      `${env} pulumi stack init prod --secrets-provider ${URL}`,
      `${env} pulumi config set gcp:project my-tracing-prod --stack prod`,
      `${env} pulumi config set gcp:region europe-west1 --stack prod`,
      `${env} pulumi config set tracing:bucketName my-tracing-prod-traces --stack prod`,
      `${env} pulumi config rm tracing:grafanaIapMembers --stack prod`,
      `${env} pulumi config set-all --stack prod --path --plaintext 'tracing:grafanaIapMembers[0]=group:tracing@my-org.example'`,
    ]);
  });

  it("runs nothing on a second run, and changes the provider of a stack that exists with another", () => {
    const inputs = options(GOOD).inputs;
    const done = {
      secretsProvider: URL,
      encryptedKey: "CiQA...",
      project: "my-tracing-prod",
      region: "europe-west1",
      ...PROD,
    };
    expect(prodStackCommands(inputs, PROD, true, done)).to.deep.equal([]);
    const passphrase = { ...done, secretsProvider: undefined, encryptedKey: undefined };
    expect(prodStackCommands(inputs, PROD, true, passphrase).map((c) => c.args)).to.deep.equal([
      ["stack", "change-secrets-provider", URL, "--stack", "prod"],
    ]);
    // A file already committed by an earlier bootstrap of this project: init reuses its data key.
    expect(prodStackCommands(inputs, PROD, false, done).map((c) => c.args)).to.deep.equal([
      ["stack", "init", "prod", "--secrets-provider", URL],
    ]);
  });

  it("reads what Pulumi.prod.yaml records once the stack is initialised", () => {
    const file = readProdStackFile(
      `secretsprovider: ${URL}\nencryptedkey: CiQAabc=\nconfig:\n  gcp:project: p-1\n  gcp:region: us-east1\n` +
        "  tracing:bucketName: p-1-traces\n  tracing:grafanaIapMembers:\n    - group:a@b.example\n",
    );
    expect(file).to.deep.equal({
      secretsProvider: URL,
      encryptedKey: "CiQAabc=",
      project: "p-1",
      region: "us-east1",
      tracesBucket: "p-1-traces",
      grafanaMembers: ["group:a@b.example"],
      agentServiceAccounts: [],
    });
  });

  it("writes the agents' service accounts when given, and leaves the file's alone when not", () => {
    // GIVEN the agent's identity on the command line
    const agent = "monolith@my-app.iam.gserviceaccount.com";
    const parsed = parseBootstrapArgs([...GOOD, "--agent-service-account", agent], {}, "/home/u");
    expect(parsed.kind).to.equal("run");
    const { inputs, prod } = options([...GOOD, "--agent-service-account", agent]);
    expect(prod.agentServiceAccounts).to.deep.equal([agent]);
    const done = { secretsProvider: URL, encryptedKey: "k", project: "my-tracing-prod", region: "europe-west1" };

    // WHEN the stack file does not list it THEN the list is replaced whole
    expect(prodStackCommands(inputs, prod, true, { ...done, ...PROD }).map((c) => c.args.join(" "))).to.deep.equal([
      "config rm tracing:agentServiceAccounts --stack prod",
      `config set-all --stack prod --path --plaintext tracing:agentServiceAccounts[0]=${agent}`,
    ]);
    // AND without the flag a list someone set by hand stays
    expect(prodStackCommands(inputs, PROD, true, { ...done, ...PROD, agentServiceAccounts: [agent] })).to.deep.equal(
      [],
    );
  });

  it("refuses an agent service account that is not one, naming the flag", () => {
    const parsed = parseBootstrapArgs([...GOOD, "--agent-service-account", "monolith@gmail.com"], {}, "/home/u");
    expect(parsed.kind).to.equal("usage-error");
    expect(parsed.kind === "usage-error" ? parsed.message : "").to.include(
      '--agent-service-account = "monolith@gmail.com": expected a service account email',
    );
  });

  it("finds the prod stack in `pulumi stack ls --json`, by short or fully qualified name", () => {
    expect(prodStackListed("[]")).to.equal(false);
    expect(prodStackListed('[{"name":"staging","current":false}]')).to.equal(false);
    expect(prodStackListed('[{"name":"prod","current":true}]')).to.equal(true);
    expect(prodStackListed('[{"name":"organization/tracing/prod","current":false}]')).to.equal(true);
  });

  it("reads the repository variables back from the bootstrap stack's outputs, naming any missing", () => {
    expect(repositoryVariablesFrom(JSON.stringify(VARIABLES))).to.deep.equal(VARIABLES);
    expect(() => repositoryVariablesFrom(JSON.stringify({ PULUMI_STATE_BUCKET: "b" }))).to.throw(
      "no output GCP_WORKLOAD_IDENTITY_PROVIDER, GCP_DEPLOYER_SERVICE_ACCOUNT, GCP_PREVIEWER_SERVICE_ACCOUNT",
    );
  });

  it("prints one `gh variable set` per repository variable, for the bootstrapped repository", () => {
    expect(ghVariableCommands(VARIABLES, "my-org/tracing")).to.deep.equal([
      `gh variable set GCP_WORKLOAD_IDENTITY_PROVIDER --repo my-org/tracing --body ${VARIABLES.GCP_WORKLOAD_IDENTITY_PROVIDER}`,
      `gh variable set GCP_DEPLOYER_SERVICE_ACCOUNT --repo my-org/tracing --body ${VARIABLES.GCP_DEPLOYER_SERVICE_ACCOUNT}`,
      `gh variable set GCP_PREVIEWER_SERVICE_ACCOUNT --repo my-org/tracing --body ${VARIABLES.GCP_PREVIEWER_SERVICE_ACCOUNT}`,
      "gh variable set PULUMI_STATE_BUCKET --repo my-org/tracing --body my-tracing-prod-pulumi-state",
    ]);
  });
});

describe("npm run bootstrap: the whole run, with a stub pulumi", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-"));
    // Records each call (folder, backend, passphrase, arguments) and answers the two reads.
    fs.writeFileSync(
      path.join(dir, "pulumi"),
      [
        "#!/usr/bin/env bash",
        `printf '%s|%s|%s|%s\\n' "\${PWD#${ROOT}}" "\${PULUMI_BACKEND_URL-}" "\${PULUMI_CONFIG_PASSPHRASE-unset}" "$*" >> "${dir}/calls"`,
        'case "$*" in',
        `  "stack output --json"*) cat "${dir}/outputs.json" ;;`,
        '  "stack ls --json") echo "[]" ;;',
        '  "up "*) exit "${STUB_UP_EXIT:-0}" ;;',
        "esac",
      ].join("\n"),
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(VARIABLES));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `npm run bootstrap` in this process, with the stub first on PATH. */
  function bootstrap(args: string[], env: Record<string, string> = {}) {
    fs.rmSync(path.join(dir, "calls"), { force: true });
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => !/^PULUMI_(BACKEND_URL|CONFIG_PASSPHRASE|CONFIG_PASSPHRASE_FILE|BOOTSTRAP_STATE_DIR)$/.test(key),
      ),
    );
    let stdout = "";
    let stderr = "";
    const status = runBootstrap(args, { ...inherited, PATH: `${dir}:${process.env.PATH ?? ""}`, ...env }, HOME, {
      out: (text) => (stdout += `${text}\n`),
      err: (text) => (stderr += `${text}\n`),
    });
    const calls = fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8") : "";
    return { status, stdout, stderr, calls: calls.trim().split("\n").filter(Boolean) };
  }

  it("runs the bootstrap program, initialises prod in the bucket and prints the variables to set", () => {
    const state = path.join(dir, "state");
    const { status, stdout, calls } = bootstrap([...GOOD, "--state-dir", state, "--yes"]);
    expect(status).to.equal(0);
    const local = `file://${state}`;
    const bucket = "gs://my-tracing-prod-pulumi-state";
    expect(calls).to.deep.equal([
      `${process.cwd().startsWith(ROOT) ? process.cwd().slice(ROOT.length) : process.cwd()}||unset|version`,
      `/bootstrap|${local}||stack select --create my-tracing-prod`,
      `/bootstrap|${local}||config set-all --stack my-tracing-prod --plaintext gcp:project=my-tracing-prod` +
        " --plaintext gcp:region=europe-west1 --plaintext tracing-bootstrap:repository=my-org/tracing" +
        " --plaintext tracing-bootstrap:stateBucket=my-tracing-prod-pulumi-state",
      `/bootstrap|${local}||up --stack my-tracing-prod --yes`,
      `/bootstrap|${local}||stack output --json --stack my-tracing-prod`,
      `|${bucket}|unset|stack ls --json`,
      `|${bucket}|unset|stack init prod --secrets-provider ${URL}`,
      `|${bucket}|unset|config set gcp:project my-tracing-prod --stack prod`,
      `|${bucket}|unset|config set gcp:region europe-west1 --stack prod`,
      `|${bucket}|unset|config set tracing:bucketName my-tracing-prod-traces --stack prod`,
      `|${bucket}|unset|config rm tracing:grafanaIapMembers --stack prod`,
      `|${bucket}|unset|config set-all --stack prod --path --plaintext tracing:grafanaIapMembers[0]=group:tracing@my-org.example`,
    ]);
    expect(fs.existsSync(state)).to.equal(true);
    for (const line of ghVariableCommands(VARIABLES, "my-org/tracing")) {
      expect(stdout).to.include(line);
    }
    expect(stdout).to.include("Pulumi.prod.yaml").and.include("grafanaUrl");
  });

  it("stops at the first failing step and says which, leaving the prod stack alone", () => {
    const { status, stderr, calls } = bootstrap([...GOOD, "--state-dir", path.join(dir, "state")], {
      STUB_UP_EXIT: "1",
    });
    expect(status).to.equal(1);
    expect(stderr).to.include("`pulumi up --stack my-tracing-prod` failed (exit 1); nothing after it ran");
    expect(calls[calls.length - 1]).to.match(/\|up --stack my-tracing-prod$/);
  });

  it("exits 2 with the usage on bad arguments, before running pulumi at all", () => {
    const { status, stderr, calls } = bootstrap(["--project", "X"]);
    expect(status).to.equal(2);
    expect(stderr).to.include('--project = "X"').and.include("usage: npm run bootstrap --");
    expect(calls).to.deep.equal([]);
  });
});
