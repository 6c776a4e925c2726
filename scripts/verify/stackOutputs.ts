import { execFile } from "node:child_process";
import { PROJECT_ROOT } from "../../config/stack/stackFile";
import { isRecord, numberField, stringField } from "./json";
import { UsageError } from "./usageError";

/** What verify needs from `pulumi stack output`; any of it may be missing. */
export interface StackEndpoints {
  readonly otlpHttpEndpoint?: string;
  readonly tempoQueryUrl?: string;
  readonly grafanaUrl?: string;
  readonly grafanaAdminUser?: string;
  readonly grafanaAdminPassword?: string;
  /** From the `agentEnv` output: the service name the stack tells the agent to use. */
  readonly serviceName?: string;
  /**
   * The prod stack's `agentOtlpHeaders` (`Authorization=Bearer%20...`): Tempo's ingress proxy
   * wants the same token for ingest and for the query API.
   */
  readonly otlpHeaders?: string;
  /**
   * How soon the deployed tempo.yaml lists a fresh trace by TraceQL search, in seconds
   * (config/files/tempoFreshness.ts); absent in lgtm mode, whose image brings its own tempo.yaml.
   */
  readonly tempoSearchWithinSeconds?: number;
}

/**
 * Runs the Pulumi CLI with `args` and resolves to its standard output, or to undefined when
 * there is no Pulumi CLI. A CLI that runs and fails rejects with a UsageError carrying its message.
 */
export type PulumiRunner = (args: readonly string[]) => Promise<string | undefined>;

/** The local stack's state lives where scripts/pulumi-local.sh keeps it; other stacks use your login. */
const LOCAL_PULUMI = "scripts/pulumi-local.sh";

/** The Pulumi CLI as found on `env`'s PATH. */
export const pulumiCli =
  (env: NodeJS.ProcessEnv = process.env): PulumiRunner =>
  (args) =>
    new Promise((resolve, reject) => {
      const local = args.some(
        (arg, index) => arg === "local" && (args[index - 1] === "-s" || args[index - 1] === "--stack"),
      );
      const [command, commandArgs] = local ? ["bash", [LOCAL_PULUMI, ...args]] : ["pulumi", [...args]];
      const options = { cwd: PROJECT_ROOT, env, timeout: 60_000, maxBuffer: 4 << 20 };
      execFile(command, commandArgs, options, (error, stdout, stderr) => {
        // No CLI: ENOENT from `pulumi` itself, 127 from the wrapper.
        if (error && "code" in error && (error.code === "ENOENT" || error.code === 127)) {
          resolve(undefined);
        } else if (error) {
          const detail = String(stderr).trim() || error.message;
          reject(new UsageError(`\`pulumi ${args.join(" ")}\` failed: ${detail}`));
        } else {
          resolve(String(stdout));
        }
      });
    });

/** The Pulumi CLI on this process's PATH. */
export const runPulumiCli: PulumiRunner = pulumiCli();

/**
 * The stack's outputs, secrets included (the Grafana password is one), or undefined when
 * there is no Pulumi CLI. Without `stack`, Pulumi uses the selected stack.
 */
export async function readStackOutputs(run: PulumiRunner, stack?: string): Promise<StackEndpoints | undefined> {
  const args = ["stack", "output", "--json", "--show-secrets", ...(stack ? ["-s", stack] : [])];
  const stdout = await run(args);
  return stdout === undefined ? undefined : parseStackOutputs(stdout);
}

/** `pulumi stack output --json` text to the endpoints; values of the wrong type count as missing. */
export function parseStackOutputs(json: string): StackEndpoints {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch {
    throw new UsageError("`pulumi stack output --json` did not print JSON");
  }
  if (!isRecord(document)) {
    throw new UsageError("`pulumi stack output --json` did not print an object");
  }
  return {
    otlpHttpEndpoint: stringField(document, "otlpHttpEndpoint"),
    tempoQueryUrl: stringField(document, "tempoQueryUrl"),
    grafanaUrl: stringField(document, "grafanaUrl"),
    grafanaAdminUser: stringField(document, "grafanaAdminUser"),
    grafanaAdminPassword: stringField(document, "grafanaAdminPassword"),
    serviceName: stringField(document.agentEnv, "OTEL_SERVICE_NAME"),
    otlpHeaders: stringField(document, "agentOtlpHeaders"),
    tempoSearchWithinSeconds: positive(numberField(document, "tempoSearchWithinSeconds")),
  };
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 ? value : undefined;
}
