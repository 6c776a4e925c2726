import { Write } from "./report";
import { UsageError } from "./usageError";

/** Exit codes of `npm run verify` and `npm run load`. */
export const EXIT = { passed: 0, brokenLink: 1, usage: 2 } as const;

/** A command line resolved: help asked for, or options to run with. */
export type Resolved<O> = { readonly kind: "help" } | { readonly kind: "run"; readonly options: O };

/**
 * What both commands do around their work: resolve the command line (a UsageError is printed
 * with the usage and exits 2), answer --help, or run and return its exit code.
 */
export async function runCommand<O>(
  name: string,
  usage: string,
  resolve: () => Promise<Resolved<O>>,
  run: (options: O) => Promise<number>,
  io: { readonly write: Write; readonly writeError: Write },
): Promise<number> {
  let resolved: Resolved<O>;
  try {
    resolved = await resolve();
  } catch (error) {
    if (error instanceof UsageError) {
      io.writeError(`${name}: ${error.message}`);
      io.writeError(usage);
      return EXIT.usage;
    }
    throw error;
  }
  if (resolved.kind === "help") {
    io.write(usage);
    return EXIT.passed;
  }
  return run(resolved.options);
}

/** The flags both commands take to find and reach Tempo (node:util parseArgs options). */
export const ENDPOINT_FLAGS = {
  stack: { type: "string" },
  otlp: { type: "string" },
  tempo: { type: "string" },
  "otlp-header": { type: "string", multiple: true },
  "tempo-header": { type: "string", multiple: true },
  timeout: { type: "string" },
  "service-name": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
