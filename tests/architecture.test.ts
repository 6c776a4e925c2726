import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const SOURCE_FOLDERS = ["bootstrap", "components", "config", "scripts", "tests"];

/** Every TypeScript file of the project, relative to the root, with forward slashes. */
function projectFiles(): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        return walk(relative);
      }
      return entry.name.endsWith(".ts") ? [relative] : [];
    });
  return ["index.ts", ...SOURCE_FOLDERS.flatMap(walk)];
}

/** The project files `file` imports (relative imports only), resolved as Node resolves them. */
function localImports(file: string, known: ReadonlySet<string>): string[] {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((name) => name.startsWith("."))
    .flatMap((name) => {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), name));
      const found = [`${base}.ts`, `${base}/index.ts`].find((candidate) => known.has(candidate));
      return found ? [found] : [];
    });
}

/** The import graph of the project's own files. */
function importGraph(): Map<string, string[]> {
  const files = projectFiles();
  const known = new Set(files);
  return new Map(files.map((file) => [file, localImports(file, known)]));
}

/** Strongly connected components of more than one file, or a file importing itself: the cycles. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's algorithm.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      for (;;) {
        const member = stack.pop();
        if (member === undefined) {
          break;
        }
        onStack.delete(member);
        component.push(member);
        if (member === node) {
          break;
        }
      }
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) {
        cycles.push(component.sort());
      }
    }
  };
  for (const node of graph.keys()) {
    if (!index.has(node)) {
      visit(node);
    }
  }
  return cycles;
}

describe("the project's module structure", () => {
  const graph = importGraph();

  it("reads the imports of every source file", () => {
    // GIVEN the graph THEN it knows files of each folder, and edges the knots below are made of
    expect(graph.get("index.ts")).to.include("config/stack/stackConfig.ts");
    expect(graph.get("scripts/verify/run.ts")?.length).to.be.greaterThan(2);
  });

  it("has no import cycle anywhere", () => {
    expect(importCycles(graph)).to.deep.equal([]);
  });

  it("finds a cycle when there is one (the checker itself)", () => {
    const knot = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(importCycles(knot)).to.deep.equal([["a.ts", "b.ts", "c.ts"]]);
    expect(importCycles(new Map([["self.ts", ["self.ts"]]]))).to.deep.equal([["self.ts"]]);
  });

  it("keeps the file builders in config/files free of the stack config reader, components and scripts", () => {
    // A builder takes its own plain settings; the stack config is adapted to them on the config side.
    const leaks = [...graph]
      .filter(([file]) => file.startsWith("config/files/"))
      .flatMap(([file, imports]) =>
        imports
          .filter((imported) => !imported.startsWith("config/files/") && !imported.startsWith("config/constants/"))
          .map((imported) => `${file} -> ${imported}`),
      );
    expect(leaks).to.deep.equal([]);
  });

  it("keeps the constants free of any other project module", () => {
    const leaks = [...graph]
      .filter(([file]) => file.startsWith("config/constants/"))
      .flatMap(([file, imports]) =>
        imports.filter((imported) => !imported.startsWith("config/constants/")).map((i) => `${file} -> ${i}`),
      );
    expect(leaks).to.deep.equal([]);
  });
});
