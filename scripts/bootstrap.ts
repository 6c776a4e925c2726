/**
 * One-time set-up of a Google Cloud project for the prod stack (docs/first-deploy.md, docs/delivery.md):
 *
 *   npm run bootstrap -- --project my-tracing-prod --region europe-west1 --repo my-org/tracing
 *
 * What it runs, and in which order: bootstrap/run.ts.
 */
import * as os from "node:os";
import { runBootstrap } from "../bootstrap/run";

process.exitCode = runBootstrap(process.argv.slice(2), process.env, os.homedir());
