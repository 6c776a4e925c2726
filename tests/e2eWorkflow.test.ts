import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LOCAL_MODES } from "../config/stack/stackTypes";
import {
  ParsedWorkflow,
  Plain,
  PlainMap,
  ROOT,
  WORKFLOWS_DIR,
  WorkflowParser,
  commitPinProblem,
  everyUses,
  jobsOf,
  listOr,
  loadWorkflowParser,
  mapOr,
  packageJsonVersion,
  parseWorkflowText,
  stepsOf,
  stringOr,
  usesLines,
} from "./actionsWorkflow";

/*
 * The end-to-end workflow (.github/workflows/e2e.yml) cannot run here: it needs GitHub's hosted
 * runner (Docker, the internet). So it is read the way GitHub reads it, with GitHub's own parser,
 * and held to what it must do: for every local mode, on pull requests and on main, install the
 * CLI of the SDK's version, bring the stack up through the README's wrappers, verify it, re-run
 * `up` expecting no changes, show the containers on failure and always destroy.
 * `e2eProblems` names every way the file falls short; it is tested failing on broken copies.
 */

const FILE = "e2e.yml";

interface Expected {
  /** @pulumi/pulumi in package.json: the CLI the workflow installs. */
  readonly pulumiVersion: string;
  /** The local modes the program knows: the matrix must cover each. */
  readonly modes: readonly string[];
}

/** One step the job must have, found in order after the previous one. */
interface StepExpectation {
  readonly what: string;
  readonly matches: (step: PlainMap) => boolean;
  /** Problems with the step that was found. */
  readonly check?: (step: PlainMap, expected: Expected) => string[];
}

const runOf = (step: PlainMap): string => stringOr(step.run);
const usesAction = (step: PlainMap, action: string): boolean => stringOr(step.uses).startsWith(`${action}@`);
/** `npm run up:local` with any extra `pulumi up` arguments. */
const upLocal = (step: PlainMap): string[] | undefined => {
  const match = /^npm run up:local(?: -- (.+))?$/.exec(runOf(step).trim());
  return match ? (match[1] ?? "").split(/\s+/).filter(Boolean) : undefined;
};

function equal(what: string, actual: Plain | undefined, wanted: Plain): string[] {
  return JSON.stringify(actual) === JSON.stringify(wanted)
    ? []
    : [`${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`];
}

const STEPS: readonly StepExpectation[] = [
  {
    what: "checkout without persisted credentials",
    matches: (step) => usesAction(step, "actions/checkout"),
    check: (step) => equal("checkout's inputs", step.with, { "persist-credentials": "false" }),
  },
  {
    what: "setup-node with Node 20 and the npm cache",
    matches: (step) => usesAction(step, "actions/setup-node"),
    check: (step) => equal("setup-node's inputs", step.with, { "node-version": "20", cache: "npm" }),
  },
  { what: "npm ci", matches: (step) => runOf(step).trim() === "npm ci" },
  {
    what: "the Pulumi CLI installed by pulumi/actions",
    matches: (step) => usesAction(step, "pulumi/actions"),
    // Without `command` the action installs the CLI only (pulumi/actions v7.0.0, src/main.ts).
    check: (step, expected) => equal("pulumi/actions' inputs", step.with, { "pulumi-version": expected.pulumiVersion }),
  },
  {
    what: "a self-managed file backend and a passphrase for the stack's secrets",
    matches: (step) => runOf(step).includes("PULUMI_BACKEND_URL=file://"),
    check: (step) =>
      runOf(step).includes("PULUMI_CONFIG_PASSPHRASE=") && runOf(step).includes("::add-mask::")
        ? []
        : ["the backend step does not set a masked PULUMI_CONFIG_PASSPHRASE"],
  },
  {
    what: "pulumi stack select --create local, then tracing:mode from the matrix",
    matches: (step) => runOf(step).includes("npm run --silent pulumi:local -- stack select --create local"),
    check: (step) => [
      ...(runOf(step).includes('npm run --silent pulumi:local -- config set tracing:mode "$MODE" --stack local')
        ? []
        : ["the stack step does not set tracing:mode from $MODE"]),
      ...equal("the stack step's env", step.env, { MODE: "${{ matrix.mode }}" }),
      ...(step.id === "stack" ? [] : ['the stack step has no id "stack" (the destroy step depends on it)']),
    ],
  },
  {
    what: "pulumi up -s local (npm run up:local)",
    matches: (step) => upLocal(step)?.length === 0,
  },
  {
    what: "npm run verify -- --stack local",
    matches: (step) => runOf(step).trim() === "npm run verify -- --stack local",
  },
  {
    what: "a second pulumi up with --expect-no-changes",
    matches: (step) => upLocal(step)?.includes("--expect-no-changes") === true,
  },
  {
    what: "pulumi destroy, then up again on the kept trace volume",
    matches: (step) =>
      runOf(step).includes("npm run --silent pulumi:local -- destroy --stack local --yes\nnpm run up:local"),
  },
  {
    what: "npm run verify again after the re-up",
    matches: (step) => runOf(step).trim() === "npm run verify -- --stack local",
  },
  {
    what: "a switch to the other mode: refused by pulumi up, carried out by npm run up:local, then verify",
    matches: (step) => runOf(step).includes('config set tracing:mode "$other" --stack local'),
    check: (step) => [
      ...equal("the switch step's env", step.env, { MODE: "${{ matrix.mode }}" }),
      ...(/if npm run --silent pulumi:local -- up --stack local --yes; then[\s\S]*exit 1[\s\S]*fi\nnpm run up:local\nnpm run verify -- --stack local/.test(
        runOf(step),
      )
        ? []
        : ["the switch step does not expect plain pulumi up to fail, then npm run up:local and verify to pass"]),
    ],
  },
  {
    what: "on failure, docker ps -a and every container's logs",
    matches: (step) => step.if === "failure()",
    check: (step) =>
      runOf(step).includes("docker ps -a") && runOf(step).includes("docker logs")
        ? []
        : ["the failure step does not print docker ps -a and the containers' logs"],
  },
  {
    what: "pulumi destroy --yes, always once the stack exists, as the last step",
    matches: (step) => runOf(step).includes("npm run --silent pulumi:local -- destroy --stack local --yes"),
    check: (step) => equal("the destroy step's condition", step.if, "always() && steps.stack.outcome == 'success'"),
  },
];

/** Every way the e2e workflow falls short of what it must do; empty when it is right. */
function e2eProblems(workflow: ParsedWorkflow, expected: Expected): string[] {
  const problems = [...workflow.errors.map((error) => `parser: ${error}`)];
  const { document, events } = workflow;

  // Pull requests to main and pushes to main, nothing else.
  problems.push(...equal("the events", Object.keys(events).sort(), ["pull_request", "push"]));
  problems.push(...equal("pull_request's filter", events.pull_request, { branches: ["main"] }));
  problems.push(...equal("push's filter", events.push, { branches: ["main"] }));

  problems.push(...equal("the workflow's permissions", document.permissions, { contents: "read" }));
  const concurrency = mapOr(document.concurrency);
  if (!stringOr(concurrency.group).includes("github.ref")) {
    problems.push("concurrency is not grouped per ref");
  }

  const jobs = jobsOf(workflow);
  problems.push(...equal("the jobs", jobs.length, 1));
  for (const [id, job] of jobs) {
    problems.push(...equal(`job ${id}'s permissions`, job.permissions, { contents: "read" }));
    const timeout = job["timeout-minutes"];
    if (typeof timeout !== "number" || timeout <= 0 || timeout > 60) {
      problems.push(`job ${id} has no timeout-minutes of at most 60`);
    }
    if (!/^ubuntu-\d+\.\d+$/.test(stringOr(job["runs-on"]))) {
      problems.push(`job ${id} does not run on a pinned GitHub-hosted Ubuntu runner`);
    }
    const strategy = mapOr(job.strategy);
    problems.push(...equal(`job ${id}'s modes`, mapOr(strategy.matrix).mode, [...expected.modes]));
    problems.push(...equal(`job ${id}'s fail-fast`, strategy["fail-fast"], false));
    problems.push(...stepProblems(stepsOf(job), expected));
  }

  // Every Pulumi command goes through the README's wrappers, which keep the backend and passphrase.
  for (const [, job] of jobs) {
    for (const step of stepsOf(job)) {
      for (const line of runOf(step).split("\n")) {
        if (/(^|[;&|(]\s*|\bexec\s+)pulumi\s/.test(line.trim())) {
          problems.push(`"${line.trim()}" calls the Pulumi CLI directly, not through scripts/pulumi-local.sh`);
        }
      }
    }
  }

  // Every action pinned to a commit, with its release beside it, for Renovate to move.
  problems.push(...usesLines(workflow.text).flatMap((uses) => commitPinProblem(uses) ?? []));
  const lineReferences = usesLines(workflow.text).map((uses) => uses.reference);
  for (const uses of everyUses(document)) {
    if (!lineReferences.includes(uses)) {
      problems.push(`${uses} is not on a "uses:" line of its own, where Renovate reads actions`);
    }
  }
  return problems;
}

function stepProblems(steps: readonly PlainMap[], expected: Expected): string[] {
  const problems: string[] = [];
  let from = 0;
  for (const expectation of STEPS) {
    const index = steps.findIndex((step, at) => at >= from && expectation.matches(step));
    if (index < 0) {
      const anywhere = steps.some((step) => expectation.matches(step));
      problems.push(`missing step: ${expectation.what}${anywhere ? " (it is there, but out of order)" : ""}`);
      continue;
    }
    const step = steps[index] ?? {};
    problems.push(...(expectation.check?.(step, expected) ?? []));
    from = index + 1;
  }
  const last = steps.at(-1);
  if (last === undefined || !runOf(last).includes("destroy --stack local --yes")) {
    problems.push("the last step is not pulumi destroy");
  }
  for (const step of steps) {
    const run = runOf(step);
    if (/up:local|verify|destroy/.test(run) && typeof step["timeout-minutes"] !== "number") {
      problems.push(`step "${stringOr(step.name) || run}" has no timeout-minutes`);
    }
  }
  return problems;
}

interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  /** Each call of a stubbed command, as its arguments joined by spaces. */
  readonly calls: string[];
  /** What the script appended to $GITHUB_ENV. */
  readonly githubEnv: string;
  readonly runnerTemp: string;
}

/**
 * Runs a step's script the way GitHub runs a `run:` with no `shell:` on Linux (`bash -e`), with
 * stubs for `npm` and `docker` on PATH. `docker` answers `ps -aq ...` and `network ls -q ...`
 * with what `answers` gives for the full argument string, and nothing otherwise.
 */
function runStep(script: string, answers: Readonly<Record<string, string>> = {}): ScriptRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-step-"));
  try {
    const log = path.join(dir, "calls.log");
    const runnerTemp = path.join(dir, "runner-temp");
    fs.mkdirSync(runnerTemp);
    const answerCases = Object.entries(answers)
      .map(([args, output]) => `  ${JSON.stringify(args)}) printf '%b\\n' ${JSON.stringify(output)} ;;`)
      .join("\n");
    for (const command of ["npm", "docker"]) {
      fs.writeFileSync(
        path.join(dir, command),
        [
          "#!/usr/bin/env bash",
          `echo "${command} $*" >> "${log}"`,
          ...(command === "docker" ? ['case "$*" in', answerCases, "  *) ;;", "esac"] : []),
        ].join("\n"),
        { mode: 0o755 },
      );
    }
    fs.writeFileSync(path.join(dir, "step.sh"), script);
    const githubEnv = path.join(dir, "github-env");
    fs.writeFileSync(githubEnv, "");
    const result = spawnSync("bash", ["--noprofile", "--norc", "-e", path.join(dir, "step.sh")], {
      encoding: "utf8",
      env: { PATH: `${dir}:${process.env.PATH ?? ""}`, GITHUB_ENV: githubEnv, RUNNER_TEMP: runnerTemp },
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
    return {
      status: result.status,
      stdout: result.stdout,
      calls,
      githubEnv: fs.readFileSync(githubEnv, "utf8"),
      runnerTemp,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("end-to-end workflow (.github/workflows/e2e.yml)", () => {
  let parser: WorkflowParser;
  let workflow: ParsedWorkflow;
  const text = fs.readFileSync(path.join(WORKFLOWS_DIR, FILE), "utf8");
  const expected: Expected = { pulumiVersion: packageJsonVersion("@pulumi/pulumi"), modes: LOCAL_MODES };

  before(async () => {
    parser = await loadWorkflowParser();
    workflow = await parseWorkflowText(parser, FILE, text);
  });

  /** The problems of a copy of e2e.yml with `from` replaced by `to` (which must occur). */
  async function problemsOfCopy(from: string | RegExp, to: string): Promise<string[]> {
    const copy = text.replace(from, to);
    expect(copy, `the edit of ${String(from)} changed nothing`).to.not.equal(text);
    return e2eProblems(await parseWorkflowText(parser, "copy.yml", copy), expected);
  }

  it("parses without an error and does everything the e2e run must do", () => {
    expect(workflow.errors).to.deep.equal([]);
    expect(e2eProblems(workflow, expected)).to.deep.equal([]);
  });

  it("runs for each local mode the program knows, on pull requests and on main", () => {
    const [[, job] = ["", {}]] = jobsOf(workflow);
    expect(mapOr(mapOr(job.strategy).matrix).mode).to.deep.equal(["split", "lgtm"]);
    expect(workflow.events).to.have.all.keys("pull_request", "push");
  });

  it("installs the Pulumi CLI of @pulumi/pulumi's version from package.json", () => {
    const [[, job] = ["", {}]] = jobsOf(workflow);
    const install = stepsOf(job).find((step) => usesAction(step, "pulumi/actions"));
    expect(mapOr(install?.with)["pulumi-version"]).to.equal(packageJsonVersion("@pulumi/pulumi"));
  });

  it("brings the stack up with the README's commands", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const command of ["npm run up:local", "npm run verify -- --stack local", "npm run --silent pulumi:local --"]) {
      expect(readme, command).to.include(command);
      expect(text, command).to.include(command);
    }
  });

  describe("its scripts, run with stub npm and docker", () => {
    function script(matches: (step: PlainMap) => boolean): string {
      const [[, job] = ["", {}]] = jobsOf(workflow);
      const step = stepsOf(job).find(matches);
      expect(step, "the step").to.not.equal(undefined);
      return runOf(step ?? {});
    }
    const backend = (step: PlainMap): boolean => runOf(step).includes("PULUMI_BACKEND_URL=");
    const destroy = (step: PlainMap): boolean => stringOr(step.if).startsWith("always()");
    const dump = (step: PlainMap): boolean => step.if === "failure()";
    const containers = "ps -aq --filter name=tracing-";
    const networks = "network ls -q --filter label=com.pulumi.stack=local";

    it("keeps the state in a folder on the runner, under a fresh passphrase that is masked in the log", () => {
      // WHEN the backend step runs twice
      const first = runStep(script(backend));
      const second = runStep(script(backend));
      // THEN each writes a file:// backend that exists and a 64-hex passphrase it masked first
      const state = path.join(first.runnerTemp, "pulumi-state");
      expect(first.status).to.equal(0);
      const passphrase = /^PULUMI_CONFIG_PASSPHRASE=([0-9a-f]{64})$/m.exec(first.githubEnv)?.[1];
      expect(first.githubEnv).to.include(`PULUMI_BACKEND_URL=file://${state}\n`);
      expect(passphrase).to.be.a("string");
      expect(first.stdout).to.include(`::add-mask::${passphrase ?? "none"}`);
      expect(second.githubEnv).to.not.include(passphrase ?? "none");
    });

    it("destroys through the wrapper and passes when nothing of the stack is left", () => {
      const run = runStep(script(destroy));
      expect(run.status).to.equal(0);
      expect(run.calls).to.deep.equal([
        "npm run --silent pulumi:local -- destroy --stack local --yes",
        `docker ${containers}`,
        `docker ${networks}`,
      ]);
    });

    it("fails when destroy leaves a container or the stack's network behind", () => {
      const leftovers: Readonly<Record<string, string>>[] = [{ [containers]: "0123abcd" }, { [networks]: "4567ef01" }];
      for (const left of leftovers) {
        const run = runStep(script(destroy), left);
        expect(run.status, JSON.stringify(left)).to.equal(1);
        expect(run.stdout).to.include("::error::pulumi destroy left containers or the stack's network behind");
      }
    });

    it("on failure, lists the containers and prints each one's logs in its own group", () => {
      const run = runStep(script(dump), { "ps -aq": "c1\nc2", "inspect --format {{.Name}} c1": "/tracing-tempo" });
      expect(run.status).to.equal(0);
      expect(run.calls).to.include.members([
        "docker ps -a",
        "docker logs --timestamps --tail 1000 c1",
        "docker logs --timestamps --tail 1000 c2",
      ]);
      expect(run.stdout).to.include("::group::docker logs /tracing-tempo").and.include("::endgroup::");
    });
  });

  describe("the checks themselves", () => {
    it("names a missing no-change re-run", async () => {
      expect(await problemsOfCopy("up:local -- --expect-no-changes", "up:local --")).to.include(
        "missing step: a second pulumi up with --expect-no-changes",
      );
    });

    it("names a mode left out of the matrix", async () => {
      expect(await problemsOfCopy("mode: [split, lgtm]", "mode: [split]")).to.include(
        `job local-stack's modes is ["split"], expected ["split","lgtm"]`,
      );
    });

    it("names a CLI version other than the SDK's", async () => {
      const problems = await problemsOfCopy(/pulumi-version: "[^"]+"/, 'pulumi-version: "3.0.0"');
      expect(problems.join("\n")).to.include("pulumi/actions' inputs").and.include('"pulumi-version":"3.0.0"');
    });

    it("names an action pinned to a tag instead of a commit", async () => {
      const problems = await problemsOfCopy(/actions\/checkout@[0-9a-f]{40} # v[\d.]+/, "actions/checkout@v7");
      expect(problems.join("\n")).to.match(/actions\/checkout@v7 is not pinned to a full commit SHA/);
    });

    it("names a commit pin without its release", async () => {
      const problems = await problemsOfCopy(/(actions\/setup-node@[0-9a-f]{40}) # v[\d.]+/, "$1");
      expect(problems.join("\n")).to.match(/actions\/setup-node@[0-9a-f]{40} has no "# vX\.Y\.Z" comment/);
    });

    it("names a destroy that does not always run, and a trigger that is gone", async () => {
      const destroy = await problemsOfCopy("if: always() && steps.stack.outcome == 'success'", "if: success()");
      expect(destroy.join("\n")).to.include("the destroy step's condition");
      const noPush = await problemsOfCopy(/ {2}push:\n {4}branches: \[main\]\n/, "");
      expect(noPush).to.include('the events is ["pull_request"], expected ["pull_request","push"]');
    });

    it("names a Pulumi command that bypasses the wrappers, and verify run before up", async () => {
      const direct = await problemsOfCopy("run: npm run up:local\n", "run: pulumi up -s local --yes\n");
      expect(direct).to.include(
        '"pulumi up -s local --yes" calls the Pulumi CLI directly, not through scripts/pulumi-local.sh',
      );
      const swapped = text
        .replace("run: npm run verify -- --stack local", "run: VERIFY")
        .replace("run: npm run up:local\n", "run: npm run verify -- --stack local\n")
        .replace("run: VERIFY", "run: npm run up:local");
      const problems = e2eProblems(await parseWorkflowText(parser, "swapped.yml", swapped), expected);
      expect(problems.join("\n")).to.include("out of order");
    });

    it("reports the parser's errors for a misspelt key", async () => {
      const problems = await problemsOfCopy("timeout-minutes: 45", "timeout-minute: 45");
      expect(problems.join("\n")).to.include("parser:").and.include("timeout-minute");
    });
  });

  it("has no step besides the ones checked above", () => {
    const [[, job] = ["", {}]] = jobsOf(workflow);
    expect(listOr(job.steps)).to.have.length(STEPS.length);
  });
});
