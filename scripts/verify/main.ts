import { runCommand } from "./cli";
import { USAGE, resolveCommand } from "./options";
import { realClock } from "./poll";
import { Write } from "./report";
import { VerifyDeps, runVerify } from "./run";
import { sendTestSpan } from "./sendSpan";
import { PulumiRunner, runPulumiCli } from "./stackOutputs";

export interface MainDeps extends VerifyDeps {
  readonly pulumi: PulumiRunner;
  /** Usage errors go here, the report to `write`. */
  readonly writeError: Write;
}

export const realDeps: MainDeps = {
  http: (url, init) => fetch(url, init),
  clock: realClock,
  sendSpan: sendTestSpan,
  write: (line) => console.log(line),
  writeError: (line) => console.error(line),
  pulumi: runPulumiCli,
};

/** `npm run verify -- ...`: 0 when traces flow, 1 at a broken link, 2 when called wrongly. */
export function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  deps: MainDeps = realDeps,
): Promise<number> {
  return runCommand(
    "verify",
    USAGE,
    () => resolveCommand(argv, env, deps.pulumi),
    (options) => runVerify(options, deps),
    deps,
  );
}
