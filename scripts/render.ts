/**
 * Writes every file a stack generates, from its Pulumi.<stack>.yaml, with no Pulumi CLI,
 * no credentials and no network:
 *
 *   npm run render -- --stack local --out out/local
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadStackConfig } from "../config/stack/stackConfig";
import { stackFileSource } from "../config/stack/stackFile";
import { renderStackFiles } from "../config/files/stackFiles";

const USAGE = "usage: npm run render -- --stack <local|prod> --out <dir>";

function main(argv: string[]): number {
  let stack: string | undefined;
  let out: string | undefined;
  try {
    const { values } = parseArgs({ args: argv, options: { stack: { type: "string" }, out: { type: "string" } } });
    stack = values.stack;
    out = values.out;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!stack || !out) {
    console.error(USAGE);
    return 2;
  }
  try {
    const files = renderStackFiles(loadStackConfig(stackFileSource(stack)));
    for (const file of files) {
      const target = path.join(out, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content);
      console.log(target);
    }
    return 0;
  } catch (error) {
    // A bad stack file is an expected failure: its message, not a stack trace.
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
