import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

/** A page of the docs (README.md or docs/*.md), by its path from the repository root. */
export function readDoc(relativePath: string): string {
  return fs.readFileSync(path.join(ROOT, relativePath), "utf8");
}

/** Every Markdown page: the README and docs/*.md. */
export function docPages(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs.sort()];
}

/** The lines of a page outside fenced code blocks. */
export function proseLines(text: string): string[] {
  let fenced = false;
  return text.split("\n").filter((line) => {
    if (line.startsWith("```")) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** The page's headings, with their level. */
export function headings(text: string): { level: number; title: string }[] {
  return proseLines(text).flatMap((line) => {
    const match = /^(#{1,6}) (.+)$/.exec(line);
    return match ? [{ level: match[1].length, title: match[2].trim() }] : [];
  });
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
export function githubAnchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, "")
    .replace(/ /g, "-");
}

/** The text under a heading, up to the next heading of the same or a higher level. */
export function docSection(relativePath: string, title: string): string {
  const lines = readDoc(relativePath).split("\n");
  const start = lines.findIndex((line) => /^#{1,6} /.test(line) && line.replace(/^#+ /, "") === title);
  if (start < 0) {
    throw new Error(`no heading ${JSON.stringify(title)} in ${relativePath}`);
  }
  const level = (/^#+/.exec(lines[start]) ?? [""])[0].length;
  const end = lines.findIndex((line, i) => i > start && new RegExp(`^#{1,${level}} `).test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** The page's relative links (not http:, not mailto:), as written. */
export function relativeLinks(text: string): string[] {
  return proseLines(text).flatMap((line) =>
    [...line.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((target) => !/^[a-z]+:/.test(target)),
  );
}
