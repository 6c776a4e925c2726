import * as fs from "node:fs";
import * as path from "node:path";

/*
 * Reading GitHub workflow files the way their consumers read them, for tests/e2eWorkflow.test.ts
 * and tests/renovate.test.ts:
 * - GitHub: @actions/workflow-parser (the parser behind GitHub's Actions language service). It is
 *   ESM-only, so it is loaded with a dynamic import(); `typeof import(...)` keeps it typed.
 * - Renovate: its github-actions manager reads `uses:` line by line
 *   (lib/modules/manager/github-actions/parse.ts, renovate 44.121.2), mirrored in `usesLines`.
 */
export type WorkflowParser = typeof import("@actions/workflow-parser");
export type TemplateToken = Parameters<WorkflowParser["isMapping"]>[0];

/** A workflow value as plain data; expressions are kept as `${{ ... }}` text. */
export type Plain = string | number | boolean | null | readonly Plain[] | PlainMap;
export interface PlainMap {
  readonly [key: string]: Plain;
}

export interface ParsedWorkflow {
  /** The file as written, for what only the text shows (comments, `uses:` lines). */
  readonly text: string;
  /** Every error the parser and the model converter reported. */
  readonly errors: string[];
  /** Event names GitHub's model found, with their filters. */
  readonly events: PlainMap;
  /** The whole parsed document. */
  readonly document: PlainMap;
}

export const ROOT = path.resolve(__dirname, "..");

export const WORKFLOWS_DIR = path.join(ROOT, ".github", "workflows");

/**
 * ESM-only, and it imports JSON without an import attribute, which Node 20's own loader refuses:
 * the tests run with tsx's CommonJS hook only (.mocharc.json), plus a small loader hook that adds
 * the attribute (tests/hooks/jsonImports.mjs, registered by tests/hooks/register.cjs).
 */
export async function loadWorkflowParser(): Promise<WorkflowParser> {
  return import("@actions/workflow-parser");
}

/** A parser token as plain data. */
export function toPlain(parser: WorkflowParser, token: TemplateToken): Plain {
  if (parser.isMapping(token)) {
    const map: { [key: string]: Plain } = {};
    for (const pair of token) {
      map[pair.key.toString()] = toPlain(parser, pair.value);
    }
    return map;
  }
  if (parser.isSequence(token)) {
    const items: Plain[] = [];
    for (const item of token) {
      items.push(toPlain(parser, item));
    }
    return items;
  }
  if (parser.isBasicExpression(token)) {
    return `\${{ ${token.expression} }}`;
  }
  if (parser.isString(token) || parser.isBoolean(token) || parser.isNumber(token)) {
    return token.value;
  }
  return null;
}

export async function parseWorkflowText(parser: WorkflowParser, name: string, text: string): Promise<ParsedWorkflow> {
  const result = parser.parseWorkflow({ name, content: text }, new parser.NoOperationTraceWriter());
  const errorsOf = (): string[] => result.context.errors.getErrors().map((error) => error.message);
  if (result.value === undefined) {
    return { text, errors: errorsOf(), events: {}, document: {} };
  }
  const model = await parser.convertWorkflowTemplate(result.context, result.value);
  const document = toPlain(parser, result.value);
  const events: unknown = JSON.parse(JSON.stringify(model.events ?? {}));
  return {
    text,
    errors: errorsOf(),
    events: isPlainMap(events) ? events : {},
    document: isMap(document) ? document : {},
  };
}

export function isMap(value: Plain | undefined): value is PlainMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPlain(value: unknown): value is Plain {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.every((item: unknown) => isPlain(item));
  }
  return isPlainMap(value);
}

function isPlainMap(value: unknown): value is PlainMap {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every(isPlain);
}

/** The mapping at `value`, or an empty one: a check then reports what is missing. */
export function mapOr(value: Plain | undefined): PlainMap {
  return isMap(value) ? value : {};
}

export function listOr(value: Plain | undefined): readonly Plain[] {
  return Array.isArray(value) ? value : [];
}

export function stringOr(value: Plain | undefined): string {
  return typeof value === "string" ? value : "";
}

export function jobsOf(workflow: ParsedWorkflow): [string, PlainMap][] {
  return Object.entries(mapOr(workflow.document.jobs)).map(([id, job]) => [id, mapOr(job)]);
}

export function stepsOf(job: PlainMap): PlainMap[] {
  return listOr(job.steps).map((step) => mapOr(step));
}

/** Every `uses:` value anywhere in the document (steps, reusable workflow calls). */
export function everyUses(value: Plain): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item: Plain) => everyUses(item));
  }
  if (!isMap(value)) {
    return [];
  }
  return Object.entries(value).flatMap(([key, item]) =>
    key === "uses" && typeof item === "string" ? [item] : everyUses(item),
  );
}

/** The workflow files, by file name. */
export function workflowFiles(): string[] {
  return fs
    .readdirSync(WORKFLOWS_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
}

/** The own enumerable properties of a JSON object, or none for anything else. */
export function jsonEntries(value: unknown): [string, unknown][] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [];
  }
  const entries: [string, unknown][] = Object.entries(value);
  return entries;
}

export interface PackageDependency {
  readonly name: string;
  readonly field: "dependencies" | "devDependencies";
  /** The version spec as written. */
  readonly spec: string;
}

/** The dependencies and devDependencies of package.json. */
export function packageJsonDependencies(): PackageDependency[] {
  const manifest = new Map(jsonEntries(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"))));
  return (["dependencies", "devDependencies"] as const).flatMap((field) =>
    jsonEntries(manifest.get(field)).map(([name, spec]) => ({ name, field, spec: String(spec) })),
  );
}

/** The version spec of one package.json dependency. */
export function packageJsonVersion(name: string): string {
  const found = packageJsonDependencies().find((dependency) => dependency.name === name);
  if (found === undefined) {
    throw new Error(`package.json does not depend on ${name}`);
  }
  return found.spec;
}

// ---------------------------------------------------------------------------------------------
// `uses:` lines as Renovate's github-actions manager reads them.

export interface UsesLine {
  /** 1-based line number. */
  readonly line: number;
  /** The reference as written, e.g. `actions/checkout@3d3c...`. */
  readonly reference: string;
  /** `owner/repo` (and a sub-path, if any) before the `@`, or undefined for local and docker actions. */
  readonly action?: string;
  readonly ref?: string;
  /** The version Renovate reads from the trailing comment (`# v7.0.1`), if any. */
  readonly commentVersion?: string;
}

const USES_LINE = /^(\s+(?:-\s+)?uses\s*:\s*)(.+)$/;
const REPOSITORY_ACTION = /^(?:https:\/\/[^/]+\/)?([^/]+\/[^/]+(?:\/.+?)?)@(.+)$/;
const PIN_TOKEN =
  /^\s*(?:(?:renovate\s*:\s*)?(?:pin\s+|tag\s*=\s*)?|(?:ratchet:[\w-]+\/[.\w-]+(?:\/[.\w-]+)*))?@?((?:[\w-]*[-/])?v?\d+(?:\.\d+(?:\.\d+)?)?(?:-[a-zA-Z0-9.]+)?)/;

function unquote(input: string): string {
  const trimmed = input.trim();
  const first = trimmed[0];
  if (trimmed.length >= 2 && first === trimmed.at(-1) && (first === '"' || first === "'")) {
    return trimmed.slice(1, -1);
  }
  return trimmed;
}

/** Every `uses:` line of a workflow text, read as Renovate's `parseUsesLine` reads it. */
export function usesLines(text: string): UsesLine[] {
  return text.split(/\r?\n/).flatMap((content, index): UsesLine[] => {
    const match = content.trim().startsWith("#") ? null : USES_LINE.exec(content);
    const remainder = match?.[2];
    if (remainder === undefined || remainder.startsWith("#")) {
      return [];
    }
    const commentAt = remainder.indexOf(" #");
    const reference = unquote(commentAt === -1 ? remainder : remainder.slice(0, commentAt));
    const version = commentAt === -1 ? undefined : PIN_TOKEN.exec(remainder.slice(commentAt + 2))?.[1];
    const repository = REPOSITORY_ACTION.exec(reference);
    const local = reference.startsWith("./") || reference.startsWith("../") || reference.startsWith("docker://");
    return [
      {
        line: index + 1,
        reference,
        ...(repository && !local ? { action: repository[1], ref: repository[2] } : {}),
        ...(version === undefined ? {} : { commentVersion: version }),
      },
    ];
  });
}

/**
 * Why a `uses:` line is not pinned to a commit that Renovate can move, or undefined when it is:
 * a full 40-hex commit and, after it, the full release it is (`# v7.0.1`), which is what
 * `helpers:pinGitHubActionDigestsToSemver` reads and rewrites.
 */
export function commitPinProblem(uses: UsesLine): string | undefined {
  if (uses.action === undefined || uses.ref === undefined) {
    return uses.reference.startsWith("./")
      ? undefined
      : `line ${uses.line}: ${uses.reference} is not a repository action`;
  }
  if (!/^[0-9a-f]{40}$/.test(uses.ref)) {
    return `line ${uses.line}: ${uses.reference} is not pinned to a full commit SHA`;
  }
  if (uses.commentVersion === undefined || !/^v?\d+\.\d+\.\d+$/.test(uses.commentVersion)) {
    return `line ${uses.line}: ${uses.reference} has no "# vX.Y.Z" comment naming the release of that commit`;
  }
  return undefined;
}
