import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ConfigSource, sourceFromMap } from "./source";

/** The project root: Pulumi.<stack>.yaml files live here. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/**
 * Config of a checked-in stack read straight from Pulumi.<stack>.yaml, for tools that run
 * without the Pulumi CLI (the render command). Encrypted values cannot be read this way;
 * this project keeps none in its stack files.
 */
export function stackFileSource(stack: string, root = PROJECT_ROOT): ConfigSource {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = fs
      .readdirSync(root)
      .filter((name) => /^Pulumi\.[^.]+\.yaml$/.test(name))
      .map((name) => name.slice("Pulumi.".length, -".yaml".length));
    throw new Error(`No stack file ${file}; stacks here: ${known.join(", ")}`);
  }
  const document = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  return sourceFromMap(document?.config ?? {});
}
