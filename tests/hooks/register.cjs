// Loaded by mocha (.mocharc.json "require") in every worker before any test file: registers the
// JSON-attribute hook (jsonImports.mjs). Registered here, at start, because a registration made
// later completes asynchronously in the loader thread, and an import right after it could miss it.
const { register } = require("node:module");
const { pathToFileURL } = require("node:url");

register("./jsonImports.mjs", pathToFileURL(__filename));
