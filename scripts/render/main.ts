import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { renderStackFiles } from "../../config/stack/stackFiles";
import { loadStackConfig } from "../../config/stack/stackConfig";
import { stackFileSource } from "../../config/stack/stackFile";

export const USAGE = "usage: npm run render -- --stack <local|prod> --out <dir>";

/** Where the command prints: each written path, and what went wrong. */
export interface RenderIo {
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

/**
 * `npm run render -- --stack <name> --out <dir>`: writes every file the stack generates, from its
 * Pulumi.<stack>.yaml. 0 when written, 1 for a stack that cannot be rendered, 2 when called wrongly.
 */
export function main(argv: readonly string[], io: RenderIo): number {
  let stack: string | undefined;
  let out: string | undefined;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { stack: { type: "string" }, out: { type: "string" } },
    });
    stack = values.stack;
    out = values.out;
  } catch (error) {
    io.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!stack || !out) {
    io.error(USAGE);
    return 2;
  }
  try {
    const files = renderStackFiles(loadStackConfig(stackFileSource(stack)));
    for (const file of files) {
      const target = path.join(out, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content);
      io.log(target);
    }
    return 0;
  } catch (error) {
    // A bad stack file is an expected failure: its message, not a stack trace.
    io.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}
