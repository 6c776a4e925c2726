// The bootstrap program's entry point (bootstrap/Pulumi.yaml `main`). Run it with
// `npm run bootstrap -- --project P --region R --repo owner/name`, not by hand: see
// bootstrap/program.ts for what it creates and docs/delivery.md for why.
import { bootstrapProgram } from "./program";

export = bootstrapProgram();
