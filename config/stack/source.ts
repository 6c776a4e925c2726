/**
 * Where raw config values come from: `pulumi.Config` during `pulumi up`, or a stack file
 * read from disk by the offline render command. Keys are full (`namespace:key`); values
 * arrive as Pulumi hands them to a program, as strings (objects and lists as JSON).
 */
export type ConfigSource = (fullKey: string) => string | undefined;

/** A source over a plain map, as found under `config:` in a Pulumi.<stack>.yaml file. */
export function sourceFromMap(values: Readonly<Record<string, unknown>>): ConfigSource {
  return (fullKey) => {
    const value = values[fullKey];
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
  };
}
