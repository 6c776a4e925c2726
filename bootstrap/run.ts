/**
 * `npm run bootstrap`, the run itself (scripts/bootstrap.ts is its entry point):
 *
 * 1. `pulumi up` of the bootstrap program (bootstrap/), its state in a folder of yours;
 * 2. `pulumi stack init prod --secrets-provider gcpkms://...` in the new state bucket, which
 *    writes `secretsprovider` and `encryptedkey` into Pulumi.prod.yaml;
 * 3. prints the `gh variable set` commands for the repository variables the workflows read.
 *
 * Needs the Pulumi CLI and Application Default Credentials of a project Owner
 * (`gcloud auth application-default login`): the Google provider, the gs:// backend and the
 * gcpkms:// secrets provider all read them. Exit codes: 0 done, 1 a step failed, 2 bad arguments.
 * Every step can be re-run: what already exists is left as it is.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  PulumiCommand,
  USAGE,
  bootstrapCommands,
  describeCommand,
  listStacksCommand,
  nextSteps,
  outputsCommand,
  parseBootstrapArgs,
  prodStackCommands,
  prodStackListed,
  readProdStackFile,
  repositoryVariablesFrom,
} from "./command";

/** Where the run writes: the summary to `out`, progress and errors to `err`. */
export interface Console {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_CONSOLE: Console = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

/** The repository: `bootstrap/` and Pulumi.prod.yaml are found from here. */
const ROOT = path.resolve(__dirname, "..");

/**
 * Runs the bootstrap; returns the exit code. `env` is the environment every `pulumi` starts
 * from (its PATH finds the CLI), `home` the default parent of the state folder.
 */
export function runBootstrap(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  home: string,
  io: Console = PROCESS_CONSOLE,
): number {
  const parsed = parseBootstrapArgs(argv, env, home);
  if (parsed.kind === "help") {
    io.out(USAGE);
    return 0;
  }
  if (parsed.kind === "usage-error") {
    io.err(`${parsed.message}\n\n${USAGE}`);
    return 2;
  }
  const { options } = parsed;

  /** Runs one pulumi command; its output goes to the terminal unless `capture`. */
  const pulumi = (command: PulumiCommand, capture = false): string => {
    io.err(`\n$ ${describeCommand(command)}`);
    const result = spawnSync("pulumi", [...command.args], {
      cwd: path.join(ROOT, command.dir),
      env: { ...env, ...command.env },
      stdio: capture ? ["inherit", "pipe", "inherit"] : "inherit",
      encoding: "utf8",
    });
    if (result.error) {
      throw new Error(`could not run pulumi: ${result.error.message}`);
    }
    if (result.status !== 0) {
      const how = result.status === null ? `signal ${String(result.signal)}` : `exit ${result.status}`;
      throw new Error(`\`pulumi ${command.args.join(" ")}\` failed (${how}); nothing after it ran`);
    }
    return result.stdout ?? "";
  };

  if (spawnSync("pulumi", ["version"], { env, encoding: "utf8" }).error) {
    io.err("npm run bootstrap: the Pulumi CLI is not installed (see README: Quick start)");
    return 1;
  }
  try {
    fs.mkdirSync(options.stateDir, { recursive: true });
    for (const command of bootstrapCommands(options, env)) {
      pulumi(command);
    }
    if (options.previewOnly) {
      io.err("\n--preview: nothing was created, and the prod stack was left alone.");
      return 0;
    }
    const variables = repositoryVariablesFrom(pulumi(outputsCommand(options, env), true));
    const exists = prodStackListed(pulumi(listStacksCommand(options.inputs), true));
    const stackFile = path.join(ROOT, "Pulumi.prod.yaml");
    const recorded = readProdStackFile(fs.existsSync(stackFile) ? fs.readFileSync(stackFile, "utf8") : "");
    const commands = prodStackCommands(options.inputs, options.prod, exists, recorded);
    if (commands.length === 0) {
      io.err("\nThe prod stack exists, and Pulumi.prod.yaml already records this KMS key and project.");
    }
    for (const command of commands) {
      pulumi(command);
    }
    io.out(nextSteps(options.inputs, variables));
    return 0;
  } catch (error) {
    io.err(`\nnpm run bootstrap: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
