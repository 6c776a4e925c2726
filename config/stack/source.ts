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
}

/**
 * A source over a plain map, as found under `config:` in a Pulumi.<stack>.yaml file. A key
 * without a namespace belongs to the project, as the Pulumi CLI reads it.
 */
export function sourceFromMap(values: Readonly<Record<string, unknown>>, project = "tracing"): ConfigSource {
  const entries = new Map(
    Object.entries(values).map(([key, value]) => [key.includes(":") ? key : `${project}:${key}`, value]),
  );
  return {
    get: (fullKey) => toConfigString(entries.get(fullKey)),
    keys: () => [...entries.keys()],
  };
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
