import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { parse as parseYaml } from "yaml";
import { IMAGES } from "../config/constants/images";
import {
  DEFAULT_TEMPO_VERSION,
  TEMPO_IMAGE_REPOSITORY,
  TEMPO_RELEASES,
  TempoRelease,
} from "../config/constants/tempoReleases";
import {
  ROOT,
  commitPinProblem,
  everyUses,
  jsonEntries,
  loadWorkflowParser,
  packageJsonDependencies,
  packageJsonVersion,
  parseWorkflowText,
  usesLines,
  workflowFiles,
} from "./actionsWorkflow";

/*
 * renovate.json, held to every pin in the code. Renovate's regex managers are applied here the way
 * Renovate applies them (renovate 44.121.2: lib/modules/manager/custom/regex/{index,strategies,
 * utils}.ts, lib/util/string-match.ts, lib/workers/repository/extract/file-match.ts):
 * - a file takes part when its repository path matches one of `managerFilePatterns`; a pattern in
 *   `/.../` form is a regular expression tested against the path (globs are refused here, so that
 *   what this test applies is exactly what Renovate applies); `ignorePaths` of config:recommended
 *   (`:ignoreModulesAndTests`) leave out node_modules and tests;
 * - strategy "any" (the default): every match string is compiled with the `g` flag and run over the
 *   whole file (not per line); each match is one dependency;
 * - each field (depName, packageName, currentValue, datasource, versioning) comes from its
 *   `<field>Template` when set (a Handlebars template over the named groups), else from the named
 *   capture group of that name; a dependency without a name, a currentValue or a datasource is dropped.
 * Renovate runs the expressions with RE2; this test refuses the constructs RE2 lacks (lookaround,
 * backreferences), where JavaScript's engine would differ.
 * Measured: Renovate 44.121.2 itself (`--platform=local --dry-run=extract`, Node 24) extracts from
 * this repository exactly the dependencies this emulation does.
 */

const CONFIG_FILE = "renovate.json";
/** The Renovate whose source this test mirrors, and whose validator .github/workflows/renovate-config.yml runs. */
const RENOVATE_VERSION = "44.121.2";
const DIALECT_LABEL = "tempo-dialect-check";
/** Renovate's github-actions manager: its default managerFilePatterns (lib/modules/manager/github-actions/index.ts). */
const GITHUB_ACTIONS_FILES = [
  /(^|\/)(workflow-templates|\.(?:github|gitea|forgejo)\/(?:workflows|actions))\/.+\.ya?ml$/,
  /(^|\/)action\.ya?ml$/,
];
/** `:ignoreModulesAndTests` (part of config:recommended), as path prefixes at any depth. */
const IGNORED_DIRECTORIES = [
  "node_modules",
  "bower_components",
  "vendor",
  "examples",
  "__tests__",
  "test",
  "tests",
  "__fixtures__",
];
/** A Docker image reference with a tag: lowercase path components, then `:tag` (distribution's reference grammar). */
const IMAGE_REFERENCE =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

// ---------------------------------------------------------------------------------------------
// renovate.json, read into the parts this test applies.

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface RegexManager {
  readonly description: string;
  readonly managerFilePatterns: string[];
  readonly matchStrings: string[];
  readonly templates: Readonly<Record<string, string>>;
  readonly matchStringsStrategy?: string;
  readonly customType: string;
}

interface RenovateConfig {
  readonly raw: { [key: string]: Json };
  readonly extends: string[];
  readonly customManagers: RegexManager[];
  readonly packageRules: { [key: string]: Json }[];
}

const TEMPLATE_FIELDS = ["depName", "packageName", "currentValue", "datasource", "versioning"] as const;

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: Json | undefined, what: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new Error(`${what} must be a list of strings`);
  }
  return value.map(String);
}

function readConfig(text: string): RenovateConfig {
  const raw: Json = JSON.parse(text);
  if (!isObject(raw)) {
    throw new Error(`${CONFIG_FILE} must hold an object`);
  }
  const managers = Array.isArray(raw.customManagers) ? raw.customManagers : [];
  return {
    raw,
    extends: strings(raw.extends ?? [], "extends"),
    customManagers: managers.map((manager, index) => {
      if (!isObject(manager)) {
        throw new Error(`customManagers[${index}] must be an object`);
      }
      const templates: Record<string, string> = {};
      for (const field of TEMPLATE_FIELDS) {
        const template = manager[`${field}Template`];
        if (typeof template === "string") {
          templates[field] = template;
        }
      }
      return {
        description: String(manager.description ?? `customManagers[${index}]`),
        customType: String(manager.customType),
        managerFilePatterns: strings(manager.managerFilePatterns, `customManagers[${index}].managerFilePatterns`),
        matchStrings: strings(manager.matchStrings, `customManagers[${index}].matchStrings`),
        templates,
        ...(typeof manager.matchStringsStrategy === "string"
          ? { matchStringsStrategy: manager.matchStringsStrategy }
          : {}),
      };
    }),
    packageRules: (Array.isArray(raw.packageRules) ? raw.packageRules : []).filter(isObject),
  };
}

// ---------------------------------------------------------------------------------------------
// Renovate's regex manager, applied as Renovate applies it.

/** A `/regex/` or `/regex/i` config value as a RegExp (lib/util/string-match.ts); anything else is refused. */
function configRegex(value: string): RegExp {
  const match = /^\/(.*)\/(i?)$/.exec(value);
  if (match === null || match[1] === undefined) {
    throw new Error(`${JSON.stringify(value)} is not in /regex/ form`);
  }
  return new RegExp(match[1], match[2]);
}

/** Why an expression would not behave the same under RE2 and JavaScript, or undefined. */
function re2Problem(expression: string): string | undefined {
  if (/\(\?<?[=!]/.test(expression)) {
    return `${expression} uses lookaround, which RE2 lacks`;
  }
  if (/\\[1-9]|\\k</.test(expression)) {
    return `${expression} uses a backreference, which RE2 lacks`;
  }
  return undefined;
}

/** The Handlebars templates this test can apply exactly: literals and `{{{group}}}`. */
function render(template: string, groups: Readonly<Record<string, string | undefined>>): string {
  const rendered = template.replace(/\{\{\{?\s*(\w+)\s*\}?\}\}/g, (_whole, name: string) => groups[name] ?? "");
  if (rendered.includes("{{")) {
    throw new Error(`template ${JSON.stringify(template)} uses more Handlebars than this test applies`);
  }
  return rendered;
}

interface Dependency {
  readonly file: string;
  readonly manager: string;
  readonly depName: string;
  readonly packageName: string;
  readonly currentValue: string;
  readonly datasource: string;
  readonly versioning?: string;
  /** What Renovate replaces in the file: the whole match. */
  readonly replaceString: string;
}

/** The dependencies one regex manager extracts from one file's content (strategy "any"). */
function extract(manager: RegexManager, file: string, content: string): Dependency[] {
  return manager.matchStrings.flatMap((matchString) =>
    [...content.matchAll(new RegExp(matchString, "g"))].flatMap((match): Dependency[] => {
      const groups = { ...match.groups };
      const field = (name: (typeof TEMPLATE_FIELDS)[number]): string | undefined => {
        const template = manager.templates[name];
        return template === undefined ? groups[name] : render(template, groups);
      };
      const depName = (field("depName") ?? field("packageName") ?? "").trim();
      const currentValue = field("currentValue") ?? "";
      const datasource = field("datasource") ?? "";
      const versioning = field("versioning");
      if (!depName || !currentValue.trim() || !datasource.trim()) {
        return [];
      }
      return [
        {
          file,
          manager: manager.description,
          depName,
          packageName: field("packageName") ?? depName,
          currentValue,
          datasource,
          ...(versioning === undefined ? {} : { versioning }),
          replaceString: match[0],
        },
      ];
    }),
  );
}

/** Every repository file Renovate would look at, by repository path ("/" separated). */
function repositoryFiles(dir = ROOT, prefix = ""): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      const skipped = entry.name === ".git" || entry.name === ".cache" || IGNORED_DIRECTORIES.includes(entry.name);
      return skipped ? [] : repositoryFiles(path.join(dir, entry.name), relative);
    }
    return entry.isFile() ? [relative] : [];
  });
}

function extractAll(config: RenovateConfig, files: ReadonlyMap<string, string>): Dependency[] {
  return config.customManagers.flatMap((manager) =>
    [...files].flatMap(([file, content]) =>
      manager.managerFilePatterns.some((pattern) => configRegex(pattern).test(file))
        ? extract(manager, file, content)
        : [],
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// The pins in the code, found without the managers' help.

interface ImagePin {
  readonly file: string;
  readonly image: string;
}

/** A module name (`import ... from "node:fs"`, `require("x")`, `import("x")`), not a value. */
function isModuleSpecifier(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isExternalModuleReference(parent)) {
    return true;
  }
  if (ts.isLiteralTypeNode(parent) && ts.isImportTypeNode(parent.parent)) {
    return true;
  }
  return (
    ts.isCallExpression(parent) &&
    (parent.expression.kind === ts.SyntaxKind.ImportKeyword ||
      (ts.isIdentifier(parent.expression) && parent.expression.text === "require"))
  );
}

/**
 * Outside config/constants, where config keys (`gcp:project`) and addresses (`127.0.0.1:4417`)
 * share that shape, an image is recognised by a name with a letter and a version or `latest` tag.
 */
function looksVersioned(image: string): boolean {
  const [name = "", tag = ""] = image.split(":");
  return /[a-z]/.test(name) && /^(?:v?\d+\.\d+[\w.-]*|latest)$/.test(tag);
}

/** Every string literal in a TypeScript file that is an image reference with a tag. */
function imageLiterals(file: string, content: string): ImagePin[] {
  const source = ts.createSourceFile(file, content, ts.ScriptTarget.ES2022, true);
  const found: ImagePin[] = [];
  const visit = (node: ts.Node): void => {
    const literal = ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
    if (literal && !isModuleSpecifier(node) && IMAGE_REFERENCE.test(node.text)) {
      found.push({ file, image: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Pins that no docker dependency extracted from their own file stands for. */
function uncoveredPins(pins: readonly ImagePin[], dependencies: readonly Dependency[]): ImagePin[] {
  return pins.filter(
    (pin) =>
      !dependencies.some(
        (dep) =>
          dep.file === pin.file && dep.datasource === "docker" && `${dep.depName}:${dep.currentValue}` === pin.image,
      ),
  );
}

/** Why a release's dialect does not fit its version, or undefined when `line` is the version's major.minor. */
function dialectProblem(release: Pick<TempoRelease, "version" | "line">): string | undefined {
  const majorMinor = /^(\d+\.\d+)\.\d+$/.exec(release.version)?.[1];
  return majorMinor === release.line
    ? undefined
    : `Tempo ${release.version} is rendered with the ${release.line} dialect: the builder needs a "${majorMinor ?? "?"}" line first`;
}

/** Why a `uses:` line is not something Renovate keeps current, or undefined. */
function rulesFor(config: RenovateConfig, packageName: string): { [key: string]: Json }[] {
  return config.packageRules.filter((rule) => {
    const names = rule.matchPackageNames;
    return Array.isArray(names) && names.includes(packageName);
  });
}

function findKeys(value: Json, key: string): Json[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => findKeys(item, key));
  }
  if (!isObject(value)) {
    return [];
  }
  return Object.entries(value).flatMap(([name, item]) => [...(name === key ? [item] : []), ...findKeys(item, key)]);
}

// ---------------------------------------------------------------------------------------------

describe("Renovate configuration (renovate.json) against the pins in the code", () => {
  const config = readConfig(fs.readFileSync(path.join(ROOT, CONFIG_FILE), "utf8"));
  const files = new Map(repositoryFiles().map((file) => [file, fs.readFileSync(path.join(ROOT, file), "utf8")]));
  const dependencies = extractAll(config, files);
  const constantsFiles = [...files.keys()].filter((file) => /^config\/constants\/[^/]+\.ts$/.test(file));
  const pins = constantsFiles.flatMap((file) => imageLiterals(file, files.get(file) ?? ""));
  const tempoPins: ImagePin[] = TEMPO_RELEASES.map((release) => ({
    file: "config/constants/tempoReleases.ts",
    image: release.image,
  }));

  describe("the regex managers are of the form this test applies exactly as Renovate does", () => {
    it("are regex managers with the default strategy, /regex/ file patterns, literal or {{{group}}} templates, and RE2's syntax", () => {
      expect(config.customManagers).to.have.length.greaterThan(0);
      for (const manager of config.customManagers) {
        expect(manager.customType, manager.description).to.equal("regex");
        expect([undefined, "any"], manager.description).to.include(manager.matchStringsStrategy);
        for (const expression of [...manager.managerFilePatterns, ...manager.matchStrings]) {
          expect(re2Problem(expression), manager.description).to.equal(undefined);
        }
        expect(() => manager.managerFilePatterns.map(configRegex), manager.description).to.not.throw();
        expect(() => Object.values(manager.templates).map((template) => render(template, {}))).to.not.throw();
      }
    });

    it("each match at least one file, and each file it matches yields a dependency", () => {
      for (const manager of config.customManagers) {
        const matched = [...files.keys()].filter((file) =>
          manager.managerFilePatterns.some((pattern) => configRegex(pattern).test(file)),
        );
        expect(matched, manager.description).to.not.be.empty;
        for (const file of matched) {
          expect(
            dependencies.filter((dep) => dep.manager === manager.description && dep.file === file),
            `${manager.description}: ${file}`,
          ).to.not.be.empty;
        }
      }
    });
  });

  describe("container images", () => {
    it("finds the image literals of config/constants, and they are every image the program pins", () => {
      const imageFile = pins.filter((pin) => pin.file === "config/constants/images.ts").map((pin) => pin.image);
      expect(imageFile).to.have.members(Object.values(IMAGES));
      expect(pins.map((pin) => pin.image)).to.have.members(Object.values(IMAGES));
    });

    it("pins no image outside config/constants", () => {
      const elsewhere = [...files]
        .filter(([file]) => file.endsWith(".ts") && !constantsFiles.includes(file))
        .flatMap(([file, content]) => imageLiterals(file, content))
        .filter((pin) => looksVersioned(pin.image));
      expect(elsewhere).to.deep.equal([]);
      expect(looksVersioned("grafana/loki:3.6.0") && looksVersioned("busybox:latest")).to.equal(true);
      expect(looksVersioned("gcp:project") || looksVersioned("127.0.0.1:4417")).to.equal(false);
    });

    it("every image pin, Tempo's included, is a docker dependency of a regex manager, from its own file", () => {
      expect(uncoveredPins([...pins, ...tempoPins], dependencies)).to.deep.equal([]);
    });

    it("the managers find nothing in config/constants that is not a pin, and use docker versioning", () => {
      const fromConstants = dependencies.filter((dep) => dep.file.startsWith("config/constants/"));
      expect(fromConstants.map((dep) => `${dep.depName}:${dep.currentValue}`)).to.have.members(
        [...pins, ...tempoPins].map((pin) => pin.image),
      );
      for (const dep of fromConstants) {
        expect(dep.datasource, dep.depName).to.equal("docker");
        expect(dep.versioning, dep.depName).to.equal("docker");
      }
    });
  });

  describe("Tempo: the image and the tempo.yaml dialect move together", () => {
    const fromReleases = dependencies.filter((dep) => dep.file === "config/constants/tempoReleases.ts");

    it("one string per release moves: the version, and the image is derived from it", () => {
      expect(fromReleases.map((dep) => dep.currentValue)).to.deep.equal(
        TEMPO_RELEASES.map((release) => release.version),
      );
      expect(new Set(fromReleases.map((dep) => dep.depName))).to.deep.equal(new Set([TEMPO_IMAGE_REPOSITORY]));
      for (const release of TEMPO_RELEASES) {
        expect(release.image).to.equal(`${TEMPO_IMAGE_REPOSITORY}:${release.version}`);
      }
      expect(
        pins.map((pin) => pin.image).filter((image) => image.startsWith(`${TEMPO_IMAGE_REPOSITORY}:`)),
      ).to.deep.equal([]);
    });

    it("each release is rendered in the dialect of its own major.minor (a bump to a new minor fails here)", () => {
      expect(TEMPO_RELEASES.flatMap((release) => dialectProblem(release) ?? [])).to.deep.equal([]);
    });

    it("the Tempo release a stack file selects moves with the release table", () => {
      const stackFiles = [...files.keys()].filter((file) => /^Pulumi\.[^/]+\.yaml$/.test(file));
      for (const file of stackFiles) {
        const document: unknown = parseYaml(files.get(file) ?? "");
        const settings = new Map(jsonEntries(new Map(jsonEntries(document)).get("config")));
        const selected = settings.get("tracing:tempoVersion");
        const extracted = dependencies.filter((dep) => dep.file === file);
        if (selected === undefined) {
          expect(extracted, file).to.deep.equal([]);
          continue;
        }
        expect(
          extracted.map((dep) => [dep.depName, dep.currentValue]),
          file,
        ).to.deep.equal([[TEMPO_IMAGE_REPOSITORY, String(selected)]]);
        expect(
          TEMPO_RELEASES.map((release) => release.version),
          file,
        ).to.include(String(selected));
      }
    });

    it("no update is ever merged without a person, and Tempo and otel-lgtm updates are labelled for the dialect check", () => {
      expect(findKeys(config.raw, "automerge")).to.not.include(true);
      expect(config.raw.automerge).to.equal(false);
      for (const image of [TEMPO_IMAGE_REPOSITORY, IMAGES.lgtm.split(":")[0] ?? ""]) {
        const labelled = rulesFor(config, image).filter(
          (rule) =>
            Array.isArray(rule.addLabels) &&
            rule.addLabels.includes(DIALECT_LABEL) &&
            rule.automerge === false &&
            rule.matchUpdateTypes === undefined &&
            rule.matchCurrentVersion === undefined,
        );
        expect(labelled, image).to.have.length(1);
        expect(findKeys(labelled, "prBodyNotes"), image).to.have.length(1);
      }
      const [tempoRule] = rulesFor(config, TEMPO_IMAGE_REPOSITORY);
      expect(tempoRule?.separateMinorPatch, "patches keep flowing while a new minor waits").to.equal(true);
    });

    it("an older Tempo line only takes its own patches; the default line is not held back", () => {
      const newest = TEMPO_RELEASES.find((release) => release.version === DEFAULT_TEMPO_VERSION);
      expect(newest).to.not.equal(undefined);
      const confining = rulesFor(config, TEMPO_IMAGE_REPOSITORY).filter(
        (rule) => typeof rule.matchCurrentVersion === "string" && typeof rule.allowedVersions === "string",
      );
      for (const release of TEMPO_RELEASES) {
        const [major, minor, patch] = release.version.split(".").map(Number);
        const applies = confining.filter((rule) => configRegex(String(rule.matchCurrentVersion)).test(release.version));
        if (release === newest) {
          expect(applies, release.version).to.deep.equal([]);
          continue;
        }
        expect(applies, release.version).to.have.length(1);
        const allowed = configRegex(String(applies[0]?.allowedVersions));
        expect(allowed.test(`${major}.${minor}.${(patch ?? 0) + 1}`), `${release.version}: its next patch`).to.equal(
          true,
        );
        expect(allowed.test(`${major}.${(minor ?? 0) + 1}.0`), `${release.version}: the next minor`).to.equal(false);
        expect(allowed.test(DEFAULT_TEMPO_VERSION), `${release.version}: the default line`).to.equal(false);
      }
    });
  });

  describe("the Pulumi CLI in the workflows", () => {
    const sdk = packageJsonVersion("@pulumi/pulumi");

    it("every pulumi-version in a workflow is extracted as @pulumi/pulumi from npm, equal to package.json", () => {
      for (const file of workflowFiles()) {
        const repoPath = `.github/workflows/${file}`;
        const text = files.get(repoPath) ?? "";
        const extracted = dependencies.filter((dep) => dep.file === repoPath && dep.depName === "@pulumi/pulumi");
        expect(extracted.length, repoPath).to.equal((text.match(/\bpulumi-version\s*:/g) ?? []).length);
        for (const dep of extracted) {
          expect([dep.depName, dep.datasource, dep.currentValue], repoPath).to.deep.equal([
            "@pulumi/pulumi",
            "npm",
            sdk,
          ]);
        }
      }
      expect(dependencies.filter((dep) => dep.depName === "@pulumi/pulumi")).to.have.length.greaterThan(1);
    });

    it("moves with the SDK in one pull request, and Renovate's own reading of pulumi-version is off", () => {
      const grouped = rulesFor(config, "@pulumi/pulumi").filter((rule) => typeof rule.groupName === "string");
      expect(grouped).to.have.length(1);
      // Renovate's github-actions manager also reads pulumi/actions' `pulumi-version` (measured: dep
      // "pulumi", depType "uses-with", from pulumi/pulumi's GitHub releases); that would move the
      // CLI without the SDK.
      const off = config.packageRules.filter(
        (rule) =>
          rule.enabled === false &&
          JSON.stringify(rule.matchManagers) === '["github-actions"]' &&
          JSON.stringify(rule.matchDepTypes) === '["uses-with"]' &&
          JSON.stringify(rule.matchDepNames) === '["pulumi"]',
      );
      expect(off).to.have.length(1);
    });
  });

  describe("tools the workflows run with npx", () => {
    it("every `npx` in a workflow names an exact version, and Renovate extracts it from npm", () => {
      for (const file of workflowFiles()) {
        const repoPath = `.github/workflows/${file}`;
        const text = files.get(repoPath) ?? "";
        const runs = [...text.matchAll(/\bnpx\b[^\n]*/g)].map((match) => match[0]);
        const pinned = runs.flatMap((run) => /--package (@?[a-z0-9][a-z0-9._/-]*)@(\d+\.\d+\.\d+)\b/.exec(run) ?? []);
        expect(runs.length, `${repoPath}: npx without --package <name>@<x.y.z>`).to.equal(pinned.length / 3);
        const extracted = dependencies
          .filter((dep) => dep.file === repoPath && dep.datasource === "npm" && dep.depName !== "@pulumi/pulumi")
          .map((dep) => `${dep.depName}@${dep.currentValue}`);
        const expected = runs.map((run) => /--package (\S+)/.exec(run)?.[1] ?? "");
        expect(extracted, repoPath).to.deep.equal(expected);
      }
      expect(dependencies.some((dep) => dep.depName === "renovate" && dep.currentValue === RENOVATE_VERSION)).to.equal(
        true,
      );
    });

    it("runs Renovate's own validator on renovate.json, on the Node it needs, in a workflow GitHub parses", async () => {
      const parser = await loadWorkflowParser();
      const file = "renovate-config.yml";
      const { errors, text, events } = await parseWorkflowText(
        parser,
        file,
        files.get(`.github/workflows/${file}`) ?? "",
      );
      expect(errors).to.deep.equal([]);
      expect(Object.keys(events)).to.have.members(["pull_request", "push"]);
      expect(text).to.contain(
        `npx --yes --package renovate@${RENOVATE_VERSION} -- renovate-config-validator --strict renovate.json`,
      );
      expect(text).to.match(/node-version: "24"/);
    });
  });

  describe("GitHub actions", () => {
    it("extends the digest-pinning preset and leaves the github-actions manager on", () => {
      expect(config.extends).to.include("helpers:pinGitHubActionDigestsToSemver");
      expect(config.raw).to.not.have.any.keys("enabledManagers", "github-actions");
    });

    it("every action of every workflow is on a uses: line Renovate reads, pinned to a commit with its release beside it", async () => {
      const parser = await loadWorkflowParser();
      const commits = new Map<string, string>();
      for (const file of workflowFiles()) {
        const repoPath = `.github/workflows/${file}`;
        expect(
          GITHUB_ACTIONS_FILES.some((pattern) => pattern.test(repoPath)),
          repoPath,
        ).to.equal(true);
        const text = files.get(repoPath) ?? "";
        const lines = usesLines(text);
        const { document } = await parseWorkflowText(parser, file, text);
        expect(everyUses(document), repoPath).to.have.members(lines.map((uses) => uses.reference));
        expect(
          lines.flatMap((uses) => commitPinProblem(uses) ?? []),
          repoPath,
        ).to.deep.equal([]);
        for (const uses of lines.filter((candidate) => commitPinProblem(candidate) === undefined)) {
          const key = `${uses.action ?? ""} ${uses.commentVersion ?? ""}`;
          expect(commits.get(key) ?? uses.ref, `${key}: one commit in every workflow`).to.equal(uses.ref);
          commits.set(key, uses.ref ?? "");
        }
      }
    });
  });

  describe("npm", () => {
    it("pins every package.json dependency to an exact version, and keeps the lockfile", () => {
      expect(config.extends).to.include.members([":pinAllExceptPeerDependencies", ":maintainLockFilesWeekly"]);
      const inexact = packageJsonDependencies().filter((dep) => !/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(dep.spec));
      expect(inexact).to.deep.equal([]);
    });

    it("package-lock.json records exactly those versions", () => {
      const lock = new Map(jsonEntries(JSON.parse(files.get("package-lock.json") ?? "{}")));
      const packages = new Map(jsonEntries(lock.get("packages")));
      const root = new Map(jsonEntries(packages.get("")));
      for (const dep of packageJsonDependencies()) {
        expect(new Map(jsonEntries(root.get(dep.field))).get(dep.name), `${dep.name} in the lockfile's root`).to.equal(
          dep.spec,
        );
        expect(new Map(jsonEntries(packages.get(`node_modules/${dep.name}`))).get("version"), dep.name).to.equal(
          dep.spec,
        );
      }
    });
  });

  describe("the checks themselves", () => {
    const imagesManager = config.customManagers.find((manager) =>
      manager.managerFilePatterns.some((pattern) => configRegex(pattern).test("config/constants/images.ts")),
    );

    it("extract a new image entry and not a URL; a string of an image's shape counts on both sides", () => {
      expect(imagesManager).to.not.equal(undefined);
      const content = `export const X = { a: "grafana/loki:3.6.0", b: "http://127.0.0.1:3000", c: "tracing:mode" };`;
      const found = imagesManager ? extract(imagesManager, "config/constants/images.ts", content) : [];
      expect(found.map((dep) => `${dep.depName}:${dep.currentValue}`)).to.deep.equal([
        "grafana/loki:3.6.0",
        "tracing:mode",
      ]);
      // "tracing:mode" has an image's shape: the pin scan finds it too, and in images.ts the test
      // "finds the image literals ..." would name it, since it is not one of IMAGES.
      expect(imageLiterals("x.ts", content).map((pin) => pin.image)).to.deep.equal([
        "grafana/loki:3.6.0",
        "tracing:mode",
      ]);
    });

    it("report a pin in a file no manager reads, and one whose tag the manager does not see", () => {
      const stray = { file: "config/constants/extra.ts", image: "busybox:1.37.0" };
      expect(uncoveredPins([...pins, stray], dependencies)).to.deep.equal([stray]);
      const moved = { file: "config/constants/images.ts", image: `${IMAGES.grafana}-ubuntu` };
      expect(uncoveredPins([moved], dependencies)).to.deep.equal([moved]);
    });

    it("report a Tempo bump to a minor the builder has no dialect for", () => {
      expect(dialectProblem({ version: "3.1.0", line: "3.0" })).to.equal(
        'Tempo 3.1.0 is rendered with the 3.0 dialect: the builder needs a "3.1" line first',
      );
      expect(dialectProblem({ version: "3.0.4", line: "3.0" })).to.equal(undefined);
    });

    it("report an action on a branch or a tag, or a commit without its release", () => {
      const [branch, tag, bare, pinned] = usesLines(
        [
          "      - uses: actions/checkout@main",
          "      - uses: actions/checkout@v7",
          `      - uses: actions/checkout@${"a".repeat(40)}`,
          `      - uses: actions/checkout@${"a".repeat(40)} # v7.0.1`,
        ].join("\n"),
      );
      expect(branch && commitPinProblem(branch)).to.be.a("string");
      expect(tag && commitPinProblem(tag)).to.be.a("string");
      expect(bare && commitPinProblem(bare)).to.be.a("string");
      expect(pinned && commitPinProblem(pinned)).to.equal(undefined);
    });

    it("refuse a glob file pattern and Handlebars beyond {{{group}}}, which they could not apply exactly", () => {
      expect(() => configRegex("config/**/*.ts")).to.throw("not in /regex/ form");
      expect(() => render("{{#if x}}docker{{/if}}", {})).to.throw("more Handlebars");
      expect(re2Problem("(?<=a)b")).to.be.a("string");
    });
  });
});
