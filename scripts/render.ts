/**
 * Writes every file a stack generates, from its Pulumi.<stack>.yaml, with no Pulumi CLI,
 * no credentials and no network:
 *
 *   npm run render -- --stack local --out out/local
 */
import { main } from "./render/main";

process.exitCode = main(process.argv.slice(2), {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
});
