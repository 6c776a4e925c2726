/**
 * A Google Cloud Storage stand-in for Tempo that counts every request by pricing class, and can
 * refuse with 403 for a while as GCS does until a new IAM binding has propagated:
 *
 *   npm run gcs-emulator -- --bucket diagramik-traces --port 4443 --log
 *   npm run gcs-emulator -- --bucket diagramik-traces --deny-for 120    (see --help)
 */
import { main, realEmulatorDeps } from "./gcsEmulator/main";

// Ctrl-C (or a TERM from whoever started it) closes the port and prints the counts.
const stop = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => stop.abort());
}

main(process.argv.slice(2), { ...realEmulatorDeps, stop: stop.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Only a bug gets here; expected failures were reported by main.
    console.error(error);
    process.exitCode = 1;
  },
);
