/**
 * Offers a steady load of diagram-agent-shaped traces and measures what Tempo does with it:
 * accepted and refused spans/s, export latency, and how soon sampled traces become visible.
 *
 *   npm run load -- --stack local --rate 20000 --duration 300
 *   npm run load -- --otlp <url> --tempo <url> [--json] ...   (see --help)
 */
import { main, realLoadDeps } from "./load/main";

// The first Ctrl-C stops sending and reports what was measured; a second one exits at once.
const stop = new AbortController();
process.once("SIGINT", () => {
  console.error("load: stopping; Ctrl-C again to quit without a report");
  stop.abort();
  process.once("SIGINT", () => process.exit(130));
});

main(process.argv.slice(2), process.env, { ...realLoadDeps, stop: stop.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Only a bug gets here; expected failures were reported by main.
    console.error(error);
    process.exitCode = 1;
  },
);
