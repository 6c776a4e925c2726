import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { CONFIG_KEYS, scopeOf } from "../config/stack/keys";
import { loadStackConfig } from "../config/stack/stackConfig";
import { stackFileSource } from "../config/stack/stackFile";
import { parseConfigKey, projectProblems, stackFileProblems } from "./rules/pulumiProject";

const ROOT = path.resolve(__dirname, "..");
const SKIP = new Set(["node_modules", ".git", ".cache", "out"]);

/** Every directory of the repository holding a Pulumi.yaml: the program, and any other. */
function projectDirs(dir = ROOT): string[] {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  const here = entries.some((entry) => entry.isFile() && entry.name === "Pulumi.yaml") ? [dir] : [];
  const below = entries
    .filter((entry) => entry.isDirectory() && !SKIP.has(entry.name))
    .flatMap((entry) => projectDirs(path.join(dir, entry.name)));
  return [...here, ...below];
}

function stackFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /^Pulumi\.[^.]+\.yaml$/.test(name))
    .map((name) => path.join(dir, name));
}

/** Parses YAML as strictly as the CLI's yaml.v3 does: any error or warning is a refusal. */
function parseStrict(text: string): unknown {
  const document = parseDocument(text, { strict: true, uniqueKeys: true, prettyErrors: true });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    throw new Error(problems.map((problem) => problem.message).join("\n"));
  }
  return document.toJS() as unknown;
}

function readStrict(file: string): unknown {
  return parseStrict(fs.readFileSync(file, "utf8"));
}

/** A provider's config keys, from its own SDK's `config/vars.d.ts`. */
function providerKeys(namespace: string): string[] | undefined {
  const vars = path.join(ROOT, "node_modules", "@pulumi", namespace, "config", "vars.d.ts");
  if (!fs.existsSync(vars)) {
    return undefined;
  }
  return [...fs.readFileSync(vars, "utf8").matchAll(/export declare const (\w+)/g)].map((match) => match[1]);
}

/** The project file as it landed once: ": " inside a plain scalar. */
const BROKEN_PROJECT = `name: tracing
description: Tracing backend of the diagram-agent service: Grafana Tempo and Grafana, on Docker locally.
runtime: nodejs
`;

describe("Pulumi's own files, read as Pulumi reads them", () => {
  const dirs = projectDirs();

  it("finds the program's project file", () => {
    expect(dirs).to.include(ROOT);
  });

  it("refuses the Pulumi.yaml that once landed (a strict parser stops at its description)", () => {
    expect(() => parseStrict(BROKEN_PROJECT)).to.throw(/Nested mappings are not allowed in compact mappings/);
  });

  it("holds the project schema's rules to a bad project", () => {
    expect(
      projectProblems({
        name: "tracing stack",
        runtime: { name: "nodejs", options: { packagemanager: "poetry" } },
        description: 3,
      }),
    ).to.deep.equal([
      "name: \"tracing stack\" must be 1-100 letters, digits, '-', '_' or '.'",
      "description: must be a string, got 3",
      'runtime.options.packagemanager: "poetry" is not a valid value',
    ]);
    expect(projectProblems({ name: "tracing" })).to.deep.equal(["runtime: required, a name or {name, options}"]);
    expect(stackFileProblems({ config: {}, secretProvider: "gcpkms://x" })).to.have.length(1);
  });

  for (const dir of dirs) {
    const relative = path.relative(ROOT, dir) || ".";
    describe(`project ${relative}`, () => {
      const project = readStrict(path.join(dir, "Pulumi.yaml")) as { name?: unknown };

      it("Pulumi.yaml parses strictly and meets the project schema", () => {
        expect(projectProblems(project)).to.deep.equal([]);
      });

      for (const file of stackFiles(dir)) {
        const stack = path.basename(file).slice("Pulumi.".length, -".yaml".length);
        it(`Pulumi.${stack}.yaml parses strictly, and every config key has a namespace and a known name`, () => {
          const document = readStrict(file);
          expect(stackFileProblems(document)).to.deep.equal([]);
          const config = (document as { config?: Record<string, unknown> } | null)?.config ?? {};
          const unknown: string[] = [];
          for (const key of Object.keys(config)) {
            const parsed = parseConfigKey(key, String(project.name));
            if (parsed === undefined) {
              unknown.push(`${key}: not <namespace>:<name>`);
              continue;
            }
            if (parsed.namespace === project.name) {
              // The program's own keys; this project's are checked by name below.
              if (dir === ROOT && scopeOf(parsed.name) === undefined) {
                unknown.push(`${key}: not a key of config/stack/keys.ts`);
              }
              continue;
            }
            const known = providerKeys(parsed.namespace);
            if (known === undefined || !known.includes(parsed.name)) {
              unknown.push(`${key}: not a config key of the ${parsed.namespace} provider`);
            }
          }
          expect(unknown).to.deep.equal([]);
        });
      }
    });
  }

  describe("the program's stacks", () => {
    for (const file of stackFiles(ROOT)) {
      const stack = path.basename(file).slice("Pulumi.".length, -".yaml".length);
      it(`Pulumi.${stack}.yaml sets only keys of its own platform, and loads`, () => {
        const config = loadStackConfig(stackFileSource(stack));
        const document = readStrict(file) as { config?: Record<string, unknown> };
        const foreign = config.platform === "gcp" ? CONFIG_KEYS.docker : CONFIG_KEYS.gcp;
        const names = Object.keys(document.config ?? {}).map((key) => parseConfigKey(key, "tracing")?.name);
        expect(names.filter((name) => (foreign as readonly (string | undefined)[]).includes(name))).to.deep.equal([]);
      });
    }
  });
});
