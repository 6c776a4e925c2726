/**
 * Every tempo.yaml the stacks can write, checked by the Tempo release it is for (Docker needed):
 *
 *   npm run check:tempo-configs
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { main } from "./tempoConfigs/main";

process.exitCode = main({
  log: (line) => console.log(line),
  error: (line) => console.error(line),
  docker: (args) => {
    const result = spawnSync("docker", [...args], { encoding: "utf8" });
    return {
      status: result.status ?? 1,
      output: `${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}`,
    };
  },
  root: path.resolve(__dirname, ".."),
});
