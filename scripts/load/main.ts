import { runCommand } from "../verify/cli";
import { realClock } from "../verify/poll";
import { PulumiRunner, runPulumiCli } from "../verify/stackOutputs";
import { LOAD_USAGE, resolveLoadCommand } from "./options";
import { LoadDeps, runLoad } from "./run";

export interface LoadMainDeps extends LoadDeps {
  readonly pulumi: PulumiRunner;
}

export const realLoadDeps: LoadMainDeps = {
  http: (url, init) => fetch(url, init),
  clock: realClock,
  write: (line) => console.log(line),
  writeError: (line) => console.error(line),
  pulumi: runPulumiCli,
};

/** `npm run load -- ...`: 0 when the load went through and every sample became visible, 1 when not, 2 when called wrongly. */
export function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  deps: LoadMainDeps = realLoadDeps,
): Promise<number> {
  return runCommand(
    "load",
    LOAD_USAGE,
    () => resolveLoadCommand(argv, env, deps.pulumi),
    (options) => runLoad(options, deps),
    deps,
  );
}
