import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./errors";
import { LocalMode } from "./stackTypes";

/** The stack output that records which local mode is running. */
export const LOCAL_MODE_OUTPUT = "localMode";

/**
 * An output of this stack's last completed deployment, or undefined (first deployment, or a
 * stack that never exported it). Read through a StackReference to the stack itself: Pulumi
 * serves the last checkpoint's outputs, which the running update only replaces at its end
 * (pkg/backend/backend.go GetStackOutputs at v3.248.0; a stack without a checkpoint has none).
 */
export async function previousOutput(name: string): Promise<unknown> {
  const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
  const details = await self.getOutputDetails(name);
  return details.value ?? details.secretValue;
}

/** The command that switches modes for a user: it removes the old containers first. */
export const SWITCH_COMMAND = "npm run up:local";

/**
 * Pulumi creates a new resource before it deletes the ones a program no longer registers, so
 * the new mode's containers would try to publish host ports the old ones still hold, and the
 * update would fail half-way. The switch is refused before anything changes, naming the command
 * that does it (scripts/up-local.sh destroys the old mode's containers first; volumes are kept).
 */
export function modeSwitchProblem(previous: unknown, next: LocalMode): ConfigError | undefined {
  if (typeof previous !== "string" || previous === next) {
    return undefined;
  }
  return new ConfigError([
    {
      key: "tracing:mode",
      value: next,
      expected:
        `${JSON.stringify(previous)} while the ${previous} containers run: they hold the host ports the ` +
        `${next} containers need, and Pulumi creates new containers before it deletes old ones. ` +
        `Switch with \`${SWITCH_COMMAND}\`, which removes the ${previous} containers first ` +
        "(the trace volumes stay), or by hand: `npm run pulumi:local -- destroy -s local --yes` then `pulumi up -s local`",
    },
  ]);
}
