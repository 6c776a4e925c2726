import { numberFlag, parseFlags } from "../verify/flags";
import { Resolved } from "../verify/cli";
import { UsageError } from "../verify/usageError";
import { EmulatorSettings } from "./server";

export const EMULATOR_DEFAULTS = {
  port: 4443,
  /** Prod's Tempo account (TraceStorage "tempo": account id `tempo-traces`); only ever printed. */
  principal: "tempo-traces@diagramik-prod.iam.gserviceaccount.com",
} as const;

export const EMULATOR_USAGE = `usage: npm run gcs-emulator -- --bucket <name> [options]

A Google Cloud Storage stand-in for Tempo on 127.0.0.1: the JSON API subset Tempo's GCS backend
uses, objects in memory (or in --dir), every request counted by JSON API method and by Google's
pricing class (Class A, Class B, free). Point Tempo at it with

  storage.trace.gcs.endpoint: http://127.0.0.1:<port>/storage/v1/
  storage.trace.gcs.insecure: true

  --bucket <name>          a bucket that exists, repeatable (at least one)
  --port <n>               port on 127.0.0.1, 0 for any free one (default ${EMULATOR_DEFAULTS.port})
  --dir <path>             keep objects in this directory, and start from what it holds
  --deny-for <seconds>     answer every storage request 403 (IAM not yet propagated) for this long after start
  --latency-ms <n>         delay every storage answer by n ms
  --principal <email>      who the 403s name (default ${EMULATOR_DEFAULTS.principal})
  --log                    print one line per storage request: method, path, JSON API method, class, status
  -h, --help               show this help

Admin endpoints (not counted, never denied):
  GET  /_emulator/operations            {byClass: {A, B, free}, byMethod, failed, resumable, requests, denied, since}
  POST /_emulator/reset[?objects=true]  counts back to zero (and every object dropped)
  POST /_emulator/deny?seconds=N        refuse every storage request for N s from now (0 ends a window)
  GET  /_emulator/objects               every object with its size and generation`;

/** Parses the command line; a UsageError names what is wrong. */
export function resolveEmulatorCommand(argv: readonly string[]): Resolved<EmulatorSettings> {
  const values = parseFlags(argv, {
    bucket: { type: "string", multiple: true },
    port: { type: "string" },
    dir: { type: "string" },
    "deny-for": { type: "string" },
    "latency-ms": { type: "string" },
    principal: { type: "string" },
    log: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    return { kind: "help" };
  }
  const buckets = values.bucket ?? [];
  if (buckets.length === 0) {
    throw new UsageError("--bucket: at least one bucket is needed");
  }
  for (const bucket of buckets) {
    if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucket)) {
      throw new UsageError(
        `--bucket ${JSON.stringify(bucket)}: not a GCS bucket name (lower-case letters, digits, - _ .)`,
      );
    }
  }
  const port = numberFlag("--port", values.port, EMULATOR_DEFAULTS.port, { min: 0, max: 65_535, whole: true });
  const denyForSeconds = numberFlag("--deny-for", values["deny-for"], 0, { min: 0, max: 86_400 });
  const latencyMs = numberFlag("--latency-ms", values["latency-ms"], 0, { min: 0, max: 600_000 });
  return {
    kind: "run",
    options: {
      port,
      buckets,
      ...(values.dir ? { dir: values.dir } : {}),
      denyForMs: denyForSeconds * 1000,
      latencyMs,
      principal: values.principal ?? EMULATOR_DEFAULTS.principal,
      log: values.log ?? false,
    },
  };
}
