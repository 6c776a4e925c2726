/**
 * Where raw config values come from: `pulumi.Config` during `pulumi up`, or a stack file
 * read from disk by the offline render command. Keys are full (`namespace:key`); values
 * arrive as Pulumi hands them to a program, as strings (objects and lists as JSON).
 */
export interface ConfigSource {
  /** The value of a full key, or undefined when the stack does not set it. */
  get(fullKey: string): string | undefined;
  /** Every full key the stack sets, so that keys nobody reads can be refused. */
  keys(): readonly string[];
  /** Whether the stack holds the key's value encrypted (`pulumi config set --secret`). */
  isSecret(fullKey: string): boolean;
}

/**
 * A source over a plain map, as found under `config:` in a Pulumi.<stack>.yaml file. A key
 * without a namespace belongs to the project, as the Pulumi CLI reads it. An encrypted value
 * (`{secure: ...}` in the file) is a secret; `secretKeys` names further ones, as the CLI does
 * for a running program.
 */
export function sourceFromMap(
  values: Readonly<Record<string, unknown>>,
  project = "tracing",
  secretKeys: readonly string[] = [],
): ConfigSource {
  const full = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
  const entries = new Map(Object.entries(values).map(([key, value]) => [full(key), value]));
  const secrets = new Set(secretKeys.map(full));
  return {
    get: (fullKey) => toConfigString(entries.get(fullKey)),
    keys: () => [...entries.keys()],
    isSecret: (fullKey) => secrets.has(fullKey) || isEncrypted(entries.get(fullKey)),
  };
}

/** How a stack file holds a value set with `--secret`. */
function isEncrypted(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value;
}

function toConfigString(value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === "string") {
    return value;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  return JSON.stringify(value);
}
