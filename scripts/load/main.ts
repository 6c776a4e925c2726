import { realClock } from "../verify/poll";
import { EXIT } from "../verify/run";
import { PulumiRunner, runPulumiCli } from "../verify/stackOutputs";
import { UsageError } from "../verify/usageError";
import { LOAD_USAGE, LoadCommand, resolveLoadCommand } from "./options";
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
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  deps: LoadMainDeps = realLoadDeps,
): Promise<number> {
  let command: LoadCommand;
  try {
    command = await resolveLoadCommand(argv, env, deps.pulumi);
  } catch (error) {
    if (error instanceof UsageError) {
      deps.writeError(`load: ${error.message}`);
      deps.writeError(LOAD_USAGE);
      return EXIT.usage;
    }
    throw error;
  }
  if (command.kind === "help") {
    deps.write(LOAD_USAGE);
    return EXIT.passed;
  }
  return runLoad(command.options, deps);
}
