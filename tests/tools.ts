import { spawnSync } from "node:child_process";

/**
 * Skips the calling test when a real program it hands our files to is missing, except in CI,
 * where `.ci/run` installs every such program and sets TRACING_REQUIRE_TOOLS=1: there a missing
 * tool fails the test instead of hiding it.
 */
export function requireTool(context: Mocha.Context, command: string, ...versionArgs: string[]): void {
  if (spawnSync(command, versionArgs.length > 0 ? versionArgs : ["--version"]).status === 0) {
    return;
  }
  if (process.env.TRACING_REQUIRE_TOOLS === "1") {
    throw new Error(`${command} is required here (.ci/run installs it)`);
  }
  context.skip();
}
