/**
 * Times the test loop (`npm test`: type-check + mocha) warm, several times, and reports the
 * median against the 10 s target. Exit 1 when the median misses it.
 *
 *   npm run bench -- --runs 5
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const TARGET_SECONDS = 10;

function timeOnce(): number {
  const started = process.hrtime.bigint();
  const result = spawnSync("npm", ["test", "--silent"], { stdio: "ignore" });
  if (result.status !== 0) {
    throw new Error("npm test failed; fix the tests before timing them");
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Math.max(1, Number.parseInt(values.runs ?? "5", 10) || 5);

timeOnce(); // warm-up: fills tsc's incremental cache and the OS file cache
const times = Array.from({ length: runs }, timeOnce);
const result = median(times);
console.log(`npm test, ${runs} warm runs: ${times.map((t) => t.toFixed(2)).join(" s, ")} s`);
console.log(
  `median ${result.toFixed(2)} s (target <= ${TARGET_SECONDS} s): ${result <= TARGET_SECONDS ? "OK" : "TOO SLOW"}`,
);
process.exitCode = result <= TARGET_SECONDS ? 0 : 1;
