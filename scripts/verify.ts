/**
 * Proves traces flow after `pulumi up`: sends a test span and follows it to Tempo and Grafana.
 *
 *   npm run verify -- --stack local
 *   npm run verify -- --otlp <url> --tempo <url> [--grafana <url>] ...   (see --help)
 */
import { main } from "./verify/main";

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Only a bug gets here; expected failures were reported by main.
    console.error(error);
    process.exitCode = 1;
  },
);
