import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { WorkflowTemplate } from "@actions/workflow-parser";
import { Plain, PlainMap, TemplateToken, WorkflowParser, everyUses, isMap, toPlain } from "./actionsWorkflow";

/*
 * The delivery pipeline, read the way GitHub reads it: both workflow files go through
 * @actions/workflow-parser (the parser behind GitHub's Actions language service), and every
 * assertion below is made on what that parser produced, not on a second YAML reading.
 *
 * The parser is ESM-only ("exports" has an "import" condition and no "require"), so a static
 * import, which this CommonJS project compiles to require(), fails at run time. It is loaded
 * once with a dynamic import(); `typeof import(...)` keeps it fully typed.
 */

interface ParsedWorkflow {
  /** The file as written, for the checks that must also see comments. */
  readonly text: string;
  /** Every error the parser and the model converter reported. */
  readonly errors: string[];
  /** GitHub's model of the workflow (events, jobs), when the text was a YAML document at all. */
  readonly model: WorkflowTemplate | undefined;
  /** The whole parsed document, for keys the model leaves out (permissions, `with`). */
  readonly document: PlainMap;
}

const ROOT = path.resolve(__dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");

const STACK = "prod";
const STATE_BACKEND = "${{ format('gs://{0}', vars.PULUMI_STATE_BUCKET) }}";
const SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository";

/** What differs between the two workflows; everything else they must share. */
interface PipelineCase {
  readonly file: string;
  readonly job: string;
  readonly command: "preview" | "up";
  readonly serviceAccountVariable: string;
  readonly jobPermissions: PlainMap;
  /** When the bootstrap guard runs: for every job that will ask for Google credentials. */
  readonly guardIf: string | undefined;
}

const PREVIEW: PipelineCase = {
  file: "preview.yml",
  job: "preview",
  command: "preview",
  serviceAccountVariable: "GCP_PREVIEWER_SERVICE_ACCOUNT",
  jobPermissions: { contents: "read", "id-token": "write", "pull-requests": "write" },
  guardIf: SAME_REPOSITORY,
};
const DEPLOY: PipelineCase = {
  file: "deploy.yml",
  job: "deploy",
  command: "up",
  serviceAccountVariable: "GCP_DEPLOYER_SERVICE_ACCOUNT",
  jobPermissions: { contents: "read", "id-token": "write" },
  guardIf: undefined,
};

// ---------------------------------------------------------------------------------------------
// Checks, as pure functions so that they are tested failing as well as passing.

/** Names of long-lived credentials; none may appear in a workflow, not even in a comment. */
const FORBIDDEN_NAMES = [
  "credentials_json",
  "GOOGLE_CREDENTIALS",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "PULUMI_ACCESS_TOKEN",
  "PULUMI_CONFIG_PASSPHRASE",
];

/** Every long-lived credential a workflow text refers to; `secrets.GITHUB_TOKEN` is the only secret allowed. */
function longLivedCredentialsIn(text: string): string[] {
  const found = FORBIDDEN_NAMES.filter((name) => text.toUpperCase().includes(name.toUpperCase()));
  // Any use of the secrets context (`.NAME`, `['NAME']`, `toJSON(secrets)`, `secrets: inherit`) but one.
  for (const match of text.matchAll(/\bsecrets\b(?:\s*\.\s*[\w-]+|\s*\[[^\]]*\])?/gi)) {
    if (!/^secrets\s*\.\s*GITHUB_TOKEN$/i.test(match[0])) {
      found.push(match[0]);
    }
  }
  return found;
}

/** Why an action reference is not pinned to a release, or undefined when it is. */
function pinProblem(uses: string): string | undefined {
  if (uses.startsWith("./")) {
    return undefined; // an action in this repository moves with the commit
  }
  const at = uses.lastIndexOf("@");
  if (at < 0) {
    return `${uses} names no version`;
  }
  const ref = uses.slice(at + 1);
  const release = /^v\d+(\.\d+){0,2}$/.test(ref);
  const commit = /^[0-9a-f]{40}$/.test(ref);
  return release || commit ? undefined : `${uses} is pinned to "${ref}", not to a release tag or a commit`;
}

// ---------------------------------------------------------------------------------------------
// Reading the parser's output.

async function parse(parser: WorkflowParser, name: string, text: string): Promise<ParsedWorkflow> {
  const result = parser.parseWorkflow({ name, content: text }, new parser.NoOperationTraceWriter());
  if (result.value === undefined) {
    return { text, errors: errorsOf(result.context), model: undefined, document: {} };
  }
  const model = await parser.convertWorkflowTemplate(result.context, result.value);
  const document = toPlain(parser, result.value);
  return { text, errors: errorsOf(result.context), model, document: isMap(document) ? document : {} };
}

function errorsOf(context: { errors: { getErrors(): { message: string }[] } }): string[] {
  return context.errors.getErrors().map((error) => error.message);
}

function mapAt(value: Plain | undefined, what: string): PlainMap {
  if (!isMap(value)) {
    throw new Error(`expected ${what} to be a mapping`);
  }
  return value;
}

function jobOf(workflow: ParsedWorkflow, id: string): PlainMap {
  return mapAt(mapAt(workflow.document.jobs, "jobs")[id], `job ${id}`);
}

function stepsOf(job: PlainMap): PlainMap[] {
  const steps = job.steps;
  if (!Array.isArray(steps)) {
    throw new Error("expected the job to have steps");
  }
  return steps.map((step: Plain, index) => mapAt(step, `step ${index}`));
}

/** The one step using `action` (owner/name, any version). */
function stepUsing(steps: PlainMap[], action: string): { readonly index: number; readonly step: PlainMap } {
  const matches = steps.flatMap((step, index) =>
    typeof step.uses === "string" && step.uses.startsWith(`${action}@`) ? [{ index, step }] : [],
  );
  expect(matches, `steps using ${action}`).to.have.length(1);
  const [match] = matches;
  if (match === undefined) {
    throw new Error(`no step uses ${action}`);
  }
  return match;
}

/** The id of the step that stops a job, with the command to run, while the bootstrap has not run. */
const GUARD_ID = "bootstrap-guard";

/** What the guard step did: its exit code and what it printed (annotations go to stdout). */
interface GuardRun {
  readonly status: number | null;
  readonly lines: string[];
}

/**
 * Runs a guard step's script the way GitHub runs `shell: bash` (bash --noprofile --norc -eo
 * pipefail), with its `env` resolved to `variables`, and a stub `gh` that answers the contents
 * API with `stackFile` (or fails when it is undefined).
 */
function runGuard(script: string, variables: Record<string, string>, stackFile: string | undefined): GuardRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-"));
  try {
    fs.writeFileSync(path.join(dir, "step.sh"), script);
    fs.writeFileSync(
      path.join(dir, "gh"),
      [
        "#!/usr/bin/env bash",
        // Only the read the guard is meant to make, authenticated by the job's own token.
        'expected="api -H Accept: application/vnd.github.raw+json repos/my-org/tracing/contents/Pulumi.prod.yaml?ref=0123abc"',
        '[ "$*" = "$expected" ] && [ "$GH_TOKEN" = "job-token" ] || { echo "gh: unexpected call: $*" >&2; exit 3; }',
        stackFile === undefined ? 'echo "HTTP 404: Not Found" >&2; exit 1' : `cat "${dir}/stack.yaml"`,
      ].join("\n"),
      { mode: 0o755 },
    );
    if (stackFile !== undefined) {
      fs.writeFileSync(path.join(dir, "stack.yaml"), stackFile);
    }
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", path.join(dir, "step.sh")], {
      encoding: "utf8",
      env: {
        PATH: `${dir}:${process.env.PATH ?? ""}`,
        GITHUB_REPOSITORY: "my-org/tracing",
        GITHUB_SHA: "0123abc",
        GH_TOKEN: "job-token",
        ...variables,
      },
    });
    return { status: result.status, lines: result.stdout.split("\n").filter((line) => line !== "") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function sdkVersion(): string {
  const manifest: unknown = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  if (typeof manifest === "object" && manifest !== null && "dependencies" in manifest) {
    const dependencies: unknown = manifest.dependencies;
    if (typeof dependencies === "object" && dependencies !== null && "@pulumi/pulumi" in dependencies) {
      const version: unknown = dependencies["@pulumi/pulumi"];
      if (typeof version === "string") {
        return version;
      }
    }
  }
  throw new Error("package.json has no @pulumi/pulumi dependency");
}

// ---------------------------------------------------------------------------------------------

describe("delivery pipeline (.github/workflows)", () => {
  let parser: WorkflowParser;
  const workflows = new Map<string, ParsedWorkflow>();

  function workflow(file: string): ParsedWorkflow {
    const parsed = workflows.get(file);
    if (parsed === undefined) {
      throw new Error(`${file} was not parsed`);
    }
    return parsed;
  }

  function modelOf(file: string): WorkflowTemplate {
    const { model } = workflow(file);
    if (model === undefined) {
      throw new Error(`${file} is not a YAML document`);
    }
    return model;
  }

  /** A job of GitHub's model (not a call of a reusable workflow). */
  function modelJob(file: string, id: string): Extract<WorkflowTemplate["jobs"][number], { type: "job" }> {
    const job = modelOf(file).jobs.find((candidate) => candidate.id.value === id);
    if (job === undefined || job.type !== "job") {
      throw new Error(`${file} has no job ${id}`);
    }
    return job;
  }

  function plain(token: TemplateToken | undefined): Plain | undefined {
    return token === undefined ? undefined : toPlain(parser, token);
  }

  before(async () => {
    parser = await import("@actions/workflow-parser");
    for (const { file } of [PREVIEW, DEPLOY]) {
      workflows.set(file, await parse(parser, file, fs.readFileSync(path.join(WORKFLOWS, file), "utf8")));
    }
  });

  /** What both workflows must do alike, registered inside each one's describe. */
  function sharedBehaviour(pipeline: PipelineCase): void {
    it("parses without a single error from GitHub's workflow parser", () => {
      expect(workflow(pipeline.file).errors).to.deep.equal([]);
    });

    it("grants only contents: read at workflow level and elevates its one job alone", () => {
      const { document } = workflow(pipeline.file);
      expect(document.permissions).to.deep.equal({ contents: "read" });
      expect(Object.keys(mapAt(document.jobs, "jobs"))).to.deep.equal([pipeline.job]);
      expect(jobOf(workflow(pipeline.file), pipeline.job).permissions).to.deep.equal(pipeline.jobPermissions);
    });

    it("runs exactly npm ci and npm test, after the guard, checkout and Node 20, before any credential exists", () => {
      const steps = stepsOf(jobOf(workflow(pipeline.file), pipeline.job));
      const runs = steps.flatMap((step, index) =>
        step.run === undefined || step.id === GUARD_ID ? [] : [{ index, run: step.run }],
      );
      expect(runs.map(({ run }) => run)).to.deep.equal(["npm ci", "npm test"]);

      const checkout = stepUsing(steps, "actions/checkout");
      const node = stepUsing(steps, "actions/setup-node");
      const auth = stepUsing(steps, "google-github-actions/auth");
      expect(checkout.index).to.equal(1);
      expect(checkout.step.with).to.deep.equal({ "persist-credentials": "false" });
      expect(node.step.with).to.deep.equal({ "node-version": "20", cache: "npm" });
      expect(node.index).to.be.lessThan(runs[0]?.index ?? -1);
      expect(runs.every(({ index }) => index < auth.index)).to.equal(true);
    });

    it("authenticates through Workload Identity Federation with repository variables only", () => {
      const steps = stepsOf(jobOf(workflow(pipeline.file), pipeline.job));
      const auth = stepUsing(steps, "google-github-actions/auth");
      const pulumi = stepUsing(steps, "pulumi/actions");
      expect(auth.step.with).to.deep.equal({
        workload_identity_provider: "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}",
        service_account: `\${{ vars.${pipeline.serviceAccountVariable} }}`,
      });
      expect(auth.index).to.equal(pulumi.index - 1);
    });

    it(`runs pulumi ${pipeline.command} on the ${STACK} stack, state in GCS, with the CLI matching the SDK`, () => {
      const job = jobOf(workflow(pipeline.file), pipeline.job);
      const { step } = stepUsing(stepsOf(job), "pulumi/actions");
      const inputs = mapAt(step.with, "pulumi/actions inputs");
      expect(inputs.command).to.equal(pipeline.command);
      expect(inputs["stack-name"]).to.equal(STACK);
      expect(inputs["cloud-url"]).to.equal("${{ env.PULUMI_BACKEND_URL }}");
      expect(inputs["pulumi-version"]).to.equal(sdkVersion());
      // The secrets provider (Cloud KMS) is recorded in Pulumi.prod.yaml, and the stack must exist already.
      expect(inputs).to.not.have.any.keys("secrets-provider", "upsert", "config-map");
      expect(job.env).to.deep.equal({ PULUMI_BACKEND_URL: STATE_BACKEND });
    });

    it("starts every job that needs Google Cloud with the bootstrap guard, which names `npm run bootstrap`", () => {
      const jobs = mapAt(workflow(pipeline.file).document.jobs, "jobs");
      const needGcp = Object.keys(jobs).filter((id) =>
        stepsOf(mapAt(jobs[id], id)).some((step) => String(step.uses).startsWith("google-github-actions/auth@")),
      );
      expect(needGcp).to.deep.equal([pipeline.job]);
      for (const id of needGcp) {
        const [first] = stepsOf(mapAt(jobs[id], id));
        expect(first?.id, id).to.equal(GUARD_ID);
        expect(first?.if, id).to.equal(pipeline.guardIf);
        expect(first?.shell).to.equal("bash");
        expect(String(first?.run)).to.include("npm run bootstrap");
        // The job's values reach the script as environment variables only: no expression in the script itself.
        expect(String(first?.run)).to.not.include("${{");
        expect(first?.env).to.deep.equal({
          GCP_WORKLOAD_IDENTITY_PROVIDER: "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}",
          [pipeline.serviceAccountVariable]: `\${{ vars.${pipeline.serviceAccountVariable} }}`,
          PULUMI_STATE_BUCKET: "${{ vars.PULUMI_STATE_BUCKET }}",
          GH_TOKEN: "${{ github.token }}",
        });
      }
    });

    describe("the bootstrap guard, run by bash", () => {
      const bootstrapped = [
        "secretsprovider: gcpkms://projects/p-1/locations/europe-west1/keyRings/pulumi/cryptoKeys/prod-stack",
        "encryptedkey: CiQAq2dsYWZ3Zm9yZXZlcg==",
        "config:",
        "  gcp:project: p-1",
        "",
      ].join("\n");
      const variables = (): Record<string, string> => ({
        GCP_WORKLOAD_IDENTITY_PROVIDER:
          "projects/42/locations/global/workloadIdentityPools/github/providers/tracing-repo",
        [pipeline.serviceAccountVariable]: "pulumi-x@p-1.iam.gserviceaccount.com",
        PULUMI_STATE_BUCKET: "p-1-pulumi-state",
      });
      const script = (): string => String(stepsOf(jobOf(workflow(pipeline.file), pipeline.job))[0]?.run);

      it("passes silently once the variables are set and Pulumi.prod.yaml records the KMS key", () => {
        expect(runGuard(script(), variables(), bootstrapped)).to.deep.equal({ status: 0, lines: [] });
      });

      it("stops with one error line naming each missing variable and the command to run", () => {
        for (const name of Object.keys(variables())) {
          const { [name]: _unset, ...rest } = variables();
          const { status, lines } = runGuard(script(), rest, bootstrapped);
          expect(status, name).to.equal(1);
          expect(lines, name).to.have.length(1);
          expect(lines[0]).to.match(/^::error title=Bootstrap has not run::Repository variables not set: /);
          expect(lines[0])
            .to.include(name)
            .and.include(
              "`npm run bootstrap -- --project <id> --region <region> --repo my-org/tracing --grafana-member <principal>`",
            );
        }
        const none = runGuard(script(), {}, bootstrapped);
        expect(none.lines).to.have.length(1);
        expect(none.lines[0]).to.include(`not set: ${Object.keys(variables()).join(" ")}.`);
      });

      it("stops with one error line while the committed Pulumi.prod.yaml records no secrets provider", () => {
        const committed = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
        const passphrase = "encryptionsalt: v1:abc=:v1:def:ghi\nconfig: {}\n";
        for (const file of [committed, passphrase]) {
          const { status, lines } = runGuard(script(), variables(), file);
          expect(status).to.equal(1);
          expect(lines).to.have.length(1);
          expect(lines[0]).to.match(
            /^::error title=Bootstrap has not run::Pulumi.prod.yaml records no Cloud KMS key \(secretsprovider, encryptedkey\)\./,
          );
          expect(lines[0]).to.include("npm run bootstrap").and.include("commit the Pulumi.prod.yaml");
        }
      });

      it("stops with one error line when Pulumi.prod.yaml cannot be read", () => {
        const { status, lines } = runGuard(script(), variables(), undefined);
        expect(status).to.equal(1);
        expect(lines).to.deep.equal([
          "::error title=Bootstrap check failed::Could not read Pulumi.prod.yaml at 0123abc through the GitHub API.",
        ]);
      });
    });

    it("references no long-lived credential, and no secret but the short-lived GITHUB_TOKEN", () => {
      expect(longLivedCredentialsIn(workflow(pipeline.file).text)).to.deep.equal([]);
    });

    it("pins every action to a release tag", () => {
      const uses = everyUses(workflow(pipeline.file).document);
      expect(uses).to.have.length.greaterThan(3);
      expect(uses.flatMap((reference) => pinProblem(reference) ?? [])).to.deep.equal([]);
    });
  }

  describe("preview.yml", () => {
    sharedBehaviour(PREVIEW);

    it("runs on pull requests to main and on nothing else", () => {
      const { events } = modelOf(PREVIEW.file);
      expect(Object.keys(events)).to.deep.equal(["pull_request"]);
      expect(events.pull_request).to.deep.equal({ branches: ["main"] });
    });

    it("supersedes an older preview of the same pull request, and only that one", () => {
      expect(plain(modelJob(PREVIEW.file, PREVIEW.job).concurrency)).to.deep.equal({
        group: "${{ format('preview-{0}', github.event.pull_request.number) }}",
        "cancel-in-progress": true,
      });
    });

    it("posts the preview on the pull request with the workflow's own token", () => {
      const { step } = stepUsing(stepsOf(jobOf(workflow(PREVIEW.file), PREVIEW.job)), "pulumi/actions");
      const inputs = mapAt(step.with, "pulumi/actions inputs");
      expect(inputs["comment-on-pr"]).to.equal("true");
      expect(inputs["github-token"]).to.equal("${{ secrets.GITHUB_TOKEN }}");
    });

    it("asks for Google credentials only on pull requests from this repository, never from forks", () => {
      const steps = stepsOf(jobOf(workflow(PREVIEW.file), PREVIEW.job));
      expect(stepUsing(steps, "google-github-actions/auth").step.if).to.equal(SAME_REPOSITORY);
      expect(stepUsing(steps, "pulumi/actions").step.if).to.equal(SAME_REPOSITORY);
    });
  });

  describe("deploy.yml", () => {
    sharedBehaviour(DEPLOY);

    it("runs on pushes to main and on manual dispatch, and deploys from main only", () => {
      const model = modelOf(DEPLOY.file);
      expect(Object.keys(model.events).sort()).to.deep.equal(["push", "workflow_dispatch"]);
      expect(model.events.push).to.deep.equal({ branches: ["main"] });
      expect(jobOf(workflow(DEPLOY.file), DEPLOY.job).if).to.equal("github.ref == 'refs/heads/main'");
    });

    it("never runs two updates of the prod stack at once, and never cancels one", () => {
      expect(plain(modelJob(DEPLOY.file, DEPLOY.job).concurrency)).to.deep.equal({
        group: "pulumi-prod",
        "cancel-in-progress": false,
      });
    });

    it("deploys in the production environment, so its protection rules gate the run", () => {
      expect(plain(modelJob(DEPLOY.file, DEPLOY.job).environment)).to.equal("production");
    });
  });

  describe("the checks themselves", () => {
    it("reports the parser's errors for a broken copy of deploy.yml", async () => {
      // GIVEN deploy.yml with a misspelt key and a non-boolean cancel-in-progress
      const broken = workflow(DEPLOY.file)
        .text.replace(/^(\s+)steps:/m, "$1stepz:")
        .replace(/cancel-in-progress: \w+/, "cancel-in-progress: later");
      // WHEN GitHub's parser reads it
      const { errors } = await parse(parser, "broken.yml", broken);
      // THEN it names both mistakes
      expect(errors).to.have.length.greaterThan(1);
      expect(errors.join("\n")).to.include("'stepz'").and.include("'later'");
    });

    it("flags every long-lived credential and every secret but GITHUB_TOKEN", () => {
      const text = [
        "credentials_json: ${{ secrets.GCP_SA_KEY }}",
        "PULUMI_CONFIG_PASSPHRASE: x",
        "token: ${{ secrets['PULUMI_ACCESS_TOKEN'] }}",
        "env: ${{ toJSON(secrets) }}",
        "github-token: ${{ secrets.GITHUB_TOKEN }}",
      ].join("\n");
      expect(longLivedCredentialsIn(text)).to.have.members([
        "credentials_json",
        "PULUMI_ACCESS_TOKEN",
        "PULUMI_CONFIG_PASSPHRASE",
        "secrets.GCP_SA_KEY",
        "secrets['PULUMI_ACCESS_TOKEN']",
        "secrets",
      ]);
    });

    it("accepts release tags and commits, and rejects branches, latest and a missing version", () => {
      expect(pinProblem("pulumi/actions@v7")).to.equal(undefined);
      expect(pinProblem("actions/checkout@v7.0.1")).to.equal(undefined);
      expect(pinProblem(`actions/checkout@${"a".repeat(40)}`)).to.equal(undefined);
      for (const reference of ["pulumi/actions@main", "a/b@master", "a/b@latest", "a/b@HEAD", "a/b"]) {
        expect(pinProblem(reference), reference).to.be.a("string");
      }
    });
  });
});
