/**
 * What the Pulumi CLI accepts in a project file and a stack file, written down from its source
 * at the version this project pins (pulumi/pulumi v3.248.0, the same as @pulumi/pulumi):
 * - sdk/go/common/workspace/project.json: the project schema (`name` required, the string-typed
 *   fields, `runtime` as a name or `{name, options}`, `options.refresh` only "always",
 *   `backend.url` only); other top-level keys are allowed.
 * - sdk/go/common/tokens/project.go, names.go: a project name is 1-100 of [A-Za-z0-9_.-].
 * - sdk/nodejs/cmd/pulumi-language-nodejs/main.go (parseOptions): the nodejs runtime options.
 * - sdk/go/common/workspace/project.go (ProjectStack): the keys of Pulumi.<stack>.yaml.
 * - sdk/go/common/resource/config/key.go (ParseKey): a config key is `<namespace>:<name>`;
 *   workspace/loaders.go gives a bare key the project's namespace.
 * The CLI parses both files with gopkg.in/yaml.v3; the tests parse them with the `yaml` package
 * in strict mode, which refuses the same malformed documents (e.g. ": " in a plain scalar).
 */

const NAME = /^[A-Za-z0-9_.-]+$/;
const MAX_NAME_LENGTH = 100;

/** project.json's fields typed `["string", "null"]`. */
const OPTIONAL_STRINGS = ["description", "author", "website", "license", "main", "stackConfigDir"] as const;

/** The nodejs language host's options and the values it takes. */
const NODEJS_OPTIONS: Record<string, (value: unknown) => boolean> = {
  typescript: (value) => typeof value === "boolean",
  tsconfig: (value) => typeof value === "string",
  nodeargs: (value) => typeof value === "string",
  packagemanager: (value) => ["auto", "npm", "yarn", "pnpm", "bun"].includes(String(value)),
};

/** ProjectStack's fields: everything else in a stack file is not Pulumi's. */
const STACK_FILE_KEYS = ["secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment"] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Why a parsed Pulumi.yaml would be refused, or what a program needs from it; empty when fine. */
export function projectProblems(document: unknown): string[] {
  if (!isObject(document)) {
    return ["the project file must be a mapping"];
  }
  const problems: string[] = [];
  const { name, runtime } = document;
  if (typeof name !== "string" || name === "") {
    problems.push("name: required, a non-empty string");
  } else if (name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    problems.push(`name: ${JSON.stringify(name)} must be 1-100 letters, digits, '-', '_' or '.'`);
  }
  for (const field of OPTIONAL_STRINGS) {
    const value = document[field];
    if (value !== undefined && value !== null && typeof value !== "string") {
      problems.push(`${field}: must be a string, got ${JSON.stringify(value)}`);
    }
  }
  problems.push(...runtimeProblems(runtime));
  const options = document.options;
  if (options !== undefined && options !== null) {
    if (
      !isObject(options) ||
      Object.keys(options).some((key) => key !== "refresh") ||
      !["always", undefined].includes(options.refresh as string)
    ) {
      problems.push(`options: only {refresh: "always"} is allowed, got ${JSON.stringify(options)}`);
    }
  }
  const backend = document.backend;
  if (backend !== undefined && backend !== null) {
    if (
      !isObject(backend) ||
      Object.keys(backend).some((key) => key !== "url") ||
      typeof (backend.url ?? "") !== "string"
    ) {
      problems.push(`backend: only {url: <string>} is allowed, got ${JSON.stringify(backend)}`);
    }
  }
  return problems;
}

/** `runtime` is optional in the schema, but no program runs without one, so it is required here. */
function runtimeProblems(runtime: unknown): string[] {
  if (typeof runtime === "string") {
    return runtime === "" ? ["runtime: must not be empty"] : [];
  }
  if (!isObject(runtime)) {
    return ["runtime: required, a name or {name, options}"];
  }
  const problems: string[] = [];
  const extra = Object.keys(runtime).filter((key) => key !== "name" && key !== "options");
  if (extra.length > 0) {
    problems.push(`runtime: unknown fields ${extra.join(", ")} (only name and options)`);
  }
  if (typeof runtime.name !== "string" || runtime.name === "") {
    problems.push("runtime.name: required, a non-empty string");
  }
  const options = runtime.options;
  if (options !== undefined && !isObject(options)) {
    problems.push("runtime.options: must be a mapping");
  } else if (runtime.name === "nodejs" && options !== undefined) {
    for (const [key, value] of Object.entries(options)) {
      const valid = NODEJS_OPTIONS[key];
      if (valid === undefined) {
        problems.push(`runtime.options.${key}: the nodejs runtime has no such option`);
      } else if (!valid(value)) {
        problems.push(`runtime.options.${key}: ${JSON.stringify(value)} is not a valid value`);
      }
    }
  }
  return problems;
}

/** A stack file's top-level problems; its config keys are checked by the caller. */
export function stackFileProblems(document: unknown): string[] {
  if (document === null) {
    return [];
  }
  if (!isObject(document)) {
    return ["the stack file must be a mapping"];
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (!(STACK_FILE_KEYS as readonly string[]).includes(key)) {
      problems.push(`${key}: not a stack file field (${STACK_FILE_KEYS.join(", ")})`);
    } else if (
      key === "config" ? value !== null && !isObject(value) : key !== "environment" && typeof value !== "string"
    ) {
      problems.push(`${key}: wrong type ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

/** `<namespace>:<name>` of a stack config key, with a bare key in the project's namespace. */
export function parseConfigKey(key: string, project: string): { namespace: string; name: string } | undefined {
  const parts = key.split(":");
  if (parts.length === 1) {
    return { namespace: project, name: key };
  }
  if (parts.length === 2 && parts[0] !== "" && parts[1] !== "") {
    return { namespace: parts[0], name: parts[1] };
  }
  if (parts.length === 3 && parts[1] === "config") {
    return { namespace: parts[0], name: parts[2] };
  }
  return undefined;
}
